import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildRecordBatch, recordsCrc, setLogAppendTime } from '../../../src/kafka/record-batch/index.js';
import { crc32c } from '../../../src/util/crc32c.js';

/**
 * recordsCrc derives the records section's CRC-32C from the batch CRC and the header (no second
 * pass over the records); it must equal a direct CRC of the records, and it must not change with
 * the header fields a resend or the broker changes (timestamps, LogAppendTime).
 */
const SEED = 20_261_127;
const HEADER_BYTES = 61;

describe('recordsCrc', () => {
  it(`equals a direct CRC-32C of the records section (seeded property, seed ${SEED})`, () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 3_000 }), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 0, max: 2 ** 40 }),
        fc.integer({ min: 0, max: 1_000 }),
        (values, baseTimestamp, baseSequence) => {
          const batch = buildRecordBatch({ records: values.map((v) => ({ value: Buffer.from(v) })), baseTimestamp, producerId: 5, producerEpoch: 0, baseSequence });
          expect(recordsCrc(batch)).toBe(crc32c(batch.subarray(HEADER_BYTES)));
        },
      ),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('ignores what a resend or the broker changes in the header; changes with the records', () => {
    const records = [{ value: Buffer.alloc(1_200_000, 1) }, { value: Buffer.from('x') }];
    const a = buildRecordBatch({ records, baseTimestamp: 1_000, producerId: 5, producerEpoch: 0, baseSequence: 0 });
    const resent = buildRecordBatch({ records, baseTimestamp: 2_000, producerId: 5, producerEpoch: 0, baseSequence: 0 });
    const other = buildRecordBatch({ records: [records[0] as { value: Buffer }, { value: Buffer.from('y') }], baseTimestamp: 1_000, producerId: 5, producerEpoch: 0, baseSequence: 0 });
    expect(recordsCrc(a)).toBe(crc32c(a.subarray(HEADER_BYTES)));
    expect(recordsCrc(resent)).toBe(recordsCrc(a));
    expect(recordsCrc(other)).not.toBe(recordsCrc(a));
    const appendTime = Buffer.from(a);
    setLogAppendTime(appendTime, 9_999);
    expect(recordsCrc(appendTime)).toBe(recordsCrc(a));
  });
});
