import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProducerStateManager } from '../../../src/kafka/idempotence/index.js';
import { buildRecordBatch, readBatchHeader, recordsCrc } from '../../../src/kafka/record-batch/index.js';
import { recoverTail, TAIL_READ_BYTES } from '../../../src/node/partition/log-tail.js';
import { silentLogger } from '../../../src/util/logger.js';
import { EntryType, ForwardingFileIO, NodeFileIO, WalStore, type Entry, type FileHandle } from '../../../src/wal/index.js';

/** Records the largest positional read asked for: what one step of the scan holds in memory. */
class LargestReadIO extends ForwardingFileIO {
  largest = 0;

  override read(fd: FileHandle, into: Uint8Array, position: number): Promise<number> {
    this.largest = Math.max(this.largest, into.byteLength);
    return super.read(fd, into, position);
  }
}

const RECORDS = 200;
const VALUE = Buffer.alloc(1000, 0x78);
let dir: string;
let io: LargestReadIO;
let store: WalStore;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chronik-tail-'));
  io = new LargestReadIO(new NodeFileIO());
  store = await WalStore.open({ dir, logger: silentLogger(), fileIO: io });
});

afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

describe('recoverTail', () => {
  it('finds the high watermark and the idempotent batches, holding one bounded read at a time', async () => {
    const log = await store.openLog('tail', { kind: 'partition' });
    const batches = 40;
    const entries: Entry[] = [];
    for (let i = 0; i < batches; i++) {
      // Every third batch is idempotent (producer 7, sequences counting on).
      const idem = i % 3 === 0 ? { producerId: 7, producerEpoch: 0, baseSequence: (i / 3) * RECORDS } : {};
      const data = buildRecordBatch({ records: Array.from({ length: RECORDS }, () => ({ value: VALUE })), baseOffset: i * RECORDS, ...idem });
      entries.push({ index: i + 1, term: 1, type: EntryType.KAFKA_BATCH, data });
    }
    // A no-op after the last batch: the watermark still comes from the last batch.
    entries.push({ index: batches + 1, term: 2, type: EntryType.NORMAL, data: new Uint8Array(0) });
    await log.append(entries);
    expect(log.lastIndex).toBe(batches + 1);
    io.largest = 0;

    const tail = await recoverTail(log, log.lastIndex);
    expect(tail.highWatermark).toBe(batches * RECORDS);
    const expected = entries.filter((_, i) => i < batches && i % 3 === 0).map((_, k) => ({ producerId: 7, baseSequence: k * RECORDS, baseOffset: k * 3 * RECORDS }));
    expect(tail.producerBatches.map((b) => ({ producerId: b.producerId, baseSequence: b.baseSequence, baseOffset: b.baseOffset }))).toEqual(expected);
    // The window is ~8 MB of batches; no read asked for much more than one read's budget.
    expect(io.largest).toBeGreaterThan(0);
    expect(io.largest).toBeLessThanOrEqual(2 * TAIL_READ_BYTES);

    // Committed only up to entry 10: the watermark is the end of batch 10.
    expect((await recoverTail(log, 10)).highWatermark).toBe(10 * RECORDS);
  });

  it('recovers each idempotent batch with its records CRC: a sequence reused for other records stays apart from its retry', async () => {
    const log = await store.openLog('reused', { kind: 'partition' });
    const pid = { producerId: 3, producerEpoch: 0, baseSequence: 0 };
    const batch = (values: string[], baseOffset: number, baseTimestamp: number): Buffer =>
      buildRecordBatch({ records: values.map((v) => ({ value: Buffer.from(v) })), baseOffset, baseTimestamp, ...pid });
    // Sequence 0 twice with other records (kafkajs after a failed send whose batch was committed).
    await log.append([
      { index: 1, term: 1, type: EntryType.KAFKA_BATCH, data: batch(['a0', 'a1'], 0, 1_000) },
      { index: 2, term: 2, type: EntryType.KAFKA_BATCH, data: batch(['b0', 'b1'], 2, 2_000) },
    ]);
    const tail = await recoverTail(log, 2);
    expect(tail.producerBatches.map((b) => b.recordsCrc)).toEqual([recordsCrc(batch(['a0', 'a1'], 0, 1_000)), recordsCrc(batch(['b0', 'b1'], 2, 2_000))]);

    const state = new ProducerStateManager({ clock: { now: () => 3_000 }, logger: silentLogger() });
    state.rebuildFrom(tail.producerBatches);
    // Retries carry a new timestamp (kafkajs restamps each attempt) and no offsets yet.
    const retry = (values: string[]): ReturnType<ProducerStateManager['check']> => {
      const b = batch(values, 0, 9_000);
      return state.check({ ...readBatchHeader(b), recordsCrc: recordsCrc(b) });
    };
    expect(retry(['b0', 'b1'])).toEqual({ kind: 'duplicate', firstOffset: 2, lastOffset: 3 });
    expect(retry(['a0', 'a1'])).toEqual({ kind: 'duplicate', firstOffset: 0, lastOffset: 1 });
    expect(retry(['c0', 'c1']), 'other records under the last sequence are appended').toEqual({ kind: 'append' });
  });

  it('an empty log recovers the log start offset and no producers', async () => {
    const log = await store.openLog('empty', { kind: 'partition' });
    expect(await recoverTail(log, 0)).toEqual({ highWatermark: 0, producerBatches: [] });
  });
});
