/**
 * Random appends (several in flight at once), suffix truncations and prefix deletions, with power
 * loss injected at a random I/O call through FaultyFileIO. After every reopen the log must equal a
 * prefix of what was appended that holds every append whose promise resolved, and the LevelDB index
 * must agree with the segments (seek-based reads = in-memory reads = a rebuild from scratch).
 *
 * Companion logs are appended to in the same rounds as the main one, so (in fdatasync mode) rounds
 * go through the node's redo journal: a crash can lose segment bytes that only the journal holds,
 * and the main log's truncations and prefix deletions need a checkpoint first. Each companion must
 * also recover a prefix of its appends holding every acknowledged one.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { FaultyFileIO, WalStore, type Entry, type SyncMode, type WalDb, type WalLog } from '../../src/wal/index.js';
import type { CrashOptions } from '../../src/wal/faulty-file-io.js';
import { logger, memoryDb, recordBatch } from './helpers.js';
import { Fence, FencedDb, FencedFileIO } from '../../src/wal/testing/fenced.js';

type Step =
  | { kind: 'append'; calls: number[]; termBump: boolean; batches: boolean }
  | { kind: 'truncate'; back: number }
  | { kind: 'prefix'; forward: number }
  | { kind: 'crash'; afterOps: number; during: 'append' | 'truncate' | 'prefix' };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('append' as const), calls: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 5 }), termBump: fc.boolean(), batches: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), back: fc.integer({ min: 0, max: 12 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('prefix' as const), forward: fc.integer({ min: 0, max: 15 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('crash' as const), afterOps: fc.integer({ min: 1, max: 20 }), during: fc.constantFrom('append' as const, 'truncate' as const, 'prefix' as const) }) },
);

interface Model {
  entries: Map<number, Entry>;
  first: number;
  last: number;
  term: number;
  nextOffset: number;
}

const SEGMENT_BYTES = 400;
/** What the crashes exercised, printed so a reader can see the property is not vacuous. */
const stats = { crashes: 0, lostUnacked: 0, withAcked: 0, row13Cuts: 0, redos: 0, redoneRecords: 0, journalCuts: 0 };

/** Counts row-13 cuts (a torn frame with valid, unacknowledged frames after it) from the WAL's warnings. */
const countingLogger = pino(
  { level: 'info' },
  new Writable({
    write(chunk: Buffer, _enc, cb) {
      const line = JSON.parse(chunk.toString()) as { row?: string; msg?: string; records?: number };
      if (line.row === '13') stats.row13Cuts++;
      if (line.msg === 'redid the journal') {
        stats.redos++;
        stats.redoneRecords += line.records ?? 0;
      }
      if (line.msg === 'cut a torn journal tail') stats.journalCuts++;
      cb();
    },
  }),
);
const LOG = 'p.prop.0';
/** Logs appended to alongside LOG, in the same rounds (never truncated). */
const COMPANIONS = ['p.prop.1', '__meta'];

/** A companion log's entries are fixed by their index: only how many survived is in question. */
function companionEntry(index: number): Entry {
  return { index, term: 1, type: 0, data: Buffer.from(`c${index}`.repeat(1 + (index % 5))) };
}

/** What the companions were asked to hold, and the highest index of each whose append resolved. */
interface Companions {
  last: number[];
  acked: number[];
}

function makeEntries(m: Model, count: number, batches: boolean): Entry[] {
  return Array.from({ length: count }, (_, i) => {
    const index = m.last + 1 + i;
    if (!batches) return { index, term: m.term, type: 0, data: Buffer.from(`e${index}t${m.term}`.repeat(1 + (index % 4))) };
    const data = recordBatch(m.nextOffset + 2 * i, 2, 1000 + index, index % 7);
    return { index, term: m.term, type: 2, data };
  });
}

function key(e: Entry): string {
  return `${e.index}/${e.term}/${e.type}/${Buffer.from(e.data).toString('hex')}`;
}

