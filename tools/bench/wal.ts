/**
 * WAL benchmark: append throughput at 1 KiB, 64 KiB and 1 MiB entries with 1 and 256 concurrent
 * appenders, against a raw `write + fdatasync` loop at the same sizes, all in one run on the same
 * disk so the figures are comparable. Not a test: run it by hand.
 *
 *   node dist/tools/bench/wal.js [--dir <dir on the data disk>] [--duration-ms 2000]
 */
import * as fs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pathToFileURL } from 'node:url';
import { pino } from 'pino';
import { WalStore } from '../../src/wal/index.js';

export interface WalBenchOptions {
  /** Parent directory for the scratch files; default the OS temp dir. */
  dir?: string;
  /** Length of each measurement. Default 2000 ms. */
  durationMs?: number;
  entrySizes?: number[];
  appenders?: number[];
  /** Interleaved slices per configuration (see runWalBench). Default 4. */
  slices?: number;
  /** Cap on bytes written per measurement, so a fast disk cannot fill up. Default 4 GiB. */
  maxBytesPerRun?: number;
}

export interface WalBenchRow {
  kind: 'wal' | 'raw';
  entryBytes: number;
  appenders: number;
  ops: number;
  seconds: number;
  opsPerSec: number;
  mbPerSec: number;
}

export interface WalBenchResult {
  durationMs: number;
  rows: WalBenchRow[];
  /** WAL ops/s with 256 appenders over 1 appender, at 1 KiB (target ≥ 50). */
  groupCommitSpeedup1KiB: number | undefined;
  /** WAL MB/s over raw fdatasync'd MB/s at 1 MiB, 1 and 256 appenders (target ≥ 0.8). */
  walOverRaw1MiB: { appenders1: number | undefined; appenders256: number | undefined };
}

const KIB = 1024;
const MIB = 1024 * KIB;
/** The raw loop rewrites its file from the start past this size, to bound disk use. */
const RAW_FILE_WRAP_BYTES = 256 * MIB;

const writeAsync = promisify(fs.write);
const fdatasyncAsync = promisify(fs.fdatasync);

function row(kind: 'wal' | 'raw', entryBytes: number, appenders: number, ops: number, seconds: number): WalBenchRow {
  return { kind, entryBytes, appenders, ops, seconds, opsPerSec: ops / seconds, mbPerSec: (ops * entryBytes) / MIB / seconds };
}

async function rawLoop(dir: string, entryBytes: number, durationMs: number, maxBytes: number): Promise<WalBenchRow> {
  const fd = fs.openSync(join(dir, 'raw.dat'), 'w+');
  const buf = Buffer.alloc(entryBytes, 0x5a);
  const start = performance.now();
  let ops = 0;
  let position = 0;
  try {
    while (performance.now() - start < durationMs && ops * entryBytes < maxBytes) {
      await writeAsync(fd, buf, 0, entryBytes, position);
      await fdatasyncAsync(fd);
      ops++;
      position = position + entryBytes >= RAW_FILE_WRAP_BYTES ? 0 : position + entryBytes;
    }
  } finally {
    fs.closeSync(fd);
  }
  return row('raw', entryBytes, 1, ops, (performance.now() - start) / 1000);
}

async function walLoop(dir: string, entryBytes: number, appenders: number, durationMs: number, maxBytes: number): Promise<WalBenchRow> {
  const store = await WalStore.open({ dir, logger: pino({ level: 'silent' }) });
  const log = await store.openLog('bench');
  // One shared payload: the WAL never copies it (header and payload go to writev side by side).
  const data = Buffer.alloc(entryBytes, 0xa5);
  const maxOps = Math.max(1, Math.floor(maxBytes / entryBytes));
  const start = performance.now();
  let ops = 0;
  const appender = async (): Promise<void> => {
    while (performance.now() - start < durationMs && log.lastIndex < maxOps) {
      await log.append([{ index: log.lastIndex + 1, term: 1, type: 0, data }]);
      ops++;
    }
  };
  await Promise.all(Array.from({ length: appenders }, appender));
  const seconds = (performance.now() - start) / 1000;
  await store.close();
  return row('wal', entryBytes, appenders, ops, seconds);
}

