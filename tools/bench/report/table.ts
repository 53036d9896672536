/** Plain-text rendering for stdout: the scenario table, the physical limits and the targets. */
import type { BenchReport, ScenarioResult, TargetResult } from '../scenarios/types.js';
import { cpuMsPerMb } from '../scenarios/stats.js';
import { MIB } from '../scenarios/types.js';
import { renderMicro } from './micro.js';

function num(n: number | undefined, digits = 1): string {
  return n === undefined || !Number.isFinite(n) ? '-' : n.toFixed(digits);
}

function cpu(s: ScenarioResult): string {
  return s.servers.length === 0 ? '-' : s.servers.map((x) => x.cpuPercentAvg.toFixed(0)).join('/');
}

function rss(s: ScenarioResult): string {
  return s.servers.length === 0 ? '-' : Math.max(...s.servers.map((x) => x.rssMbMax)).toFixed(0);
}

/** The table's last column: an error, or what to read the figures against (client load, broker CPU per MB, ack latency). */
export function scenarioNote(s: ScenarioResult): string {
  if (s.error !== undefined) return `ERROR: ${s.error.split('\n')[0]?.slice(0, 80) ?? ''}`;
  const sent = s.extra?.sent;
  // A paced run that received clearly less than it offered did not keep up with the offered rate.
  if (s.name.startsWith('e2e') && typeof sent === 'number' && s.messages < sent * 0.95) return `fell behind: ${s.messages} of ${sent} received`;
  const fallback = s.extra?.generatorFallback;
  return [typeof fallback === 'string' ? `Python producer (${fallback})` : '', socketNote(s), clientNote(s.extra), cpuPerMb(s), ackNote(s.extra?.ackLatency)].filter((x) => x !== '').join('; ');
}

/** acks=0 counts what the log committed; its delivery reports only say what reached the socket. */
function socketNote(s: ScenarioResult): string {
  const reports = s.extra?.deliveryReports;
  if (s.params.acks !== '0' || typeof reports !== 'number' || !(s.seconds > 0) || s.messages === 0) return '';
  return `written to the socket ${((reports * (s.bytes / s.messages)) / MIB / s.seconds).toFixed(1)} MB/s, committed in the window ${s.mbPerSec.toFixed(1)}`;
}

/** Broker CPU time per MB moved (all nodes): less sensitive to a busy machine than MB/s. */
function cpuPerMb(s: ScenarioResult): string {
  const broker = cpuMsPerMb(s).broker;
  if (!s.name.startsWith('produce') || broker === undefined) return '';
  const main = s.servers.map((x) => x.mainThreadPercentAvg);
  const loops = main.every((m) => m !== undefined) ? `, event loop ${main.map((m) => (m ?? 0).toFixed(0)).join('/')}% of a core` : '';
  return `broker ${broker.toFixed(1)} ms CPU per MB${loops}`;
}

/** A producer's own CPU and how long it waited for the broker: says which side was the limit. */
function clientNote(extra: Record<string, unknown> | undefined): string {
  const cpuPercent = extra?.clientCpuPercent;
  const blocked = extra?.clientBlockedPercent;
  if (typeof cpuPercent !== 'number' || typeof blocked !== 'number') return '';
  return `client CPU ${cpuPercent.toFixed(0)}%, waited for the broker ${blocked.toFixed(0)}% of the time`;
}

/** End to end: how much of it the broker's acks=all acknowledgement already took. */
function ackNote(ack: unknown): string {
  if (typeof ack !== 'object' || ack === null) return '';
  const { p50Ms, p99Ms } = ack as { p50Ms?: unknown; p99Ms?: unknown };
  return typeof p50Ms === 'number' && typeof p99Ms === 'number' ? `produce ack p50 ${p50Ms.toFixed(1)} / p99 ${p99Ms.toFixed(1)} ms` : '';
}

export function scenarioTable(scenarios: readonly ScenarioResult[]): string {
  const head = ['scenario', 'client', 'nodes', 'msgs/s', 'MB/s', 'p50 ms', 'p99 ms', 'p999 ms', 'CPU% avg/node', 'RSS MB max', 'load', 'note'];
  const rows = scenarios.map((s) => [
    s.name, s.client, String(s.nodes), s.msgsPerSec === 0 ? '-' : String(s.msgsPerSec), s.mbPerSec === 0 ? '-' : num(s.mbPerSec),
    num(s.latency?.p50Ms, 2), num(s.latency?.p99Ms, 2), num(s.latency?.p999Ms, 2), cpu(s), rss(s), num(s.loadavg1m, 1), scenarioNote(s),
  ]);
  return align([head, ...rows]);
}

function align(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((c, i) => (i === 0 || i === 1 || i === r.length - 1 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ').trimEnd()).join('\n');
}

export function targetLines(targets: readonly TargetResult[]): string {
  return targets.map((t) => {
    const verdict = t.pass ? 'PASS' : 'MISS';
    return `${verdict}  ${t.name}: ${num(t.value, 1)} ${t.unit} (target ${t.comparator} ${num(t.threshold, 1)} ${t.unit}; ratio ${num(t.ratio, 3)}; ${t.basis})`;
  }).join('\n');
}

export function physicalLines(r: BenchReport): string {
  const p = r.physical;
  if (p === undefined) return 'physical limits: not measured (--only without physical)';
  const disk = p.disk.map((d) => `${d.entryBytes >= 1024 * 1024 ? `${d.entryBytes / 1024 / 1024} MiB` : `${d.entryBytes / 1024} KiB`} ${d.mbPerSec} MB/s (${d.opsPerSec}/s)`).join(', ');
  return `physical limits: write+fdatasync on ${p.dataDir}: ${disk}; loopback TCP ${p.tcpMbPerSec} MB/s, RTT p50 ${p.tcpRttP50Us} us p99 ${p.tcpRttP99Us} us`;
}

export function renderText(r: BenchReport): string {
  const load = r.machine.loadavgStart;
  const loadEnd = r.machine.loadavgEnd;
  return [
    `chronik bench ${r.startedAt}  (${String(r.machine.cpuCount)} CPUs, load average at start ${Array.isArray(load) ? load.join(' ') : String(load)}, at end ${Array.isArray(loadEnd) ? loadEnd.join(' ') : String(loadEnd)})`,
    physicalLines(r),
    '',
    scenarioTable(r.scenarios),
    '',
    ...(Object.keys(r.micro).length > 0 ? [renderMicro(r.micro), ''] : []),
    ...(r.targets.length > 0 ? ['targets:', targetLines(r.targets), ''] : []),
    ...(r.errors.length > 0 ? ['errors:', ...r.errors, ''] : []),
  ].join('\n');
}
