/**
 * The offset and timestamp keys are sparse (indexer.ts; one per indexIntervalBytes of batches plus
 * segment ends); findOffset and findTimestamp find the floor key and scan forward (log-lookup.ts).
 * Their answers must be exactly the dense index's. The oracle here is the dense semantics computed
 * from the segment files themselves: findOffset(o) = the first live batch whose last offset is
 * ≥ max(o, log start offset); findTimestamp(ts) = the base offset (clamped to the log start
 * offset) of the first batch still in the segments — also one a prefix deletion left below the
 * first index — whose max timestamp is ≥ ts. Random batches (sizes across the interval), random
 * timestamps (rising, flat, falling), non-batch entries, segment rolls, truncations, prefix
 * deletions, reopens, and queries both before and after the index is flushed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FaultyFileIO, WalStore, type Entry, type WalDb, type WalLog } from '../../src/wal/index.js';
import { decodeFrameHeader, FRAME_HEADER_BYTES, parseSegmentFileName, SEGMENT_HEADER_BYTES } from '../../src/wal/frame.js';
import { readBatchFields } from '../../src/wal/kafka-batch.js';
import { LogKeys } from '../../src/wal/keys.js';
import { logger, memoryDb, recordBatch } from './helpers.js';
import { Fence, FencedDb, FencedFileIO } from '../../src/wal/testing/fenced.js';

const LOG = 'p.sparse.0';
const DIR = '/node';

type Step =
  | { kind: 'append'; batches: Array<{ records: number; size: number; tsStep: number }>; noop: boolean }
  | { kind: 'query' }
  | { kind: 'flush' }
  | { kind: 'reopen' }
  | { kind: 'truncate'; back: number }
  | { kind: 'prefix'; forward: number }
  | { kind: 'crash'; midAppend: boolean };

const batchArb = fc.record({
  records: fc.integer({ min: 1, max: 4 }),
  // Below the 8 KiB at which a frame CRC is derived from the batch's own (these batches carry none).
  size: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 600 }) }, { weight: 1, arbitrary: fc.integer({ min: 2000, max: 8000 }) }),
  // Mostly rising timestamps; sometimes flat or falling (a producer's clock is not the broker's).
  tsStep: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 20 }) }, { weight: 2, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: -50, max: -1 }) }),
});

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('append' as const), batches: fc.array(batchArb, { minLength: 1, maxLength: 12 }), noop: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('query' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('flush' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reopen' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), back: fc.integer({ min: 0, max: 20 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('prefix' as const), forward: fc.integer({ min: 0, max: 20 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('crash' as const), midAppend: fc.boolean() }) },
);

interface Frame {
  index: number;
  type: number;
  data: Uint8Array;
}

/** Every frame still in the log's segment files, in order (the oracle's view: what a dense index covered). */
async function segmentFrames(io: FaultyFileIO, dir: string): Promise<Frame[]> {
  const out: Frame[] = [];
  const names = (await io.readdir(dir)).filter((n) => parseSegmentFileName(n) !== undefined).sort();
  for (const name of names) {
    const fd = await io.open(`${dir}/${name}`, { create: false });
    const bytes = Buffer.alloc(await io.size(fd));
    await io.read(fd, bytes, 0);
    await io.close(fd);
    let at = SEGMENT_HEADER_BYTES;
    for (;;) {
      const h = decodeFrameHeader(bytes, at);
      if (h === undefined || at + FRAME_HEADER_BYTES + h.length > bytes.byteLength) break;
      out.push({ index: h.index, type: h.type, data: bytes.subarray(at + FRAME_HEADER_BYTES, at + FRAME_HEADER_BYTES + h.length) });
      at += FRAME_HEADER_BYTES + h.length;
    }
  }
  return out;
}

function denseFindOffset(frames: readonly Frame[], log: WalLog, offset: number): number | undefined {
  const target = Math.max(offset, log.logStartOffset);
  if (target >= log.nextOffset) return undefined;
  for (const f of frames) if (f.index >= log.firstIndex && f.type === 2 && readBatchFields(f.data).lastOffset >= target) return f.index;
  return undefined;
}

function denseFindTimestamp(frames: readonly Frame[], log: WalLog, ts: number): number | undefined {
  for (const f of frames) {
    if (f.type !== 2 || f.index > log.lastIndex) continue;
    const b = readBatchFields(f.data);
    if (b.maxTimestamp >= ts) return Math.max(b.baseOffset, log.logStartOffset);
  }
  return undefined;
}

