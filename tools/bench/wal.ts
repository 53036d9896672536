/**
 * WAL benchmark: append throughput at 1 KiB, 64 KiB and 1 MiB entries with 1 and 256 concurrent
 * appenders, against a raw `write + fdatasync` loop at the same sizes, all in one run on the same
 * disk so the figures are comparable; and the cost of a sync round that touches many logs. Not a
 * test: run it by hand.
 *
 * The reference stays the raw `write + fdatasync` loop (issue 2). A raw loop of O_DSYNC writes
 * (one syscall per append, no separate fdatasync) is measured beside it, so a reader sees how much
 * of the WAL's figure is the cheaper sync primitive rather than the WAL itself.
 *
 *   node dist/tools/bench/wal.js [--dir <dir on the data disk>] [--duration-ms 2000] [--slices 6]
 *                                [--sizes-kib 1,64,1024] [--sync-modes dsync,fdatasync]
 */
import * as fs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pathToFileURL } from 'node:url';
import { pino } from 'pino';
import { crc32cImplementation, DEFAULT_SEGMENT_BYTES, DEFAULT_SYNC_MODE, WalStore, type SyncMode, type WalLog } from '../../src/wal/index.js';

export interface WalBenchOptions {
  /** Parent directory for the scratch files; default the OS temp dir. */
  dir?: string;
  /** Length of each measurement. Default 2000 ms. */
  durationMs?: number;
  entrySizes?: number[];
  appenders?: number[];
  /** Interleaved slices per configuration (see runWalBench). Default 6. */
  slices?: number;
  /** Logs in the many-logs round measurement (one entry to each, together). Default 100; 0 skips it. */
  manyLogs?: number;
  /** Cap on bytes written per measurement, so a fast disk cannot fill up. Default 4 GiB. */
  maxBytesPerRun?: number;
  /**
   * The WAL's sync modes to measure, each against the same raw loops; the targets are judged on the
   * first. Default [DEFAULT_SYNC_MODE].
   */
  syncModes?: SyncMode[];
}

/** 'raw': write + fdatasync (the reference); 'raw-dsync': O_DSYNC writes. */
export type WalBenchKind = 'wal' | 'raw' | 'raw-dsync';

export interface WalBenchRow {
  kind: WalBenchKind;
  /** The WAL's sync mode (WAL rows only). */
  syncMode?: SyncMode;
  entryBytes: number;
  appenders: number;
  ops: number;
  seconds: number;
  opsPerSec: number;
  mbPerSec: number;
  /**
   * CPU time of the whole bench process (every thread, user + system, so libuv's pool and the
   * kernel work of its wake-ups count) per op. Steadier than ops/s on a shared, noisy disk: it
   * says what an append costs, not how long the disk made it wait. Absent in older results.
   */
  cpuUsPerOp?: number;
}

/** A ratio measured once per slice (each slice runs every configuration back to back). */
export interface RatioSpread {
  min: number;
  median: number;
  max: number;
  slices: number;
}

export interface ManyLogsResult {
  logs: number;
  rounds: number;
  /** Median time for one entry to one log to become durable (one round, one fdatasync). */
  oneLogMedianMs: number;
  /** Median time for one entry to each of `logs` logs, appended together, to all become durable. */
  manyLogsMedianMs: number;
  /** Median time for `logs` back-to-back single-log rounds, measured as logs × oneLogMedianMs. */
  serialEstimateMs: number;
  /**
   * The same many-logs round on a store without the redo journal (one fdatasync per log), in rounds
   * interleaved with the journaled ones (absent in results from before the journal).
   */
  noJournalMedianMs?: number;
}

export interface WalBenchResult {
  durationMs: number;
  rows: WalBenchRow[];
  /**
   * WAL ops/s with 256 appenders over 1 appender, at 1 KiB (target ≥ 50): the median of the
   * per-slice ratios, so a slice that the shared disk slowed for one side only does not decide it.
   */
  groupCommitSpeedup1KiB: number | undefined;
  /** WAL MB/s over raw fdatasync'd MB/s at 1 MiB, 1 and 256 appenders (target ≥ 0.8): medians of slices. */
  walOverRaw1MiB: { appenders1: number | undefined; appenders256: number | undefined };
  /** The spread behind those medians (absent in results from before it was measured). */
  spread?: {
    groupCommitSpeedup1KiB: RatioSpread | undefined;
    walOverRaw1MiB1: RatioSpread | undefined;
    walOverRaw1MiB256: RatioSpread | undefined;
  };
  manyLogs?: ManyLogsResult;
  /** Which CRC-32C the WAL's frames used for large payloads in this run. */
  crc32c?: 'native' | 'js';
  /** The sync mode the target ratios were judged on (absent before sync modes existed). */
  syncMode?: SyncMode;
}

