import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBench } from '../../tools/bench/main.js';
import { compareReports } from '../../tools/bench/report/compare.js';
import { summariseProfile } from '../../tools/bench/report/cpuprofile.js';
import { renderHtml } from '../../tools/bench/report/html.js';
import { renderText } from '../../tools/bench/report/table.js';
import { evaluateTargets } from '../../tools/bench/report/targets.js';
import { writeReport } from '../../tools/bench/report/write.js';
import { BenchError } from '../../tools/bench/scenarios/errors.js';
import { parseOptions } from '../../tools/bench/scenarios/options.js';
import type { BenchReport, ScenarioResult } from '../../tools/bench/scenarios/types.js';

function scenario(name: string, over: Partial<ScenarioResult>): ScenarioResult {
  return {
    name, title: name, client: 'librdkafka', nodes: 3, params: {}, messages: 1000, bytes: 1024 * 1000, seconds: 1, msgsPerSec: 1000, mbPerSec: 1,
    servers: [{ node: 0, cpuPercentAvg: 50, cpuPercentMax: 90, rssMbMax: 120, samples: [{ tMs: 0, cpuPercent: 40, rssMb: 110 }, { tMs: 500, cpuPercent: 60, rssMb: 120 }] }],
    ...over,
  };
}

/** A run with known figures: each target's verdict below follows from these numbers. */
function fixture(): BenchReport {
  const lat = (p50Ms: number, p99Ms: number) => ({ samples: 100, p50Ms, p99Ms, p999Ms: p99Ms * 1.5, maxMs: p99Ms * 2 });
  const report: BenchReport = {
    format: 'chronik-bench/1', startedAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T00:01:00.000Z', argv: [], params: {}, versions: { node: 'v20' },
    machine: { cpuCount: 2, loadavgStart: [1, 1, 1], loadavgEnd: [1, 1, 1] },
    physical: { dataDir: '/tmp', disk: [{ entryBytes: 1024, opsPerSec: 1000, mbPerSec: 1 }, { entryBytes: 1048576, opsPerSec: 100, mbPerSec: 100 }], tcpMbPerSec: 2000, tcpRttP50Us: 20, tcpRttP99Us: 50, net: {} },
    scenarios: [
      scenario('produce-1n', { nodes: 1, mbPerSec: 50, latency: lat(3, 9), latencyOverTime: [{ tMs: 0, count: 5, p50Ms: 2, p99Ms: 8 }, { tMs: 1000, count: 5, p50Ms: 3, p99Ms: 9 }] }),
      scenario('produce-1n-acks0', { nodes: 1, mbPerSec: 80, servers: [{ node: 0, cpuPercentAvg: 90, cpuPercentMax: 100, rssMbMax: 340, samples: [{ tMs: 0, cpuPercent: 90, rssMb: 300 }, { tMs: 500, cpuPercent: 90, rssMb: 340 }] }] }),
      scenario('produce-3n', { mbPerSec: 30 }),
      scenario('consume-3n', { mbPerSec: 400 }),
      scenario('e2e-3n', { latency: lat(4, 12), extra: { sent: 100, ackLatency: lat(3, 10) } }),
      scenario('create-3n', { client: 'kafkajs', latency: lat(80, 200) }),
      scenario('failover-3n', { client: 'kafkajs', latency: lat(400, 2000), error: 'boom <script>' }),
    ],
    micro: {}, targets: [], errors: [],
  };
  report.targets = evaluateTargets(report);
  return report;
}

