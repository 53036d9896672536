/** `--compare A.json B.json`: B over A for every scenario figure both runs have. */
import { cpuMsPerMb } from '../scenarios/stats.js';
import type { BenchReport, ScenarioResult } from '../scenarios/types.js';

function ratio(a: number | undefined, b: number | undefined): string {
  if (a === undefined || b === undefined || a === 0) return '-';
  return `${(b / a).toFixed(2)}x`;
}

function round2(n: number | undefined): number | undefined {
  return n === undefined ? undefined : Math.round(n * 100) / 100;
}

function figures(s: ScenarioResult): Array<[string, number | undefined]> {
  return [
    ['msgs/s', s.msgsPerSec || undefined],
    ['MB/s', s.mbPerSec || undefined],
    ['p50 ms', s.latency?.p50Ms],
    ['p99 ms', s.latency?.p99Ms],
    ['p999 ms', s.latency?.p999Ms],
    ['CPU % (sum of nodes)', s.servers.length === 0 ? undefined : s.servers.reduce((x, y) => x + y.cpuPercentAvg, 0)],
    ['RSS MB max', s.servers.length === 0 ? undefined : Math.max(...s.servers.map((x) => x.rssMbMax))],
    // CPU time per MB moves far less with the machine's load than MB/s: the figure to compare builds by.
    ['broker ms CPU per MB', round2(cpuMsPerMb(s).broker)],
    ['client ms CPU per MB', round2(cpuMsPerMb(s).client)],
  ];
}

export function compareReports(a: BenchReport, b: BenchReport): string {
  const lines = [`A: ${a.startedAt} (load ${String(a.machine.loadavgStart)})`, `B: ${b.startedAt} (load ${String(b.machine.loadavgStart)})`, 'scenario            figure                       A           B     B/A'];
  for (const sb of b.scenarios) {
    const sa = a.scenarios.find((x) => x.name === sb.name);
    if (sa === undefined) continue;
    const fa = figures(sa);
    for (const [name, vb] of figures(sb)) {
      const va = fa.find((f) => f[0] === name)?.[1];
      if (va === undefined && vb === undefined) continue;
      lines.push(`${sb.name.padEnd(19)} ${name.padEnd(22)} ${String(va ?? '-').padStart(11)} ${String(vb ?? '-').padStart(11)} ${ratio(va, vb).padStart(7)}`);
    }
  }
  for (const tb of b.targets) {
    const ta = a.targets.find((x) => x.name === tb.name);
    lines.push(`target ${tb.name}: A ${ta === undefined ? '-' : `${ta.pass ? 'PASS' : 'MISS'} ${String(ta.value)}`}, B ${tb.pass ? 'PASS' : 'MISS'} ${String(tb.value)} ${tb.unit}`);
  }
  return lines.join('\n');
}
