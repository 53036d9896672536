/** Pure helpers: percentiles and rates. */
import type { LatencyPercentiles, ScenarioResult } from './types.js';
import { MIB } from './types.js';

/** Nearest-rank percentile of an ascending array; 0 for an empty one. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

export function summarise(samplesMs: readonly number[]): LatencyPercentiles {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  return {
    samples: sorted.length,
    p50Ms: round3(percentile(sorted, 0.5)),
    p99Ms: round3(percentile(sorted, 0.99)),
    p999Ms: round3(percentile(sorted, 0.999)),
    maxMs: round3(sorted[sorted.length - 1] ?? 0),
  };
}

export function rates(messages: number, bytes: number, seconds: number): { msgsPerSec: number; mbPerSec: number } {
  if (seconds <= 0) return { msgsPerSec: 0, mbPerSec: 0 };
  return { msgsPerSec: Math.round(messages / seconds), mbPerSec: round3(bytes / MIB / seconds) };
}

export function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}

/**
 * The brokers' CPU time over the scenario per MB moved. Total CPU seconds where recorded (idle
 * phases around the load add nothing to it); older results only have the average CPU %, which
 * those phases dilute, so it is taken over the load's own seconds.
 */
function brokerMsPerMb(s: ScenarioResult): number {
  const seconds = s.servers.map((x) => x.cpuSeconds);
  if (seconds.every((x) => x !== undefined) && s.bytes > 0) return (seconds.reduce((a, b) => a + (b ?? 0), 0) * 1000) / (s.bytes / MIB);
  return ((s.servers.reduce((sum, x) => sum + x.cpuPercentAvg, 0) / 100) * 1000) / s.mbPerSec;
}

/**
 * CPU time per MB moved, in ms: the brokers' (all nodes, from /proc) and the load generator's
 * (what the producer reported of itself, when it did). Less sensitive to a busy machine than MB/s.
 */
export function cpuMsPerMb(s: ScenarioResult): { broker: number | undefined; client: number | undefined } {
  if (!(s.mbPerSec > 0)) return { broker: undefined, client: undefined };
  const clientPercent = s.extra?.clientCpuPercent;
  return {
    broker: s.servers.length === 0 ? undefined : brokerMsPerMb(s),
    client: typeof clientPercent === 'number' ? (clientPercent * 10) / s.mbPerSec : undefined,
  };
}