class Harness {
  store!: WalStore;
  log!: WalLog;
  ts = 1_000;
  term = 1;
  queries = 0;

  constructor(
    private readonly opts: { segmentBytes: number; indexIntervalBytes: number; flushDelayMs: number },
    readonly io = new FaultyFileIO(),
    readonly db: WalDb = memoryDb(),
  ) {}

  private fence = new Fence();

  async open(): Promise<void> {
    this.fence = new Fence();
    this.store = await WalStore.open({
      dir: DIR,
      logger,
      fileIO: new FencedFileIO(this.io, this.fence),
      db: new FencedDb(this.db, this.fence),
      fsync: 'always',
      segmentBytes: this.opts.segmentBytes,
      indexIntervalBytes: this.opts.indexIntervalBytes,
      indexFlushDelayMs: this.opts.flushDelayMs,
    });
    this.log = await this.store.openLog(LOG, { kind: 'partition' });
  }

  async append(step: Extract<Step, { kind: 'append' }>): Promise<void> {
    const entries: Entry[] = [];
    let index = this.log.lastIndex + 1;
    let next = this.log.nextOffset;
    if (step.noop) entries.push({ index: index++, term: this.term, type: 0, data: new Uint8Array(0) });
    for (const b of step.batches) {
      this.ts = Math.max(0, this.ts + b.tsStep);
      entries.push({ index: index++, term: this.term, type: 2, data: recordBatch(next, b.records, this.ts, b.size, next & 0xff) });
      next += b.records;
    }
    await this.log.append(entries);
  }

  /** The largest batch timestamp left in the segments (a crash may have dropped the latest). */
  private async maxTimestampOnDisk(): Promise<number> {
    let max = 0;
    for (const f of await segmentFrames(this.io, `${DIR}/logs/${LOG}`)) if (f.type === 2) max = Math.max(max, readBatchFields(f.data).maxTimestamp);
    return max;
  }

  /** Every distinct answer boundary: each offset and each stored timestamp, ±1, and beyond the ends. */
  async query(): Promise<void> {
    const frames = await segmentFrames(this.io, `${DIR}/logs/${LOG}`);
    // The next offset comes back from the index on reopen: its last batch must be keyed.
    let next = this.log.logStartOffset;
    for (const f of frames) if (f.type === 2) next = Math.max(next, readBatchFields(f.data).lastOffset + 1);
    expect(this.log.nextOffset, 'nextOffset').toBe(next);
    const stamps = new Set<number>([0, 1, this.ts + 1]);
    for (const f of frames) if (f.type === 2) for (const d of [-1, 0, 1]) stamps.add(Math.max(0, readBatchFields(f.data).maxTimestamp + d));
    for (let o = 0; o <= this.log.nextOffset + 1; o++) {
      expect(await this.log.findOffset(o), `findOffset(${o})`).toBe(denseFindOffset(frames, this.log, o));
      this.queries++;
    }
    for (const ts of stamps) {
      expect(await this.log.findTimestamp(ts), `findTimestamp(${ts})`).toBe(denseFindTimestamp(frames, this.log, ts));
      this.queries++;
    }
  }

  async run(step: Step): Promise<void> {
    if (step.kind === 'append') await this.append(step);
    else if (step.kind === 'query') await this.query();
    else if (step.kind === 'flush') await this.store.flushIndex();
    else if (step.kind === 'reopen') {
      await this.store.close();
      await this.open();
    } else if (step.kind === 'crash') {
      // Power loss: the process dies (its pending index flush never lands), unsynced bytes are
      // torn; mid-append, a round may be half written. Opening catches the index up from its marker.
      const inFlight = step.midAppend ? this.append({ kind: 'append', noop: false, batches: [{ records: 2, size: 300, tsStep: 3 }, { records: 1, size: 5000, tsStep: 1 }] }).catch(() => undefined) : undefined;
      this.fence.kill();
      this.io.crash({ tear: 'random' });
      await inFlight;
      await this.open();
      this.ts = Math.max(this.ts, await this.maxTimestampOnDisk());
    } else if (step.kind === 'truncate') {
      const to = Math.max(this.log.firstIndex - 1, this.log.lastIndex - step.back);
      await this.log.truncateSuffix(to);
      this.term++;
    } else await this.log.deletePrefix(Math.min(this.log.lastIndex + 1, this.log.firstIndex + step.forward));
  }
}

