/**
 * Power loss in the middle of journaled rounds, at every point of the I/O sequence: several logs
 * append concurrently (each round holds all of them, so it goes through the redo journal), and the
 * crash keeps a torn prefix of the unsynced writes or a random subset of their pages (journal pages
 * too: a torn record can precede valid ones). Every reopen must succeed and every log must hold a
 * prefix of its appends that includes every acknowledged one.
 */
import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { FaultyFileIO, WalStore, type CrashOptions, type Entry, type WalDb, type WalLog } from '../../src/wal/index.js';
import { Fence, FencedDb, FencedFileIO } from '../../src/wal/testing/fenced.js';
import { memoryDb, payload } from './helpers.js';

const LOGS = ['p.a.0', 'p.b.0', 'p.c.0'];
/** CI runs these; WAL_JOURNAL_SEEDS=3000 explores more. */
const SEEDS = Number(process.env.WAL_JOURNAL_SEEDS ?? 160);

function counting(): { cuts: number[]; redos: number[]; logger: pino.Logger } {
  const cuts: number[] = [];
  const redos: number[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      const line = JSON.parse(chunk.toString()) as { msg?: string; discardedRecords?: number; records?: number };
      if (line.msg === 'cut a torn journal tail') cuts.push(line.discardedRecords ?? 0);
      if (line.msg === 'redid the journal') redos.push(line.records ?? 0);
      cb();
    },
  });
  return { cuts, redos, logger: pino({ level: 'info' }, stream) };
}

function entry(log: number, index: number): Entry {
  return { index, term: 1, type: 0, data: payload(index * 7 + log, 30 + ((index + log) % 40)) };
}

async function open(io: FaultyFileIO, db: WalDb, fence: Fence, logger: pino.Logger): Promise<{ store: WalStore; logs: WalLog[] }> {
  const store = await WalStore.open({ dir: '/n', logger, fileIO: new FencedFileIO(io, fence), db: new FencedDb(db, fence), segmentBytes: 2048, maxRoundBytes: 300 });
  const logs: WalLog[] = [];
  for (const id of LOGS) logs.push(await store.openLog(id));
  return { store, logs };
}

/** `calls` concurrent appends of 1–3 entries to every log; returns the highest acknowledged index per log. */
async function burst(logs: WalLog[], calls: number, seed: number): Promise<number[]> {
  const acked = logs.map(() => 0);
  const all: Array<Promise<void>> = [];
  for (let c = 0; c < calls; c++) {
    logs.forEach((l, k) => {
      const n = 1 + ((seed + c + k) % 3);
      const es = Array.from({ length: n }, (_, i) => entry(k, l.lastIndex + 1 + i));
      const last = l.lastIndex + n;
      all.push(l.append(es).then(() => void (acked[k] = Math.max(acked[k] ?? 0, last))));
    });
  }
  await Promise.allSettled(all);
  return acked;
}

async function crashRun(seed: number, crash: CrashOptions, log: ReturnType<typeof counting>): Promise<void> {
  const io = new FaultyFileIO({ seed });
  const db = memoryDb();
  const fence = new Fence();
  const a = await open(io, db, fence, log.logger);
  const before = await burst(a.logs, 3, seed);
  io.crashAfterOps(1 + (seed % 37), crash);
  const acked = await burst(a.logs, 4, seed + 1);
  io.crash(crash);
  fence.kill();
  const b = await open(io, db, new Fence(), log.logger);
  for (const [k, l] of b.logs.entries()) {
    const want = Math.max(before[k] ?? 0, acked[k] ?? 0);
    expect(l.lastIndex, `seed ${seed} log ${k}`).toBeGreaterThanOrEqual(want);
    const got = await l.read(1, l.lastIndex + 1, 1 << 30);
    expect(got.map((e) => Buffer.from(e.data).toString('hex'))).toEqual(got.map((e) => Buffer.from(entry(k, e.index).data).toString('hex')));
    expect(got.map((e) => e.index)).toEqual(Array.from({ length: l.lastIndex }, (_, i) => i + 1));
  }
  await b.store.close();
}

describe('journaled rounds crashed at every point', () => {
  it('keep every acknowledged append of every log (torn prefixes and out-of-order pages)', async () => {
    const log = counting();
    for (let seed = 1; seed <= SEEDS; seed++) {
      const crash: CrashOptions = seed % 2 === 0 ? { tear: 'random' } : { tear: 'reorder', pageBytes: 64 << seed % 3 };
      await crashRun(seed, crash, log);
    }
    console.log(`journal crashes: ${SEEDS} runs, ${log.redos.length} redos, ${log.cuts.length} torn journal tails (${log.cuts.filter((d) => d > 0).length} with valid records after the tear)`);
    expect(log.redos.length).toBeGreaterThan(SEEDS / 2);
    expect(log.cuts.length).toBeGreaterThan(0);
  });
});
