/** The targets, each judged against figures (and physical limits) of the same run. */
import { diskMbPerSec } from '../physical.js';
import type { BenchReport, ScenarioResult, TargetResult } from '../scenarios/types.js';
import { cpuMsPerMb } from '../scenarios/stats.js';
import { MIB } from '../scenarios/types.js';

function find(report: BenchReport, name: string): ScenarioResult | undefined {
  const s = report.scenarios.find((x) => x.name === name);
  return s === undefined || s.error !== undefined ? undefined : s;
}

function judge(name: string, value: number | undefined, unit: string, comparator: '>=' | '<=', threshold: number, basis: string): TargetResult {
  let ratio: number | undefined;
  if (value !== undefined) ratio = comparator === '>=' ? value / threshold : value === 0 ? Infinity : threshold / value;
  // Three decimals: a near miss (0.996) must not print as 1.00 next to MISS.
  const r = ratio === undefined || !Number.isFinite(ratio) ? ratio : Math.floor(ratio * 1000) / 1000;
  return { name, value, unit, comparator, threshold: Math.round(threshold * 100) / 100, ratio: r, pass: ratio !== undefined && ratio >= 1, basis };
}

/** Reference runs outside the scenarios: shown, but not judged against the RSS target. */
const REFERENCE_ONLY = new Set(['produce-1n-acks0']);

function referenceRss(report: BenchReport): string {
  const parts = report.scenarios
    .filter((s) => REFERENCE_ONLY.has(s.name) && s.servers.length > 0)
    .map((s) => `${s.name} ${Math.max(...s.servers.map((x) => x.rssMbMax)).toFixed(0)} MB`);
  return parts.length === 0 ? '' : `; not counted: ${parts.join(', ')}`;
}

/** The same client at acks=0 in the same run: how close acks=all came to what the client does at all. */
function clientCeiling(report: BenchReport, acksAllMbPerSec: number): string {
  const acks0 = find(report, 'produce-1n-acks0');
  const ceiling = acks0?.mbPerSec;
  if (acks0 === undefined || ceiling === undefined || !(ceiling > 0)) return '';
  return `; the same client at acks=0 ${ceiling.toFixed(1)} MB/s (acks=all is ${(acksAllMbPerSec / ceiling).toFixed(2)} of it); load generator ${acks0.client}`;
}

/**
 * What the machine's cores allow at this run's CPU cost per MB (broker + load generator, both on
 * this machine): a bound that a quieter machine would not lift, unlike MB/s.
 */
function cpuCeiling(report: BenchReport, s: ScenarioResult): string {
  const { broker, client } = cpuMsPerMb(s);
  const cores = report.machine.cpuCount;
  if (broker === undefined || client === undefined || typeof cores !== 'number') return '';
  return `; CPU per MB: broker ${broker.toFixed(1)} ms + client ${client.toFixed(1)} ms, so ${cores} cores allow at most ${((cores * 1000) / (broker + client)).toFixed(0)} MB/s`;
}

function extraNumber(s: ScenarioResult, key: string): number | undefined {
  const v = s.extra?.[key];
  return typeof v === 'number' ? v : undefined;
}

/** Issue 7's scale line: idle CPU < 5% of a core on every node, Metadata for all partitions < 50 ms. */
function scaleTargets(s: ScenarioResult): TargetResult[] {
  const settled = `${s.params.partitions ?? '?'} partitions RF 3 led ${extraNumber(s, 'settleMs') ?? '?'} ms after CreateTopics`;
  return [
    judge('scale: idle CPU per node (max of the nodes)', extraNumber(s, 'idleCpuPercentMax'), '% core', '<=', 5, settled),
    judge('scale: Metadata for all partitions, p99', s.latency?.p99Ms, 'ms', '<=', 50, `p50 ${s.latency?.p50Ms ?? '?'} ms over ${s.latency?.samples ?? 0} requests`),
  ];
}

export function evaluateTargets(report: BenchReport): TargetResult[] {
  const out: TargetResult[] = [];
  const disk1MiB = diskMbPerSec(report.physical, MIB);
  const p1 = find(report, 'produce-1n');
  if (p1 !== undefined) {
    out.push(judge('single node acks=all (librdkafka) vs 40% of 1 MiB write+fdatasync', p1?.mbPerSec, 'MB/s', '>=', 0.4 * (disk1MiB ?? NaN),
      `disk 1 MiB write+fdatasync ${disk1MiB ?? 'n/a'} MB/s${clientCeiling(report, p1.mbPerSec)}${cpuCeiling(report, p1)}`));
  }
  const p3 = find(report, 'produce-3n');
  if (p3 !== undefined) out.push(judge('3 nodes RF 3 acks=all, 1 KiB', p3.mbPerSec, 'MB/s', '>=', 40, 'absolute'));
  const e2e = find(report, 'e2e-3n');
  if (e2e !== undefined) out.push(judge('e2e p99 at 2,000 msg/s on 3 nodes', e2e.latency?.p99Ms, 'ms', '<=', 10, 'absolute'));
  const consumers = report.scenarios.filter((s) => s.name.startsWith('consume-') && s.error === undefined);
  for (const c of consumers) out.push(judge(`${c.name}: single consumer catch-up`, c.mbPerSec, 'MB/s', '>=', 300, 'absolute'));
  const rss = report.scenarios.filter((s) => !REFERENCE_ONLY.has(s.name)).flatMap((s) => s.servers.map((x) => x.rssMbMax));
  if (rss.length > 0) out.push(judge('RSS per node (max over all scenarios)', Math.max(...rss), 'MB', '<=', 300, `absolute${referenceRss(report)}`));
  const create = find(report, 'create-3n');
  if (create !== undefined) out.push(judge('topic create -> first produce, median', create.latency?.p50Ms, 'ms', '<=', 100, 'absolute'));
  const fo = find(report, 'failover-3n');
  if (fo !== undefined) {
    out.push(judge('leader SIGKILL -> first acked produce, p50', fo.latency?.p50Ms, 'ms', '<=', 500, 'absolute'));
    out.push(judge('leader SIGKILL -> first acked produce, p99', fo.latency?.p99Ms, 'ms', '<=', 1500, 'absolute'));
  }
  const scale = find(report, 'scale-3n');
  if (scale !== undefined) out.push(...scaleTargets(scale));
  return out;
}
