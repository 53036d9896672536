import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildRecordBatch, computeBatchCrc, readBatchHeader, setLogAppendTime } from '../../../src/kafka/record-batch/index.js';

/**
 * setLogAppendTime carries the batch CRC forward by the CRC combine identity instead of a second
 * pass over the records: the result must equal a CRC computed from scratch, and a batch whose
 * stored CRC was already wrong must stay detectably wrong (the stamp must not launder corruption).
 */
const SEED = 20_261_128;
const CRC_AT = 17;

describe('setLogAppendTime CRC', () => {
  it(`equals a CRC-32C recomputed over the stamped batch (seeded property, seed ${SEED})`, () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 3_000 }), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 0, max: 2 ** 42 }),
        fc.integer({ min: 0, max: 2 ** 42 }),
        fc.constantFrom(-1, 7),
        (values, baseTimestamp, appendTimeMs, producerId) => {
          const batch = buildRecordBatch({ records: values.map((v) => ({ value: Buffer.from(v) })), baseTimestamp, producerId, producerEpoch: 0, baseSequence: 0 });
          setLogAppendTime(batch, appendTimeMs);
          expect(batch.readUInt32BE(CRC_AT)).toBe(computeBatchCrc(batch));
          const h = readBatchHeader(batch);
          expect(h.timestampType).toBe('log-append-time');
          expect(h.maxTimestamp).toBe(appendTimeMs);
        },
      ),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('keeps a corrupt batch corrupt, and stamps a 1 MiB batch exactly', () => {
    const big = buildRecordBatch({ records: [{ value: Buffer.alloc(1 << 20, 3) }, { value: Buffer.from('tail') }], baseTimestamp: 1_000 });
    setLogAppendTime(big, 1_800_000_000_000);
    expect(big.readUInt32BE(CRC_AT)).toBe(computeBatchCrc(big));

    const corrupt = buildRecordBatch({ records: [{ value: Buffer.alloc(5_000, 1) }], baseTimestamp: 1_000 });
    const at = corrupt.length - 10;
    corrupt.writeUInt8(corrupt.readUInt8(at) ^ 0x40, at);
    setLogAppendTime(corrupt, 2_000);
    expect(corrupt.readUInt32BE(CRC_AT)).not.toBe(computeBatchCrc(corrupt));
  });
});
