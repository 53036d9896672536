import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  assignOffsets,
  buildRecordBatch,
  Compression,
  computeBatchCrc,
  CorruptRecordBatchError,
  decodeBatch,
  nextOffsetAfter,
  readBatchHeader,
  setLogAppendTime,
  splitBatches,
  UnsupportedMessageFormatError,
  verifyBatchCrc,
  buildControlBatch,
  controlRecordType,
  InvalidRecordError,
  validateProducedRecords,
  type KafkaRecord,
} from '../../../src/kafka/record-batch/index.js';

const SEED = Number(process.env['CHRONIK_FC_SEED'] ?? 20261127);

function sample(count = 3, baseTimestamp = 1_700_000_000_000): Buffer {
  return buildRecordBatch({
    baseTimestamp,
    producerId: 42,
    producerEpoch: 3,
    baseSequence: 7,
    records: Array.from({ length: count }, (_, i) => ({
      key: Buffer.from(`k${i}`),
      value: i === 1 ? null : Buffer.from(`value-${i}`),
      headers: [{ key: 'h', value: Buffer.from([i]) }],
      timestamp: baseTimestamp + i * 10,
    })),
  });
}

function records(batch: Buffer): KafkaRecord[] {
  const decoded = decodeBatch(batch);
  if (decoded.records === null) throw new Error(decoded.reason);
  return decoded.records;
}