/** The fence of the running incarnation: killed at every crash so the old store cannot write on. */
let fence = new Fence();
/** The sync mode of the current run (O_DSYNC writes or write + fdatasync): both are exercised. */
let syncMode: SyncMode = 'dsync';
/** The journal's checkpoint bound of the current run: tiny (a checkpoint every few rounds) or the default. */
let checkpointBytes = 64 << 20;

interface Opened {
  store: WalStore;
  log: WalLog;
  others: WalLog[];
}

/** `maxRoundBytes` small: every append step becomes a pipeline of rounds, crashed at any point. */
async function open(io: FaultyFileIO, db: WalDb, maxRoundBytes: number): Promise<Opened> {
  fence.kill();
  fence = new Fence();
  const fileIO = new FencedFileIO(io, fence);
  const fencedDb = new FencedDb(db, fence);
  const store = await WalStore.open({
    dir: '/node',
    logger: countingLogger,
    fileIO,
    db: fencedDb,
    segmentBytes: SEGMENT_BYTES,
    indexIntervalBytes: 64,
    maxRoundBytes,
    syncMode,
    journalCheckpointBytes: checkpointBytes,
  });
  const log = await store.openLog(LOG, { kind: 'partition' });
  const others: WalLog[] = [];
  for (const id of COMPANIONS) others.push(await store.openLog(id));
  return { store, log, others };
}

/** Appends `n` entries to every companion (called in the same turn as the main log's appends). */
function appendCompanions(others: WalLog[], c: Companions, n: number): Array<Promise<void>> {
  return others.map((l, k) => {
    const from = (c.last[k] ?? 0) + 1;
    const es = Array.from({ length: n }, (_, i) => companionEntry(from + i));
    c.last[k] = from + n - 1;
    const lastOfCall = from + n - 1;
    return l.append(es).then(() => {
      c.acked[k] = Math.max(c.acked[k] ?? 0, lastOfCall);
    });
  });
}

/** Every companion holds 1..lastIndex, each entry as appended, and at least every acknowledged one. */
async function checkCompanions(others: WalLog[], c: Companions): Promise<void> {
  for (const [k, l] of others.entries()) {
    expect(l.lastIndex, `companion ${k}`).toBeGreaterThanOrEqual(c.acked[k] ?? 0);
    expect(l.lastIndex).toBeLessThanOrEqual(c.last[k] ?? 0);
    const got = await entriesOf(l);
    expect(got.map(key)).toEqual(Array.from({ length: l.lastIndex }, (_, i) => key(companionEntry(i + 1))));
    c.last[k] = l.lastIndex;
    c.acked[k] = 0;
  }
}

/** Runs one step; resolves to the highest index whose append resolved. */
async function runStep(o: Opened, c: Companions, m: Model, step: Step, io: FaultyFileIO, crashOpts: CrashOptions): Promise<{ acked: number; before: Map<number, Entry> }> {
  const log = o.log;
  const before = new Map(m.entries);
  let acked = 0;
  const kind = step.kind === 'crash' ? step.during : step.kind;
  if (step.kind === 'crash') io.crashAfterOps(step.afterOps, crashOpts);
  if (kind === 'append') {
    const calls = step.kind === 'append' ? step.calls : [3, 2, 4];
    if (step.kind === 'append' && step.termBump) m.term += 1;
    const promises = calls.map((n) => {
      const es = makeEntries(m, n, step.kind === 'append' && step.batches);
      for (const e of es) m.entries.set(e.index, e);
      m.last += n;
      for (const e of es) if (e.type === 2) m.nextOffset += 2;
      const lastOfCall = m.last;
      return log.append(es).then(() => {
        acked = Math.max(acked, lastOfCall);
      });
    });
    const companions = calls.flatMap((n) => appendCompanions(o.others, c, n));
    await Promise.allSettled([...promises, ...companions]);
  } else if (kind === 'truncate') {
    const to = Math.max(m.first - 1, m.last - (step.kind === 'truncate' ? step.back : 3));
    await log.truncateSuffix(to).then(
      () => {
        for (let i = to + 1; i <= m.last; i++) m.entries.delete(i);
        m.last = to;
      },
      () => undefined,
    );
  } else {
    const to = Math.min(m.last + 1, m.first + (step.kind === 'prefix' ? step.forward : 5));
    await log.deletePrefix(to).then(
      () => {
        m.first = Math.max(m.first, to);
      },
      () => undefined,
    );
  }
  return { acked, before };
}

