/** The self-contained HTML report: tables plus inline SVG charts, no external resources. */
import type { BenchReport, ScenarioResult } from '../scenarios/types.js';
import { barChart, esc, groupedLogBars, lineChart, type RefLine } from './svg.js';
import { renderMicro } from './micro.js';
import { physicalLines, scenarioNote, targetLines } from './table.js';

const STYLE = `body{font-family:sans-serif;max-width:980px;margin:2em auto;color:#222}
table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}
td:first-child,th:first-child{text-align:left}.pass{color:#1a7f37}.miss{color:#c62828}
svg{display:block;margin:1em 0}svg .t{font-size:13px;font-weight:bold}svg .s{font-size:10px;fill:#555}pre{font-size:11px;background:#f6f6f6;padding:8px;overflow:auto}`;

function cell(v: string | number | undefined): string {
  return `<td>${esc(v === undefined ? '-' : String(v))}</td>`;
}

function scenarioRows(scenarios: readonly ScenarioResult[]): string {
  const head = '<tr><th>scenario</th><th>client</th><th>nodes</th><th>msgs/s</th><th>MB/s</th><th>p50 ms</th><th>p99 ms</th><th>p999 ms</th><th>CPU % avg per node</th><th>RSS MB max</th><th>load 1m</th><th>note</th></tr>';
  const rows = scenarios.map((s) => `<tr>${[
    cell(`${s.name}: ${s.title}`), cell(s.client), cell(s.nodes), cell(s.msgsPerSec), cell(s.mbPerSec),
    cell(s.latency?.p50Ms), cell(s.latency?.p99Ms), cell(s.latency?.p999Ms),
    cell(s.servers.map((x) => x.cpuPercentAvg).join(' / ')), cell(Math.max(0, ...s.servers.map((x) => x.rssMbMax))), cell(s.loadavg1m), cell(s.error ?? scenarioNote(s)),
  ].join('')}</tr>`);
  return `<table>${head}${rows.join('')}</table>`;
}

function throughputChart(r: BenchReport): string {
  const bars = r.scenarios.filter((s) => s.mbPerSec > 0).map((s) => ({ label: s.name, value: s.mbPerSec }));
  if (bars.length === 0) return '';
  const refs: RefLine[] = (r.physical?.disk ?? []).map((d) => ({ label: `disk fdatasync ${d.entryBytes >= 1048576 ? '1 MiB' : `${d.entryBytes / 1024} KiB`}`, value: d.mbPerSec }));
  return barChart({ title: 'Throughput per scenario against the disk limits of this run (loopback TCP: see table)', unit: 'MB/s', bars, refs });
}

function latencyChart(r: BenchReport): string {
  const withLat = r.scenarios.filter((s) => s.latency !== undefined && s.latency.samples > 0);
  if (withLat.length === 0) return '';
  return groupedLogBars({
    title: 'Latency percentiles',
    unit: 'ms',
    categories: withLat.map((s) => s.name),
    series: [
      { name: 'p50', values: withLat.map((s) => s.latency?.p50Ms) },
      { name: 'p99', values: withLat.map((s) => s.latency?.p99Ms) },
      { name: 'p999', values: withLat.map((s) => s.latency?.p999Ms) },
    ],
  });
}

function overTimeCharts(r: BenchReport): string {
  return r.scenarios.filter((s) => (s.latencyOverTime?.length ?? 0) > 1).map((s) => {
    const axis = typeof s.extra?.overTimeAxis === 'string' ? s.extra.overTimeAxis : 'time (ms)';
    const pts = s.latencyOverTime ?? [];
    return lineChart({
      title: `${s.name}: latency over ${axis === 'time (ms)' ? 'time' : axis}`,
      xLabel: axis,
      yLabel: 'ms',
      series: [
        { name: 'p50', points: pts.map((b) => [b.tMs, b.p50Ms]) },
        { name: 'p99', points: pts.map((b) => [b.tMs, b.p99Ms]) },
      ],
    });
  }).join('');
}

function serverCharts(r: BenchReport): string {
  return r.scenarios.filter((s) => s.servers.some((x) => x.samples.length > 1)).map((s) =>
    lineChart({
      title: `${s.name}: broker CPU (% of one core) and RSS (MB)`,
      xLabel: 'time (ms)',
      yLabel: '% / MB',
      height: 200,
      series: s.servers.flatMap((x) => [
        { name: `n${x.node} CPU`, points: x.samples.map((p): [number, number] => [p.tMs, p.cpuPercent]) },
        { name: `n${x.node} RSS`, points: x.samples.map((p): [number, number] => [p.tMs, p.rssMb]) },
      ]),
    })).join('');
}

export function renderHtml(r: BenchReport): string {
  const targets = r.targets.map((t) => `<tr><td class="${t.pass ? 'pass' : 'miss'}">${t.pass ? 'PASS' : 'MISS'}</td>${cell(t.name)}${cell(t.value)}${cell(`${t.comparator} ${t.threshold} ${t.unit}`)}${cell(t.ratio)}${cell(t.basis)}</tr>`).join('');
  const kv = (o: Record<string, unknown>): string => Object.entries(o).map(([k, v]) => `<tr>${cell(k)}${cell(Array.isArray(v) ? v.join(' ') : String(v))}</tr>`).join('');
  return `<!doctype html><html><head><meta charset="utf-8"><title>chronik bench ${esc(r.startedAt)}</title><style>${STYLE}</style></head><body>
<h1>chronik bench</h1><p>${esc(r.startedAt)} to ${esc(r.finishedAt)}; argv: <code>${esc(r.argv.join(' '))}</code></p>
<p>${esc(physicalLines(r))}</p>
<h2>Targets</h2><table><tr><th>verdict</th><th>target</th><th>value</th><th>threshold</th><th>ratio</th><th>basis</th></tr>${targets}</table>
<h2>Scenarios</h2>${scenarioRows(r.scenarios)}
<h2>Charts</h2>${throughputChart(r)}${latencyChart(r)}${overTimeCharts(r)}${serverCharts(r)}
<h2>Micro-benchmarks</h2><pre>${esc(renderMicro(r.micro))}</pre><details><summary>raw</summary><pre>${esc(JSON.stringify(r.micro, null, 2))}</pre></details>
<h2>Machine and versions</h2><table>${kv(r.machine)}${kv(r.versions)}</table>
${r.errors.length > 0 ? `<h2>Errors</h2><pre>${esc(r.errors.join('\n'))}</pre>` : ''}
<!-- text summary -->
<pre>${esc(targetLines(r.targets))}</pre>
</body></html>
`;
}