const KIB = 1024;
const MIB = 1024 * KIB;
/**
 * The raw loop starts a new file past this size, the WAL's own segment size, so both sides append
 * to fresh files of the same length (disk use stays bounded by maxBytesPerRun). It used to rewrite
 * one 256 MiB file from its start: an overwrite in place allocates nothing, and measured at 1 MiB
 * it took 0.78-0.80 ms per write + fdatasync against 1.17-1.39 ms for an append to the first
 * 256 MiB of a file and 1.6-2.0 ms beyond it (same run), so the reference measured cheaper writes
 * than a log can do, more so the longer a slice ran.
 */
const RAW_FILE_BYTES = DEFAULT_SEGMENT_BYTES;

const writeAsync = promisify(fs.write);
const fdatasyncAsync = promisify(fs.fdatasync);

function row(kind: WalBenchKind, entryBytes: number, appenders: number, ops: number, seconds: number, cpuUs: number, syncMode?: SyncMode): WalBenchRow {
  const r = { kind, entryBytes, appenders, ops, seconds, opsPerSec: ops / seconds, mbPerSec: (ops * entryBytes) / MIB / seconds, cpuUsPerOp: ops > 0 ? cpuUs / ops : 0 };
  return syncMode === undefined ? r : { ...r, syncMode };
}

/** Microseconds of process CPU (all threads, user + system) since `from`. */
function cpuSince(from: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(from);
  return d.user + d.system;
}

/** Appends `entryBytes` at a time to fresh files, each made durable before the next is written. */
async function rawLoop(dir: string, entryBytes: number, durationMs: number, maxBytes: number, dsync: boolean): Promise<WalBenchRow> {
  const { O_RDWR, O_CREAT, O_TRUNC, O_DSYNC } = fs.constants;
  let files = 0;
  const openNext = (): number => fs.openSync(join(dir, `raw-${files++}.dat`), O_RDWR | O_CREAT | O_TRUNC | (dsync ? O_DSYNC : 0));
  let fd = openNext();
  const buf = Buffer.alloc(entryBytes, 0x5a);
  const cpu = process.cpuUsage();
  const start = performance.now();
  let ops = 0;
  let position = 0;
  try {
    while (performance.now() - start < durationMs && ops * entryBytes < maxBytes) {
      if (position > 0 && position + entryBytes > RAW_FILE_BYTES) {
        fs.closeSync(fd);
        fd = openNext();
        position = 0;
      }
      await writeAsync(fd, buf, 0, entryBytes, position);
      if (!dsync) await fdatasyncAsync(fd);
      ops++;
      position += entryBytes;
    }
  } finally {
    fs.closeSync(fd);
  }
  return row(dsync ? 'raw-dsync' : 'raw', entryBytes, 1, ops, (performance.now() - start) / 1000, cpuSince(cpu));
}

/**
 * Counts the appends that became durable within the window (at least the first one), over the time
 * to the last of them: with
 * 256 appenders of 1 MiB, up to 256 MiB is still in flight at the deadline, and draining it (not
 * counted) would otherwise stretch a short slice far past the raw loop's window beside it.
 */
