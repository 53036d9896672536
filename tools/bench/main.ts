/**
 * `chronik bench` / `npm run bench`: starts its own brokers as real processes, measures the
 * machine's physical limits in the same run, drives the brokers with real Kafka clients, and writes
 * a table (stdout), a JSON file and a self-contained HTML report. See docs/bench.md.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { pino, type Logger } from 'pino';
import { measurePhysical } from './physical.js';
import { compareReports } from './report/compare.js';
import { summariseProfileFile } from './report/cpuprofile.js';
import { loadAverage, machine, versions } from './report/meta.js';
import { renderText } from './report/table.js';
import { evaluateTargets } from './report/targets.js';
import { stamp, writeReport } from './report/write.js';
import { generatorChooser } from './scenarios/cproducer.js';
import { BenchError } from './scenarios/errors.js';
import { embeddedMicro, raftMicro, walMicro } from './scenarios/micro.js';
import { parseOptions, USAGE, type BenchOptions } from './scenarios/options.js';
import { runSingleNode, runThreeNode, type PlanContext } from './scenarios/plan.js';
import type { BenchReport } from './scenarios/types.js';

function progressWriter(): (text: string) => void {
  const start = performance.now();
  if (!process.stderr.isTTY) return () => undefined;
  return (text) => {
    const s = Math.round((performance.now() - start) / 1000);
    process.stderr.write(`[${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}] ${text}\n`);
  };
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Runs one phase; a failure is recorded and the run goes on with the next phase. */
async function phase(report: BenchReport, log: Logger, name: string, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    log.warn({ phase: name, err }, 'bench phase failed');
    report.errors.push(`${name}: ${errorText(err)}`);
  }
}

async function runMicro(report: BenchReport, opts: BenchOptions, ctx: PlanContext): Promise<void> {
  const only = opts.only;
  if (only.has('wal')) await phase(report, ctx.log, 'wal', async () => { ctx.progress('wal micro-benchmark'); report.micro.wal = await walMicro(ctx.scratch, opts.walMs); });
  if (only.has('raft')) await phase(report, ctx.log, 'raft', async () => { ctx.progress('raft micro-benchmark'); report.micro.raft = await raftMicro(opts.raftS); });
  if (only.has('embedded')) await phase(report, ctx.log, 'embedded', async () => { ctx.progress('embedded start-up'); report.micro.embedded = await embeddedMicro(); });
}

async function summariseProfiles(report: BenchReport, profileDir: string): Promise<void> {
  const out: Record<string, string> = {};
  for (const group of await readdir(profileDir).catch(() => [] as string[])) {
    const dir = join(profileDir, group);
    for (const file of await readdir(dir).catch(() => [] as string[])) {
      if (file.endsWith('.cpuprofile')) out[`${group}/${file}`] = await summariseProfileFile(join(dir, file), 20);
    }
  }
  report.micro.profiles = out;
}

export async function runBench(argv: string[], opts: BenchOptions, log: Logger): Promise<BenchReport> {
  const startedAt = new Date().toISOString();
  const report: BenchReport = {
    format: 'chronik-bench/1', startedAt, finishedAt: startedAt, argv, versions: versions(), machine: machine(),
    params: { ...opts, only: [...opts.only].join(','), e2eRate: opts.e2eRate }, scenarios: [], micro: {}, targets: [], errors: [],
  };
  const scratch = await mkdtemp(join(opts.dir, 'chronik-bench-'));
  const profileDir = join(opts.outDir, `${stamp(startedAt)}-profiles`);
  const generator = generatorChooser(opts.producer, join(scratch, 'bin'));
  const ctx: PlanContext = { opts, scratch, profileDir, log, progress: progressWriter(), record: (s) => report.scenarios.push(s), results: report.scenarios, generator };
  try {
    if (opts.only.has('physical')) {
      await phase(report, log, 'physical', async () => {
        ctx.progress('physical limits: disk write+fdatasync, loopback TCP');
        report.physical = await measurePhysical({ dataDir: scratch, diskMs: opts.diskMs, netMs: opts.netMs });
      });
    }
    await phase(report, log, 'single node', () => runSingleNode(ctx));
    await phase(report, log, 'three nodes', () => runThreeNode(ctx));
    await runMicro(report, opts, ctx);
    if (opts.cpuProf) await summariseProfiles(report, profileDir);
  } finally {
    if (!opts.keep) await rm(scratch, { recursive: true, force: true });
  }
  report.machine.loadavgEnd = loadAverage();
  report.finishedAt = new Date().toISOString();
  report.targets = evaluateTargets(report);
  return report;
}

async function readReport(path: string): Promise<BenchReport> {
  const parsed = JSON.parse(await readFile(path, 'utf8')) as BenchReport;
  if (parsed.format !== 'chronik-bench/1') throw new BenchError(`${path}: not a chronik bench result`);
  return parsed;
}

export async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  const log = pino({ level: 'warn', base: { module: 'bench' } }, pino.destination(2));
  try {
    const ci = argv.indexOf('--compare');
    if (ci >= 0) {
      const [a, b] = [argv[ci + 1], argv[ci + 2]];
      if (a === undefined || b === undefined) throw new BenchError('--compare needs two JSON files');
      process.stdout.write(`${compareReports(await readReport(a), await readReport(b))}\n`);
      return 0;
    }
    const pi = argv.indexOf('--profile-summary');
    if (pi >= 0) {
      const file = argv[pi + 1];
      if (file === undefined) throw new BenchError('--profile-summary needs a .cpuprofile file');
      process.stdout.write(`${await summariseProfileFile(file, 30)}\n`);
      return 0;
    }
    const opts = parseOptions(argv);
    const report = await runBench(argv, opts, log);
    const files = await writeReport(opts.outDir, report);
    process.stdout.write(`${renderText(report)}\nwrote ${files.json}\nwrote ${files.html}\n`);
    return report.errors.length > 0 || report.scenarios.some((s) => s.error !== undefined) ? 1 : 0;
  } catch (err) {
    if (!(err instanceof BenchError)) throw err;
    process.stderr.write(`chronik bench: ${err.message}\n\n${USAGE}`);
    return 2;
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`chronik bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