describe('record batches (magic 2)', () => {
  it('builds a batch whose header, CRC and records read back', () => {
    const batch = sample();
    const h = readBatchHeader(batch);
    expect(h).toMatchObject({
      baseOffset: 0,
      batchLength: batch.length - 12,
      partitionLeaderEpoch: -1,
      magic: 2,
      compression: 0,
      timestampType: 'create-time',
      isTransactional: false,
      isControl: false,
      lastOffsetDelta: 2,
      baseTimestamp: 1_700_000_000_000,
      maxTimestamp: 1_700_000_000_020,
      producerId: 42,
      producerEpoch: 3,
      baseSequence: 7,
      recordCount: 3,
    });
    verifyBatchCrc(batch);
    const rs = records(batch);
    expect(rs.map((r) => r.offset)).toEqual([0, 1, 2]);
    expect(rs.map((r) => r.timestamp)).toEqual([1_700_000_000_000, 1_700_000_000_010, 1_700_000_000_020]);
    expect(rs[1]?.value).toBeNull();
    expect(rs[2]?.key?.toString()).toBe('k2');
    expect(rs[2]?.headers).toEqual([{ key: 'h', value: Buffer.from([2]) }]);
  });

  it('detects a flipped bit anywhere the CRC covers, as CORRUPT_MESSAGE', () => {
    const batch = sample();
    for (let at = 21; at < batch.length; at++) {
      const copy = Buffer.from(batch);
      copy[at] = (copy[at] as number) ^ 0x01;
      let error: unknown;
      try {
        verifyBatchCrc(copy);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(CorruptRecordBatchError);
      expect((error as CorruptRecordBatchError).code).toBe(2);
    }
  });

  it('assigns offsets and leader epoch in place without invalidating the CRC', () => {
    const produced = Buffer.concat([sample(3), sample(2)]);
    const [first, second] = splitBatches(produced);
    if (first === undefined || second === undefined) throw new Error('expected two batches');
    // Views, not copies: patching them patches the request bytes.
    expect(first.buffer).toBe(produced.buffer);
    assignOffsets(first, 1000, 5);
    assignOffsets(second, nextOffsetAfter(first, 1000), 5);
    verifyBatchCrc(first);
    verifyBatchCrc(second);
    expect(readBatchHeader(produced.subarray(0, first.length)).baseOffset).toBe(1000);
    expect(readBatchHeader(second).partitionLeaderEpoch).toBe(5);
    expect(records(second).map((r) => r.offset)).toEqual([1003, 1004]);
    assignOffsets(first, 2 ** 40, 7);
    expect(readBatchHeader(first).baseOffset).toBe(2 ** 40);
  });

  it('stamps LogAppendTime, recomputing the CRC', () => {
    const batch = sample();
    setLogAppendTime(batch, 1_800_000_000_000);
    verifyBatchCrc(batch);
    const h = readBatchHeader(batch);
    expect(h.timestampType).toBe('log-append-time');
    expect(h.maxTimestamp).toBe(1_800_000_000_000);
    expect(records(batch).map((r) => r.timestamp)).toEqual([1_800_000_000_000, 1_800_000_000_000, 1_800_000_000_000]);
  });

  it('rejects legacy formats as UNSUPPORTED_FOR_MESSAGE_FORMAT and bad framing as CORRUPT_MESSAGE', () => {
    const legacy = sample();
    legacy.writeInt8(1, 16);
    expect(() => splitBatches(legacy)).toThrow(UnsupportedMessageFormatError);
    expect(() => splitBatches(legacy)).toThrow(expect.objectContaining({ code: 43 }));
    legacy.writeInt8(0, 16);
    expect(() => readBatchHeader(legacy)).toThrow(UnsupportedMessageFormatError);
    legacy.writeInt8(3, 16);
    expect(() => splitBatches(legacy)).toThrow(CorruptRecordBatchError);

    const good = sample();
    expect(() => splitBatches(good.subarray(0, good.length - 1))).toThrow(/overruns/);
    expect(() => splitBatches(Buffer.concat([good, Buffer.alloc(5)]))).toThrow(/trailing bytes/);
    const huge = Buffer.from(good);
    huge.writeInt32BE(0x7fffffff, 8);
    expect(() => splitBatches(huge)).toThrow(CorruptRecordBatchError);
    const tiny = Buffer.from(good);
    tiny.writeInt32BE(-5, 8);
    expect(() => splitBatches(tiny)).toThrow(/too small/);
    expect(splitBatches(Buffer.alloc(0))).toEqual([]);
  });

  it('rejects records that overrun their batch, with a valid CRC, as CORRUPT_MESSAGE', () => {
    const batch = sample(1);
    batch.writeInt32BE(1_000_000, 57); // claims a million records
    batch.writeUInt32BE(computeBatchCrc(batch), 17);
    verifyBatchCrc(batch);
    expect(() => decodeBatch(batch)).toThrow(/bad record: array of 1000000 elements/);
  });

  it('decodes gzip batches and reports other codecs as not decoded', () => {
    const gz = buildRecordBatch({ compression: Compression.gzip, baseTimestamp: 5, records: [{ value: Buffer.from('zipped') }, { value: Buffer.from('twice') }] });
    expect(readBatchHeader(gz).compression).toBe(1);
    expect(records(gz).map((r) => r.value?.toString())).toEqual(['zipped', 'twice']);
    const lz4 = Buffer.from(gz);
    lz4.writeInt16BE(3, 21);
    lz4.writeUInt32BE(computeBatchCrc(lz4), 17);
    setLogAppendTime(lz4, 9); // carries the (valid) CRC forward over the changed attributes
    const decoded = decodeBatch(lz4);
    expect(decoded.records).toBeNull();
    expect('reason' in decoded && decoded.reason).toMatch(/codec 3/);
  });

  it('round-trips arbitrary records through build and decode', () => {
    const record = fc.record({
      key: fc.option(fc.uint8Array({ maxLength: 20 }).map((a) => Buffer.from(a)), { nil: null }),
      value: fc.option(fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)), { nil: null }),
      headers: fc.array(fc.record({ key: fc.string({ maxLength: 8 }), value: fc.option(fc.uint8Array({ maxLength: 8 }).map((a) => Buffer.from(a)), { nil: null }) }), { maxLength: 3 }),
      timestamp: fc.integer({ min: 0, max: 2 ** 42 }),
    });
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 8 }), fc.boolean(), fc.integer({ min: 0, max: 2 ** 50 }), (input, gzip, base) => {
        const batch = buildRecordBatch({ records: input, baseOffset: base, compression: gzip ? Compression.gzip : Compression.none });
        const out = records(batch);
        expect(out.map((r) => r.offset)).toEqual(input.map((_, i) => base + i));
        expect(out.map((r) => [r.key, r.value, r.headers, r.timestamp])).toEqual(input.map((r) => [r.key, r.value, r.headers, r.timestamp]));
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('validates produced batches: control batches and inconsistent counts are INVALID_RECORD', () => {
    const ok = validateProducedRecords(Buffer.concat([sample(2), sample(1)]));
    expect(ok.map((b) => b.header.recordCount)).toEqual([2, 1]);
    const control = buildControlBatch({ type: 'commit', producerId: 9, producerEpoch: 1, coordinatorEpoch: 4, timestamp: 1 });
    expect(() => validateProducedRecords(control)).toThrow(InvalidRecordError);
    expect(() => validateProducedRecords(control)).toThrow(expect.objectContaining({ code: 87 }));
    const miscounted = sample(3);
    miscounted.writeInt32BE(5, 23);
    miscounted.writeUInt32BE(computeBatchCrc(miscounted), 17);
    expect(() => validateProducedRecords(miscounted)).toThrow(/lastOffsetDelta 5 does not match 3 records/);
    const corrupt = sample(2);
    corrupt[corrupt.length - 1] = (corrupt[corrupt.length - 1] as number) ^ 0xff;
    expect(() => validateProducedRecords(corrupt)).toThrow(CorruptRecordBatchError);
  });

  it('builds transaction markers as control batches', () => {
    const batch = buildControlBatch({ type: 'abort', producerId: 9, producerEpoch: 2, coordinatorEpoch: 4, timestamp: 77, baseOffset: 50 });
    const h = readBatchHeader(batch);
    expect(h).toMatchObject({ isControl: true, isTransactional: true, producerId: 9, producerEpoch: 2, baseOffset: 50, recordCount: 1 });
    const [marker] = records(batch);
    expect(controlRecordType(marker?.key ?? null)).toBe('abort');
    expect(marker?.value?.readInt32BE(2)).toBe(4);
    expect(marker?.offset).toBe(50);
  });
});