async function walLoop(dir: string, entryBytes: number, appenders: number, durationMs: number, maxBytes: number, syncMode: SyncMode): Promise<WalBenchRow> {
  const store = await WalStore.open({ dir, logger: pino({ level: 'silent' }), syncMode });
  const log = await store.openLog('bench');
  // One shared payload (never modified): entries over 4 KiB are written from it without a copy.
  const data = Buffer.alloc(entryBytes, 0xa5);
  const maxOps = Math.max(1, Math.floor(maxBytes / entryBytes));
  const cpu = process.cpuUsage();
  const start = performance.now();
  let ops = 0;
  let lastMs = 0;
  const appender = async (): Promise<void> => {
    while (performance.now() - start < durationMs && log.lastIndex < maxOps) {
      await log.append([{ index: log.lastIndex + 1, term: 1, type: 0, data }]);
      const doneMs = performance.now() - start;
      // The first completion always counts, so a window shorter than one round still measures one.
      if (doneMs > durationMs && ops > 0) return;
      ops++;
      lastMs = Math.max(lastMs, doneMs);
    }
  };
  await Promise.all(Array.from({ length: appenders }, appender));
  const cpuUs = cpuSince(cpu);
  const seconds = lastMs / 1000;
  await store.close();
  return row('wal', entryBytes, appenders, ops, seconds, cpuUs, syncMode);
}

