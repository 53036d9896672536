/** Text of the micro-benchmark results (their own formatters), and of broker CPU profiles. */
import { formatRaftBench, type RaftBenchResult } from '../raft.js';
import { formatWalBench, type WalBenchResult } from '../wal.js';

interface EmbeddedShape {
  shape: string;
  startMs: { medianMs: number; maxMs: number };
  createTopicMs: { medianMs: number };
  stopMs: { medianMs: number };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

function embeddedLines(e: unknown): string[] {
  if (!isRecord(e)) return [];
  if (typeof e.skipped === 'string') return [`embedded start-up: skipped (${e.skipped})`];
  if (!Array.isArray(e.shapes)) return [];
  return (e.shapes as EmbeddedShape[]).map((s) =>
    `embedded ${s.shape}: start median ${s.startMs.medianMs.toFixed(0)} ms (max ${s.startMs.maxMs.toFixed(0)}), createTopic ${s.createTopicMs.medianMs.toFixed(0)} ms, stop ${s.stopMs.medianMs.toFixed(0)} ms`);
}

export function renderMicro(micro: Record<string, unknown>): string {
  const out: string[] = [];
  // The shapes come from this run's own runWalBench/runRaftBench, stored as they returned them.
  if (isRecord(micro.wal)) out.push(formatWalBench(micro.wal as unknown as WalBenchResult), '');
  if (isRecord(micro.raft)) out.push(formatRaftBench(micro.raft as unknown as RaftBenchResult), '');
  out.push(...embeddedLines(micro.embedded));
  if (isRecord(micro.profiles)) {
    for (const text of Object.values(micro.profiles)) if (typeof text === 'string') out.push('', text);
  }
  return out.join('\n');
}
