/**
 * The node's redo journal: rounds of several logs are made durable by one fdatasync of the journal,
 * so after power loss a segment may lack acknowledged bytes that only the journal holds; opening the
 * store must redo them, cut a torn journal tail, refuse a damaged journal, and never redo a record
 * into a log that was rewritten since (checkpoints).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FaultyFileIO, WalCorruptionError, WalStore, type WalDb, type WalLog } from '../../src/wal/index.js';
import { Fence, FencedDb, FencedFileIO } from '../../src/wal/testing/fenced.js';
import { capturingLogger, entries, memoryDb, payload } from './helpers.js';
import { JOURNAL_HEADER_BYTES } from '../../src/wal/journal-format.js';
import { zeroSuffixStart } from '../../src/wal/torn-tail.js';

const DIR = '/data';
const JDIR = `${DIR}/journal`;

interface Node {
  io: FaultyFileIO;
  db: WalDb;
  fence: Fence;
  store: WalStore;
  lines: Array<Record<string, unknown>>;
}

const stores: WalStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close().catch(() => undefined);
});

/** Opens a store over `io`; the previous incarnation's fence is killed as a crash would. */
async function openNode(io: FaultyFileIO, db: WalDb, prev?: Fence, opts: { journalCheckpointBytes?: number } = {}): Promise<Node> {
  prev?.kill();
  const fence = new Fence();
  const { lines, log } = capturingLogger();
  const infoLog = log.child({});
  infoLog.level = 'info';
  const store = await WalStore.open({ dir: DIR, logger: infoLog, fileIO: new FencedFileIO(io, fence), db: new FencedDb(db, fence), ...opts });
  stores.push(store);
  return { io, db, fence, store, lines };
}

async function openLogs(store: WalStore, ids: string[]): Promise<WalLog[]> {
  const out: WalLog[] = [];
  for (const id of ids) out.push(await store.openLog(id));
  return out;
}

/** `rounds` rounds, each appending `per` entries to every log together (so each round is journaled). */
async function appendRounds(logs: WalLog[], rounds: number, per: number): Promise<void> {
  for (let r = 0; r < rounds; r++) {
    await Promise.all(logs.map((l) => l.append(entries(l.lastIndex + 1, per, 1))));
  }
}

async function journalFiles(io: FaultyFileIO): Promise<string[]> {
  return (await io.readdir(JDIR)).filter((n) => n.endsWith('.jnl'));
}

async function expectHolds(log: WalLog, last: number): Promise<void> {
  expect(log.lastIndex).toBe(last);
  const got = await log.read(1, last + 1, 1 << 30);
  expect(got.map((e) => e.index)).toEqual(Array.from({ length: last }, (_, i) => i + 1));
  for (const e of got) expect(Buffer.from(e.data).equals(Buffer.from(payload(e.index)))).toBe(true);
}