async function scratch<T>(parent: string, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(parent, 'chronik-walbench-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Each configuration runs in `slices` short slices, interleaved (raw, wal×1, wal×256, raw, …). The
 * rows sum the slices; the target ratios are the medians of per-slice ratios, whose spread is
 * reported too: a shared, noisy disk then slows the two sides of a ratio alike within a slice, and
 * one bad slice cannot move the median.
 */
export async function runWalBench(opts: WalBenchOptions = {}): Promise<WalBenchResult> {
  const parent = opts.dir ?? tmpdir();
  const durationMs = opts.durationMs ?? 2000;
  const sizes = opts.entrySizes ?? [KIB, 64 * KIB, MIB];
  const appenders = opts.appenders ?? [1, 256];
  const slices = Math.max(1, opts.slices ?? 6);
  const sliceMs = durationMs / slices;
  const maxBytes = (opts.maxBytesPerRun ?? 4096 * MIB) / slices;
  const modes = opts.syncModes ?? [DEFAULT_SYNC_MODE];
  const mode = modes[0] ?? DEFAULT_SYNC_MODE;
  const rows: WalBenchRow[] = [];
  const sliceRows: WalBenchRow[][] = Array.from({ length: slices }, () => []);
  for (const size of sizes) {
    const runs: Array<() => Promise<WalBenchRow>> = [
      () => scratch(parent, (d) => rawLoop(d, size, sliceMs, maxBytes, false)),
      // Only beside WAL rows: with appenders [] (the physical-limits probe) the reference alone runs.
      ...(appenders.length > 0 ? [() => scratch(parent, (d) => rawLoop(d, size, sliceMs, maxBytes, true))] : []),
      ...modes.flatMap((m) => appenders.map((n) => () => scratch(parent, (d) => walLoop(d, size, n, sliceMs, maxBytes, m)))),
    ];
    const parts: WalBenchRow[][] = runs.map(() => []);
    for (let s = 0; s < slices; s++) {
      for (let i = 0; i < runs.length; i++) {
        const r = await (runs[i] as () => Promise<WalBenchRow>)();
        parts[i]?.push(r);
        sliceRows[s]?.push(r);
      }
    }
    for (const p of parts) rows.push(merge(p));
  }
  const wal = (r: WalBenchRow[], size: number, n: number): WalBenchRow | undefined => find(r, 'wal', size, n, mode);
  const speedup = spreadOf(sliceRows.map((r) => ratio(wal(r, KIB, 256)?.opsPerSec, wal(r, KIB, 1)?.opsPerSec)));
  const raw1 = spreadOf(sliceRows.map((r) => ratio(wal(r, MIB, 1)?.mbPerSec, find(r, 'raw', MIB, 1)?.mbPerSec)));
  const raw256 = spreadOf(sliceRows.map((r) => ratio(wal(r, MIB, 256)?.mbPerSec, find(r, 'raw', MIB, 1)?.mbPerSec)));
  const manyLogs = appenders.length > 0 && (opts.manyLogs ?? 100) > 0 ? await scratch(parent, (d) => manyLogsRound(d, opts.manyLogs ?? 100, durationMs, mode)) : undefined;
  return {
    durationMs,
    rows,
    groupCommitSpeedup1KiB: speedup?.median,
    walOverRaw1MiB: { appenders1: raw1?.median, appenders256: raw256?.median },
    spread: { groupCommitSpeedup1KiB: speedup, walOverRaw1MiB1: raw1, walOverRaw1MiB256: raw256 },
    ...(manyLogs === undefined ? {} : { manyLogs }),
    crc32c: crc32cImplementation,
    syncMode: mode,
  };
}

function find(rows: WalBenchRow[], kind: WalBenchKind, size: number, n: number, syncMode?: SyncMode): WalBenchRow | undefined {
  return rows.find((r) => r.kind === kind && r.entryBytes === size && r.appenders === n && r.syncMode === syncMode);
}

function ratio(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined || b === 0 ? undefined : a / b;
}

function median(sorted: number[]): number {
  const mid = sorted.length >> 1;
  const hi = sorted[mid] ?? NaN;
  return sorted.length % 2 === 1 ? hi : ((sorted[mid - 1] ?? NaN) + hi) / 2;
}

function spreadOf(values: Array<number | undefined>): RatioSpread | undefined {
  const v = values.filter((x): x is number => x !== undefined && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return undefined;
  return { min: v[0] ?? NaN, median: median(v), max: v[v.length - 1] ?? NaN, slices: v.length };
}

function merge(parts: WalBenchRow[]): WalBenchRow {
  const first = parts[0];
  if (first === undefined) throw new Error('no slices');
  const ops = parts.reduce((a, p) => a + p.ops, 0);
  const seconds = parts.reduce((a, p) => a + p.seconds, 0);
  const cpuUs = parts.reduce((a, p) => a + (p.cpuUsPerOp ?? 0) * p.ops, 0);
  return row(first.kind, first.entryBytes, first.appenders, ops, seconds, cpuUs, first.syncMode);
}

/** Rounds measured per many-logs run, at most (each is a few fdatasyncs). */
const MANY_LOGS_MAX_ROUNDS = 200;

/**
 * A node hosting many Raft groups: one 1 KiB entry to each of `logs` logs, appended together, is one
 * sync round: with the redo journal one fdatasync (the journal's) for all of them, without it one
 * per log (run concurrently). Rounds alternate between a single log, the journaled store and a
 * store without the journal, so all three read against the same disk at the same moment.
 */
async function manyLogsRound(dir: string, logs: number, durationMs: number, syncMode: SyncMode): Promise<ManyLogsResult> {
  const journaled = await WalStore.open({ dir: join(dir, 'j'), logger: pino({ level: 'silent' }), syncMode });
  const plain = await WalStore.open({ dir: join(dir, 'p'), logger: pino({ level: 'silent' }), syncMode, journal: false });
  try {
    const open = (s: WalStore): Promise<WalLog[]> => Promise.all(Array.from({ length: logs }, (_, i) => s.openLog(`p.bench.${i}`)));
    const [withJ, withoutJ] = [await open(journaled), await open(plain)];
    const data = Buffer.alloc(KIB, 0x3c);
    const times: number[][] = [[], [], []];
    const append = (l: WalLog): Promise<void> => l.append([{ index: l.lastIndex + 1, term: 1, type: 0, data }]);
    const steps = [() => append(withJ[0] as WalLog), () => Promise.all(withJ.map(append)), () => Promise.all(withoutJ.map(append))];
    const start = performance.now();
    while ((times[1]?.length ?? 0) < MANY_LOGS_MAX_ROUNDS && performance.now() - start < durationMs) {
      for (const [i, step] of steps.entries()) {
        const t = performance.now();
        await step();
        times[i]?.push(performance.now() - t);
      }
    }
    const [one, many, noJournal] = times.map((t) => median(t.sort((a, b) => a - b)));
    const oneLogMedianMs = one ?? NaN;
    return { logs, rounds: times[1]?.length ?? 0, oneLogMedianMs, manyLogsMedianMs: many ?? NaN, serialEstimateMs: oneLogMedianMs * logs, noJournalMedianMs: noJournal ?? NaN };
  } finally {
    await journaled.close();
    await plain.close();
  }
}

function sizeLabel(bytes: number): string {
  return bytes >= MIB ? `${bytes / MIB} MiB` : `${bytes / KIB} KiB`;
}

export function formatWalBench(r: WalBenchResult): string {
  const lines = ['kind            entry     appenders      ops/s       MB/s   vs raw MB/s   CPU us/op'];
  for (const x of r.rows) {
    const raw = r.rows.find((y) => y.kind === 'raw' && y.entryBytes === x.entryBytes);
    const vs = raw === undefined || raw.mbPerSec === 0 ? '' : (x.mbPerSec / raw.mbPerSec).toFixed(2);
    const kind = x.syncMode === undefined ? x.kind : `${x.kind} (${x.syncMode})`;
    lines.push(
      `${kind.padEnd(15)} ${sizeLabel(x.entryBytes).padEnd(9)} ${String(x.appenders).padStart(9)} ${x.opsPerSec.toFixed(0).padStart(10)} ${x.mbPerSec.toFixed(1).padStart(10)} ${vs.padStart(13)} ${(x.cpuUsPerOp === undefined ? '' : x.cpuUsPerOp.toFixed(1)).padStart(11)}`,
    );
  }
  const f = (n: number | undefined, d = 2): string => (n === undefined ? 'n/a' : n.toFixed(d));
  const range = (x: RatioSpread | undefined, d = 2): string =>
    x === undefined ? '' : ` (min ${f(x.min, d)}, max ${f(x.max, d)} over ${x.slices} slices)`;
  lines.push('raw = write + fdatasync (the reference); raw-dsync = O_DSYNC writes, shown for comparison');
  lines.push('CPU us/op = the bench process, every thread, user + system (the pool and its wake-ups count)');
  lines.push(`targets judged on the WAL in ${r.syncMode ?? 'fdatasync'} mode`);
  lines.push('');
  lines.push(`group commit speed-up at 1 KiB (256 vs 1 appender): median ${f(r.groupCommitSpeedup1KiB, 1)}x${range(r.spread?.groupCommitSpeedup1KiB, 1)} (target >= 50x)`);
  lines.push(`WAL / raw fdatasync at 1 MiB, 1 appender: median ${f(r.walOverRaw1MiB.appenders1)}${range(r.spread?.walOverRaw1MiB1)} (target >= 0.80)`);
  lines.push(`WAL / raw fdatasync at 1 MiB, 256 appenders: median ${f(r.walOverRaw1MiB.appenders256)}${range(r.spread?.walOverRaw1MiB256)} (target >= 0.80)`);
  if (r.crc32c !== undefined) lines.push(`frame CRC-32C for large payloads: ${r.crc32c}`);
  const m = r.manyLogs;
  if (m !== undefined) {
    lines.push(
      `${m.logs}-log round (1 KiB to each, together): median ${f(m.manyLogsMedianMs, 1)} ms vs ${f(m.oneLogMedianMs, 2)} ms for one log (${m.logs} one-log rounds back to back: ~${f(m.serialEstimateMs, 0)} ms; ${m.rounds} rounds)`,
    );
    if (m.noJournalMedianMs !== undefined) lines.push(`  the same round without the redo journal (one fdatasync per log), interleaved: median ${f(m.noJournalMedianMs, 1)} ms`);
  }
  return lines.join('\n');
}

function parseSyncMode(s: string): SyncMode {
  if (s === 'dsync' || s === 'fdatasync') return s;
  throw new Error(`--sync-modes: unknown mode ${s} (dsync, fdatasync)`);
}

function flag(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const argv = process.argv.slice(2);
  const dir = flag(argv, '--dir');
  const durationMs = Number(flag(argv, '--duration-ms') ?? 2000);
  const slices = Number(flag(argv, '--slices') ?? 6);
  const sizes = flag(argv, '--sizes-kib')?.split(',').map((k) => Number(k) * KIB);
  const modes = flag(argv, '--sync-modes')?.split(',').map(parseSyncMode);
  const sized = { ...(sizes === undefined ? {} : { entrySizes: sizes }), ...(modes === undefined ? {} : { syncModes: modes }) };
  runWalBench({ ...(dir === undefined ? {} : { dir }), ...sized, durationMs, slices })
    .then((r) => process.stdout.write(`${formatWalBench(r)}\n`))
    .catch((err: unknown) => {
      process.stderr.write(`wal bench failed: ${String(err)}\n`);
      process.exitCode = 1;
    });
}