async function entriesOf(log: WalLog): Promise<Entry[]> {
  if (log.lastIndex < log.firstIndex) return [];
  const a = log.readSync(log.firstIndex, log.lastIndex + 1, 1 << 30);
  const b = await log.read(log.firstIndex, log.lastIndex + 1, 1 << 30);
  expect(b.map(key)).toEqual(a.map(key));
  return a;
}

/** Reopens after a crash and checks the recovered log against the model; returns the new model. */
async function checkRecovered(
  io: FaultyFileIO,
  db: WalDb,
  m: Model,
  c: Companions,
  acked: number,
  before: Map<number, Entry>,
  maxRoundBytes: number,
): Promise<Opened> {
  // Recover with the durable mark first: without it (the rebuild below) a row-13 tail is refused.
  const first = await open(io, db, maxRoundBytes);
  await first.store.close();
  // The index must agree with the segments: a rebuild from an empty LevelDB gives the same log.
  const rebuilt = await open(io, memoryDb(), maxRoundBytes);
  const rebuiltEntries = await entriesOf(rebuilt.log);
  const rebuiltNext = rebuilt.log.nextOffset;
  await rebuilt.store.close();
  const opened = await open(io, db, maxRoundBytes);
  const { log } = opened;
  await checkCompanions(opened.others, c);
  const got = await entriesOf(log);
  expect(log.lastIndex).toBeGreaterThanOrEqual(acked);
  expect(log.lastIndex).toBe(rebuilt.log.lastIndex);
  expect(got.map(key)).toEqual(rebuiltEntries.filter((e) => e.index >= log.firstIndex).map(key));
  for (const e of got) {
    const want = m.entries.get(e.index) ?? before.get(e.index);
    expect(want === undefined ? undefined : key(want), `entry ${e.index}`).toBe(key(e));
  }
  for (let i = Math.max(log.firstIndex, 1); i <= acked; i++) expect(got.find((e) => e.index === i), `acked ${i}`).toBeDefined();
  let next = log.logStartOffset;
  for (const e of got) if (e.type === 2) next = Number(Buffer.from(e.data).readBigInt64BE(0)) + 2;
  expect(log.nextOffset).toBe(next);
  // Without LevelDB the log start offset and first index (non-derived meta) are lost; the next
  // offset is derivable from the segments only while a batch remains in them — possibly one below
  // the first index that a prefix deletion left in the segment it could not remove.
  const segmentBatches = rebuiltEntries.filter((e) => e.type === 2);
  const lastBatch = segmentBatches[segmentBatches.length - 1];
  if (lastBatch !== undefined) expect(rebuiltNext).toBe(Number(Buffer.from(lastBatch.data).readBigInt64BE(0)) + 2);
  stats.crashes++;
  if (log.lastIndex < m.last) stats.lostUnacked++;
  if (acked > 0) stats.withAcked++;
  for (const e of got.filter((x) => x.type === 2).slice(0, 5)) {
    expect(await log.findOffset(Number(Buffer.from(e.data).readBigInt64BE(0)) + 1)).toBe(e.index);
  }
  m.entries = new Map(got.map((e) => [e.index, e]));
  m.first = log.firstIndex;
  m.last = log.lastIndex;
  m.term = Math.max(m.term, log.lastIndex >= 1 && log.lastIndex >= log.firstIndex - 1 ? log.termAt(log.lastIndex) : 0);
  m.nextOffset = log.nextOffset;
  return opened;
}