describe('redo journal', () => {
  it('a crash after the journal fdatasync, before any segment page reached the disk, loses nothing acknowledged', async () => {
    const io = new FaultyFileIO({ seed: 1 });
    const db = memoryDb();
    const a = await openNode(io, db);
    const logs = await openLogs(a.store, ['p.a.0', 'p.b.0', '__meta']);
    const syncs = io.datasyncCalls;
    await appendRounds(logs, 5, 3);
    // One fdatasync per round (the journal's), none of the segments'.
    expect(io.datasyncCalls - syncs).toBe(5);
    io.crash({ tear: 'none' });
    // Power loss dropped every unsynced segment byte: only the headers are left.
    for (const l of logs) for (const s of l.segments()) expect(io.contents(s.file)?.byteLength).toBe(24);
    const b = await openNode(io, db, a.fence);
    const redo = b.lines.find((l) => l.msg === 'redid the journal');
    expect(redo).toMatchObject({ records: 15, logs: 3 });
    for (const id of ['p.a.0', 'p.b.0', '__meta']) await expectHolds(await b.store.openLog(id), 15);
    // Redo ends with a checkpoint: one new, empty journal.
    const files = await journalFiles(io);
    expect(files).toHaveLength(1);
    expect(io.contents(`${JDIR}/${files[0] ?? ''}`)?.byteLength).toBe(JOURNAL_HEADER_BYTES);
  });

  it('a round of a single log fdatasyncs its segment and writes nothing to the journal', async () => {
    const io = new FaultyFileIO({ seed: 2 });
    const a = await openNode(io, memoryDb());
    const [log] = await openLogs(a.store, ['p.a.0']);
    await log?.append(entries(1, 4, 1));
    const files = await journalFiles(io);
    expect(io.contents(`${JDIR}/${files[0] ?? ''}`)?.byteLength).toBe(JOURNAL_HEADER_BYTES);
  });

  it('rounds of large writes per log are not journaled (a double write would cost more than the fdatasyncs)', async () => {
    const io = new FaultyFileIO({ seed: 12 });
    const a = await openNode(io, memoryDb());
    const logs = await openLogs(a.store, ['p.a.0', 'p.b.0']);
    const syncs = io.datasyncCalls;
    await Promise.all(logs.map((l) => l.append(entries(1, 1, 1, 400 * 1024))));
    expect(io.datasyncCalls - syncs).toBe(2);
    const files = await journalFiles(io);
    expect(io.contents(`${JDIR}/${files[0] ?? ''}`)?.byteLength).toBe(JOURNAL_HEADER_BYTES);
  });

  it('cuts a torn journal tail', async () => {
    const io = new FaultyFileIO({ seed: 3 });
    const db = memoryDb();
    const a = await openNode(io, db);
    const logs = await openLogs(a.store, ['p.a.0', 'p.b.0']);
    await appendRounds(logs, 3, 2);
    const path = `${JDIR}/${(await journalFiles(io))[0] ?? ''}`;
    const bytes = io.contents(path) ?? new Uint8Array(0);
    // The file is preallocated: its records end where its hole of zeros starts.
    const end = zeroSuffixStart(bytes);
    expect(bytes.byteLength).toBeGreaterThan(end);
    // A torn write of a next round: the start of a record (its header, part of its data), durable.
    const fd = await io.open(path, { create: false });
    await io.write(fd, [bytes.slice(JOURNAL_HEADER_BYTES, JOURNAL_HEADER_BYTES + 70)], end);
    await io.datasync(fd);
    io.crash({ tear: 'none' });
    const b = await openNode(io, db, a.fence);
    // The cut reaches the end of the file, hole included.
    expect(b.lines.find((l) => l.msg === 'cut a torn journal tail')).toMatchObject({ position: end, bytes: bytes.byteLength - end, discardedRecords: 0 });
    for (const id of ['p.a.0', 'p.b.0']) await expectHolds(await b.store.openLog(id), 6);
  });

  it('refuses to open when a record before the last two rounds is damaged, and says where', async () => {
    const io = new FaultyFileIO({ seed: 4 });
    const db = memoryDb();
    const a = await openNode(io, db);
    const logs = await openLogs(a.store, ['p.a.0', 'p.b.0']);
    await appendRounds(logs, 6, 2);
    io.crash({ tear: 'none' });
    const path = `${JDIR}/${(await journalFiles(io))[0] ?? ''}`;
    // A bit flip inside the first record's data (round 1 of 6): its frames' CRC no longer matches.
    const at = JOURNAL_HEADER_BYTES + 48 + 'p.a.0'.length + 40;
    const flipped = (io.contents(path)?.[at] ?? 0) ^ 0x10;
    io.corrupt(path, at, Uint8Array.of(flipped));
    a.fence.kill();
    const err = await WalStore.open({ dir: DIR, logger: capturingLogger().log, fileIO: io, db }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WalCorruptionError);
    expect((err as WalCorruptionError).detail).toMatchObject({ segment: path, position: JOURNAL_HEADER_BYTES });
    expect((err as Error).message).toMatch(/frame.*valid records up to round 6 after it/);
  });

  it('checkpoints before truncateSuffix, so recovery does not bring the cut entries back', async () => {
    const io = new FaultyFileIO({ seed: 5 });
    const db = memoryDb();
    const a = await openNode(io, db);
    const logs = await openLogs(a.store, ['p.a.0', 'p.b.0']);
    await appendRounds(logs, 4, 3);
    const before = await journalFiles(io);
    await logs[0]?.truncateSuffix(5);
    const after = await journalFiles(io);
    expect(after).toHaveLength(1);
    expect(after[0]).not.toBe(before[0]);
    await appendRounds(logs, 1, 1);
    io.crash({ tear: 'none' });
    const b = await openNode(io, db, a.fence);
    await expectHolds(await b.store.openLog('p.a.0'), 6);
    await expectHolds(await b.store.openLog('p.b.0'), 13);
  });

  it('redo makes a missing segment file again, header included', async () => {
    const io = new FaultyFileIO({ seed: 6 });
    const db = memoryDb();
    const a = await openNode(io, db);
    const logs = await openLogs(a.store, ['p.a.0', 'p.b.0']);
    await appendRounds(logs, 3, 2);
    const file = logs[1]?.segments()[0]?.file ?? '';
    io.crash({ tear: 'none' });
    await io.unlink(file);
    const b = await openNode(io, db, a.fence);
    expect(b.lines.find((l) => l.msg === 'redid the journal')).toMatchObject({ createdSegments: 1 });
    await expectHolds(await b.store.openLog('p.b.0'), 6);
    await expectHolds(await b.store.openLog('p.a.0'), 6);
  });

  it('checkpoints when the journal passes its bound, and keeps every acknowledged round', async () => {
    const io = new FaultyFileIO({ seed: 7 });
    const db = memoryDb();
    const a = await openNode(io, db, undefined, { journalCheckpointBytes: 2048 });
    const logs = await openLogs(a.store, ['p.a.0', 'p.b.0', 'p.c.0']);
    const first = await journalFiles(io);
    await appendRounds(logs, 20, 2);
    const last = await journalFiles(io);
    expect(last).toHaveLength(1);
    expect(Number(last[0]?.slice(0, 20))).toBeGreaterThan(Number(first[0]?.slice(0, 20)) + 2);
    io.crash({ tear: 'none' });
    const b = await openNode(io, db, a.fence);
    for (const id of ['p.a.0', 'p.b.0', 'p.c.0']) await expectHolds(await b.store.openLog(id), 40);
  });

  it('a failed journal fdatasync falls back to fdatasyncing the segments; a checkpoint brings the journal back', async () => {
    const io = new FaultyFileIO({ seed: 8 });
    const db = memoryDb();
    const a = await openNode(io, db);
    const logs = await openLogs(a.store, ['p.a.0', 'p.b.0']);
    await appendRounds(logs, 1, 1);
    io.failNextDatasync();
    await appendRounds(logs, 1, 1);
    expect(a.lines.some((l) => l.msg?.toString().startsWith('journal write or fdatasync failed') === true)).toBe(true);
    let syncs = io.datasyncCalls;
    await appendRounds(logs, 1, 1);
    expect(io.datasyncCalls - syncs).toBe(2);
    await logs[0]?.truncateSuffix(2);
    syncs = io.datasyncCalls;
    await appendRounds(logs, 1, 1);
    expect(io.datasyncCalls - syncs).toBe(1);
    io.crash({ tear: 'none' });
    const b = await openNode(io, db, a.fence);
    await expectHolds(await b.store.openLog('p.a.0'), 3);
    await expectHolds(await b.store.openLog('p.b.0'), 4);
  });

  it('a prefix deletion checkpoints only when it removes a segment the journal has records for', async () => {
    const io = new FaultyFileIO({ seed: 9 });
    const db = memoryDb();
    const fence = new Fence();
    const store = await WalStore.open({ dir: DIR, logger: capturingLogger().log, fileIO: new FencedFileIO(io, fence), db: new FencedDb(db, fence), segmentBytes: 200 });
    stores.push(store);
    const logs = await openLogs(store, ['p.a.0', 'p.b.0']);
    await appendRounds(logs, 6, 2);
    const segmentsOfA = logs[0]?.segments().length ?? 0;
    expect(segmentsOfA).toBeGreaterThan(2);
    // Journal records now name every segment of p.a.0: removing its first one needs a checkpoint.
    const first = await journalFiles(io);
    await logs[0]?.deletePrefix(logs[0].segments()[1]?.baseIndex ?? 0);
    const second = await journalFiles(io);
    expect(second).not.toEqual(first);
    // One more round: records only for the last segments. Removing older ones needs none.
    await appendRounds(logs, 1, 1);
    const lastBase = logs[0]?.segments().at(-1)?.baseIndex ?? 0;
    await logs[0]?.deletePrefix(lastBase);
    expect(await journalFiles(io)).toEqual(second);
    expect(logs[0]?.segments()).toHaveLength(1);
    io.crash({ tear: 'none' });
    const b = await openNode(io, db, fence);
    const a0 = await b.store.openLog('p.a.0');
    expect([a0.firstIndex, a0.lastIndex]).toEqual([lastBase, 13]);
    await expectHolds(await b.store.openLog('p.b.0'), 13);
    expect(b.lines.find((l) => l.msg === 'redid the journal')).toMatchObject({ records: 2 });
  });

  it('a log closing when its checkpoint fails makes its segments durable first; the next checkpoint works', async () => {
    const io = new FaultyFileIO({ seed: 10 });
    const db = memoryDb();
    const a = await openNode(io, db);
    const logs = await openLogs(a.store, ['p.a.0', 'p.b.0', 'p.c.0']);
    await appendRounds(logs, 2, 2);
    // The checkpoint's new journal file cannot be written: the close still goes through.
    io.failNextWrite();
    await logs[0]?.close();
    expect(a.lines.some((l) => l.msg === 'journal checkpoint failed while closing the log')).toBe(true);
    // The closed log's handles were released: this checkpoint (before a truncation) succeeds.
    await logs[1]?.truncateSuffix(3);
    await appendRounds(logs.slice(1), 1, 1);
    io.crash({ tear: 'none' });
    const b = await openNode(io, db, a.fence);
    await expectHolds(await b.store.openLog('p.a.0'), 4);
    await expectHolds(await b.store.openLog('p.b.0'), 4);
    await expectHolds(await b.store.openLog('p.c.0'), 5);
  });
});