/** Rewrites every timestamp key to the 8-byte value the dense index of earlier versions stored (the base offset alone). */
async function downgradeTimeKeys(db: WalDb): Promise<number> {
  const keys = new LogKeys(LOG);
  let n = 0;
  for (let epoch = 0; epoch < 4; epoch++) {
    const range = keys.kindRange(epoch, 'x');
    const rewrites: Array<[Buffer, Buffer]> = [];
    for await (const [key, value] of db.iterator(range)) rewrites.push([key, Buffer.from(value.subarray(0, 8))]);
    for (const [key, value] of rewrites) await db.put(key, value);
    n += rewrites.length;
  }
  return n;
}

describe('sparse offset and timestamp index', () => {
  const seed = Number(process.env.WAL_SPARSE_SEED ?? 20261128);
  const harnesses: Harness[] = [];
  afterEach(async () => {
    for (const h of harnesses.splice(0)) await h.store.close().catch(() => undefined);
  });

  it('answers exactly as the dense index does (property)', async () => {
    console.log(`sparse index property seed=${seed} (rerun with WAL_SPARSE_SEED=${seed})`);
    let total = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(stepArb, { minLength: 3, maxLength: 18 }),
        fc.constantFrom(2048, 8192, 32_768),
        fc.constantFrom(128, 1024, 4096),
        fc.constantFrom(1, 60_000),
        async (steps, segmentBytes, indexIntervalBytes, flushDelayMs) => {
          const h = new Harness({ segmentBytes, indexIntervalBytes, flushDelayMs });
          harnesses.push(h);
          await h.open();
          for (const step of steps) await h.run(step);
          await h.query();
          await h.run({ kind: 'reopen' });
          await h.query();
          total += h.queries;
          await h.store.close();
          harnesses.splice(harnesses.indexOf(h), 1);
        },
      ),
      { seed, numRuns: 40 },
    );
    expect(total).toBeGreaterThan(1000);
  });

  it('keeps working on a dense index written by an earlier version, and past it', async () => {
    // indexIntervalBytes 0 keys every batch (the dense key set); the timestamp values are then cut
    // back to the 8 bytes earlier versions stored, and the store reopened with the sparse default.
    const h = new Harness({ segmentBytes: 8192, indexIntervalBytes: 0, flushDelayMs: 60_000 });
    harnesses.push(h);
    await h.open();
    for (let i = 0; i < 12; i++) await h.append({ kind: 'append', noop: i % 5 === 0, batches: Array.from({ length: 6 }, (_, j) => ({ records: 1 + (j % 3), size: 150 + 37 * j, tsStep: j % 4 === 3 ? 0 : 3 })) });
    await h.store.close();
    expect(await downgradeTimeKeys(h.db)).toBeGreaterThan(20);
    const sparse = new Harness({ segmentBytes: 8192, indexIntervalBytes: 4096, flushDelayMs: 60_000 }, h.io, h.db);
    sparse.ts = h.ts;
    harnesses.splice(0, 1, sparse);
    await sparse.open();
    await sparse.query();
    for (let i = 0; i < 12; i++) await sparse.append({ kind: 'append', noop: false, batches: Array.from({ length: 5 }, (_, j) => ({ records: 2, size: 120 + 11 * j, tsStep: j === 2 ? -5 : 2 })) });
    await sparse.query();
    await sparse.run({ kind: 'truncate', back: 7 });
    await sparse.query();
    await sparse.run({ kind: 'reopen' });
    await sparse.query();
    expect(sparse.queries).toBeGreaterThan(500);
  });

  it('writes far fewer offset and timestamp keys than batches for 1 KiB batches', async () => {
    const h = new Harness({ segmentBytes: 1 << 20, indexIntervalBytes: 4096, flushDelayMs: 60_000 });
    harnesses.push(h);
    await h.open();
    for (let i = 0; i < 40; i++) await h.append({ kind: 'append', noop: false, batches: Array.from({ length: 5 }, () => ({ records: 1, size: 1000, tsStep: 1 })) });
    await h.store.flushIndex();
    const keys = new LogKeys(LOG);
    const count = async (kind: 'o' | 'x'): Promise<number> => {
      let n = 0;
      for await (const _ of h.db.keys(keys.kindRange(0, kind))) n++;
      return n;
    };
    // 200 batches of ~1.1 KiB framed: one key per ~4 batches, plus at most one trailing key per flush.
    expect(await count('o')).toBeLessThan(70);
    expect(await count('x')).toBeLessThan(70);
    await h.query();
  });
});