describe('bench report', () => {
  it('judges each target against the same run, with ratios', () => {
    const verdicts = Object.fromEntries(fixture().targets.map((t) => [t.name, [t.pass, t.ratio]]));
    expect(verdicts['single node acks=all (librdkafka) vs 40% of 1 MiB write+fdatasync']).toEqual([true, 1.25]);
    expect(verdicts['3 nodes RF 3 acks=all, 1 KiB']).toEqual([false, 0.75]);
    expect(verdicts['e2e p99 at 2,000 msg/s on 3 nodes']?.[0]).toBe(false);
    expect(verdicts['consume-3n: single consumer catch-up']).toEqual([true, 1.333]);
    // The acks=0 reference run (340 MB here) is shown but not judged: the scenarios' max is 120 MB.
    expect(verdicts['RSS per node (max over all scenarios)']).toEqual([true, 2.5]);
    expect(verdicts['topic create -> first produce, median']).toEqual([true, 1.25]);
    // A failed scenario yields no figure and so no verdict on it.
    expect(Object.keys(verdicts).some((k) => k.startsWith('leader SIGKILL'))).toBe(false);
  });

  it('renders a table and a self-contained HTML report with inline SVG charts', () => {
    const r = fixture();
    const text = renderText(r);
    expect(text).toMatch(/produce-1n\s+librdkafka\s+1\s+1000\s+50\.0\s+3\.00\s+9\.00/);
    expect(text).toContain('MISS  3 nodes RF 3 acks=all, 1 KiB: 30.0 MB/s (target >= 40.0 MB/s; ratio 0.750');
    // The single-node target names the same client's acks=0 rate: the ceiling of the load generator.
    expect(text).toContain('the same client at acks=0 80.0 MB/s (acks=all is 0.63 of it)');
    expect(text).toContain('not counted: produce-1n-acks0 340 MB');
    // End to end shows how much of the latency the produce acknowledgement already took.
    expect(text).toMatch(/e2e-3n .* produce ack p50 3\.0 \/ p99 10\.0 ms/);
    const html = renderHtml(r);
    expect(html).not.toMatch(/<script|<link|src=|href=/i);
    // Throughput, latency percentiles, one latency-over-time chart, seven server charts (one per scenario).
    expect(html.match(/<svg /g)?.length).toBe(10);
    expect(html).toContain('boom &lt;script&gt;');
  });

  it('compares two runs as ratios', () => {
    const a = fixture();
    const b = fixture();
    const p = b.scenarios[0] as ScenarioResult;
    b.scenarios[0] = { ...p, mbPerSec: 100 };
    expect(compareReports(a, b)).toMatch(/produce-1n\s+MB\/s\s+50\s+100\s+2\.00x/);
  });

  it('summarises a cpu profile by self time', () => {
    const frame = (functionName: string) => ({ functionName, url: 'file:///x/dist/src/a.js', lineNumber: 9 });
    const profile = { nodes: [{ id: 1, callFrame: frame('root') }, { id: 2, callFrame: frame('hot') }], samples: [2, 2, 1, 1], timeDeltas: [0, 1000, 1000, 1000] };
    // Each sample is charged the interval to the next one (the last gets none).
    const { totalMs, frames } = summariseProfile(profile, 5);
    expect(totalMs).toBe(3);
    expect(frames[0]).toEqual({ frame: 'hot dist/src/a.js:10', selfMs: 2, percent: 66.7 });
  });

  it('rejects unknown scenarios and options', () => {
    expect(() => parseOptions(['--only', 'nope'])).toThrow(BenchError);
    expect(() => parseOptions(['--bogus'])).toThrow(BenchError);
    expect([...parseOptions(['--only', 'wal,raft']).only]).toEqual(['wal', 'raft']);
  });
});

describe('bench run (--only wal, tiny durations)', () => {
  let out: string;
  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'chronik-bench-test-'));
  });
  afterAll(async () => {
    await rm(out, { recursive: true, force: true });
  });

  it('runs the WAL micro-benchmark and writes the JSON and HTML files', async () => {
    const opts = { ...parseOptions(['--only', 'wal', '--wal-ms', '100']), dir: out, outDir: out };
    const report = await runBench(['--only', 'wal'], opts, pino({ level: 'silent' }));
    expect(report.errors).toEqual([]);
    const wal = report.micro.wal as { rows: Array<{ kind: string; ops: number }> };
    // Per size (1 KiB, 64 KiB, 1 MiB): the WAL at 1 and 256 appenders, the write+fdatasync reference, the O_DSYNC loop.
    expect(wal.rows.length).toBe(12);
    expect(wal.rows.filter((r) => r.kind === 'raw').length).toBe(3);
    expect(wal.rows.filter((r) => r.kind === 'raw-dsync').length).toBe(3);
    expect(wal.rows.every((r) => r.ops > 0)).toBe(true);
    const files = await writeReport(out, report);
    const parsed = JSON.parse(await readFile(files.json, 'utf8')) as BenchReport;
    expect(parsed.format).toBe('chronik-bench/1');
    expect(parsed.versions.node).toBe(process.version);
    expect(await readFile(files.html, 'utf8')).toContain('<h2>Micro-benchmarks</h2>');
  });
});