async function scratch(parent: string, fn: (dir: string) => Promise<WalBenchRow>): Promise<WalBenchRow> {
  const dir = await mkdtemp(join(parent, 'chronik-walbench-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Each configuration runs in `slices` short slices, interleaved (raw, wal×1, wal×256, raw, …), and
 * the slices are summed: a shared or noisy disk then slows every configuration alike instead of
 * skewing the ratios.
 */
export async function runWalBench(opts: WalBenchOptions = {}): Promise<WalBenchResult> {
  const parent = opts.dir ?? tmpdir();
  const durationMs = opts.durationMs ?? 2000;
  const sizes = opts.entrySizes ?? [KIB, 64 * KIB, MIB];
  const appenders = opts.appenders ?? [1, 256];
  const slices = Math.max(1, opts.slices ?? 4);
  const sliceMs = durationMs / slices;
  const maxBytes = (opts.maxBytesPerRun ?? 4096 * MIB) / slices;
  const rows: WalBenchRow[] = [];
  for (const size of sizes) {
    const runs: Array<() => Promise<WalBenchRow>> = [
      () => scratch(parent, (d) => rawLoop(d, size, sliceMs, maxBytes)),
      ...appenders.map((n) => () => scratch(parent, (d) => walLoop(d, size, n, sliceMs, maxBytes))),
    ];
    const sums: WalBenchRow[][] = runs.map(() => []);
    for (let s = 0; s < slices; s++) {
      for (let i = 0; i < runs.length; i++) sums[i]?.push(await (runs[i] as () => Promise<WalBenchRow>)());
    }
    for (const parts of sums) rows.push(merge(parts));
  }
  const find = (kind: 'wal' | 'raw', size: number, n: number): WalBenchRow | undefined =>
    rows.find((r) => r.kind === kind && r.entryBytes === size && r.appenders === n);
  const ratio = (a: number | undefined, b: number | undefined): number | undefined => (a === undefined || b === undefined || b === 0 ? undefined : a / b);
  return {
    durationMs,
    rows,
    groupCommitSpeedup1KiB: ratio(find('wal', KIB, 256)?.opsPerSec, find('wal', KIB, 1)?.opsPerSec),
    walOverRaw1MiB: {
      appenders1: ratio(find('wal', MIB, 1)?.mbPerSec, find('raw', MIB, 1)?.mbPerSec),
      appenders256: ratio(find('wal', MIB, 256)?.mbPerSec, find('raw', MIB, 1)?.mbPerSec),
    },
  };
}

function merge(parts: WalBenchRow[]): WalBenchRow {
  const first = parts[0];
  if (first === undefined) throw new Error('no slices');
  const ops = parts.reduce((a, p) => a + p.ops, 0);
  const seconds = parts.reduce((a, p) => a + p.seconds, 0);
  return row(first.kind, first.entryBytes, first.appenders, ops, seconds);
}

function sizeLabel(bytes: number): string {
  return bytes >= MIB ? `${bytes / MIB} MiB` : `${bytes / KIB} KiB`;
}

export function formatWalBench(r: WalBenchResult): string {
  const lines = ['kind  entry     appenders      ops/s       MB/s   vs raw MB/s'];
  for (const x of r.rows) {
    const raw = r.rows.find((y) => y.kind === 'raw' && y.entryBytes === x.entryBytes);
    const vs = raw === undefined || raw.mbPerSec === 0 ? '' : (x.mbPerSec / raw.mbPerSec).toFixed(2);
    lines.push(
      `${x.kind.padEnd(5)} ${sizeLabel(x.entryBytes).padEnd(9)} ${String(x.appenders).padStart(9)} ${x.opsPerSec.toFixed(0).padStart(10)} ${x.mbPerSec.toFixed(1).padStart(10)} ${vs.padStart(13)}`,
    );
  }
  const f = (n: number | undefined, d = 2): string => (n === undefined ? 'n/a' : n.toFixed(d));
  lines.push('');
  lines.push(`group commit speed-up at 1 KiB (256 vs 1 appender): ${f(r.groupCommitSpeedup1KiB, 1)}x (target >= 50x)`);
  lines.push(`WAL / raw fdatasync at 1 MiB: ${f(r.walOverRaw1MiB.appenders1)} with 1 appender, ${f(r.walOverRaw1MiB.appenders256)} with 256 (target >= 0.80)`);
  return lines.join('\n');
}

function flag(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const argv = process.argv.slice(2);
  const dir = flag(argv, '--dir');
  const durationMs = Number(flag(argv, '--duration-ms') ?? 2000);
  runWalBench({ ...(dir === undefined ? {} : { dir }), durationMs })
    .then((r) => process.stdout.write(`${formatWalBench(r)}\n`))
    .catch((err: unknown) => {
      process.stderr.write(`wal bench failed: ${String(err)}\n`);
      process.exitCode = 1;
    });
}