/** Runs random workloads with crashes of one kind; every reopen must hold the property. */
async function runProperty(seed: number, roundBytesChoices: number[], crashOpts: () => fc.Arbitrary<CrashOptions>): Promise<void> {
  await fc.assert(
    fc.asyncProperty(
      fc.array(stepArb, { minLength: 5, maxLength: 25 }),
      fc.integer({ min: 1, max: 1 << 30 }),
      fc.constantFrom(...roundBytesChoices),
      crashOpts(),
      fc.constantFrom<SyncMode>('dsync', 'fdatasync', 'fdatasync'),
      fc.constantFrom(4096, 64 << 20),
      async (steps, ioSeed, roundBytes, opts, mode, jBytes) => {
        syncMode = mode;
        checkpointBytes = jBytes;
        const io = new FaultyFileIO({ seed: ioSeed });
        const db = memoryDb();
        let opened = await open(io, db, roundBytes);
        const m: Model = { entries: new Map(), first: 1, last: 0, term: 1, nextOffset: 0 };
        const c: Companions = { last: COMPANIONS.map(() => 0), acked: COMPANIONS.map(() => 0) };
        for (const step of steps) {
          const { acked, before } = await runStep(opened, c, m, step, io, opts);
          if (step.kind !== 'crash') continue;
          io.crash(opts); // no-op for files if the countdown already fired; makes sure the crash happened
          opened = await checkRecovered(io, db, m, c, acked, before, roundBytes);
        }
        io.crash(opts);
        await checkRecovered(io, db, m, c, 0, new Map(), roundBytes);
      },
    ),
    { seed, numRuns: 40 },
  );
}

function propertySeed(): number {
  // CI runs a fixed seed so a red run is reproducible; WAL_PROP_SEED=random explores new ones.
  // (Re-picked when the sync mode joined the arbitrary: the fixed run must include row-13 cuts.)
  const requested = process.env.WAL_PROP_SEED;
  const seed = requested === 'random' ? Date.now() % 2147483647 : Number(requested ?? 3);
  console.log(`wal property seed=${seed} (rerun with WAL_PROP_SEED=${seed})`);
  return seed;
}

describe('WAL property: crash anywhere, recover a prefix holding every acknowledged append', () => {
  it('holds for random workloads (unsynced writes persist as a torn prefix)', async () => {
    const seed = propertySeed();
    const before = { ...stats };
    await runProperty(seed, [100, 8 << 20], () => fc.constant<CrashOptions>({ tear: 'random' }));
    console.log(`wal property: ${stats.crashes - before.crashes} recoveries, ${stats.lostUnacked - before.lostUnacked} lost unacknowledged entries, ${stats.withAcked - before.withAcked} had acknowledged appends in the crashed step, ${stats.redos - before.redos} journal redos (${stats.redoneRecords - before.redoneRecords} records), ${stats.journalCuts - before.journalCuts} torn journal tails`);
    expect(stats.lostUnacked - before.lostUnacked).toBeGreaterThan(0);
    if (process.env.WAL_PROP_SEED === undefined) expect(stats.redos - before.redos).toBeGreaterThan(0);
  });

  it('holds when unsynced pages reach the disk in any order (torn frames before valid ones: row 13)', async () => {
    const seed = propertySeed();
    const before = { ...stats };
    // Round bounds whose torn-tail window covers every step of this workload (its entries are
    // 6–87 bytes, so 100-byte rounds would outgrow the window's header allowance: see torn-tail.ts).
    await runProperty(seed, [1000, 8 << 20], () => fc.record({ tear: fc.constant('reorder' as const), pageBytes: fc.constantFrom(32, 64, 128) }));
    const row13 = stats.row13Cuts - before.row13Cuts;
    console.log(`wal property (reorder): ${stats.crashes - before.crashes} recoveries, ${stats.lostUnacked - before.lostUnacked} lost unacknowledged entries, ${row13} row-13 cuts, ${stats.redos - before.redos} journal redos, ${stats.journalCuts - before.journalCuts} torn journal tails`);
    expect(stats.lostUnacked - before.lostUnacked).toBeGreaterThan(0);
    // Rare here (few crashes catch a multi-page write); reorder-crash.test.ts requires them.
    if (process.env.WAL_PROP_SEED === undefined) expect(row13).toBeGreaterThan(0);
  });
});
