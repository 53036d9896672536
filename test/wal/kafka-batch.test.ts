import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BATCH_FIELDS_BYTES, readBatchFields } from '../../src/wal/kafka-batch.js';

/** The fields as DataView and BigInt read them (the implementation before session 8). */
function reference(data: Uint8Array): { baseOffset: number; lastOffset: number; maxTimestamp: number } | 'error' {
  if (data.byteLength < BATCH_FIELDS_BYTES) return 'error';
  const view = new DataView(data.buffer, data.byteOffset, BATCH_FIELDS_BYTES);
  if (view.getInt8(16) !== 2) return 'error';
  const baseOffset = Number(view.getBigInt64(0));
  const lastOffsetDelta = view.getInt32(23);
  const maxTimestamp = Number(view.getBigInt64(35));
  if (baseOffset < 0 || lastOffsetDelta < 0) return 'error';
  return { baseOffset, lastOffset: baseOffset + lastOffsetDelta, maxTimestamp: Math.max(0, maxTimestamp) };
}

function fields(baseOffset: bigint, delta: number, maxTimestamp: bigint, magic = 2): Uint8Array {
  const b = Buffer.alloc(61);
  b.writeBigInt64BE(baseOffset, 0);
  b.writeInt8(magic, 16);
  b.writeInt32BE(delta, 23);
  b.writeBigInt64BE(maxTimestamp, 35);
  return b;
}

describe('readBatchFields', () => {
  const seed = Number(process.env.WAL_BATCH_FIELDS_SEED ?? 20261128);

  it('agrees with a DataView/BigInt reading on random fields (property)', () => {
    console.log(`readBatchFields property seed=${seed} (rerun with WAL_BATCH_FIELDS_SEED=${seed})`);
    const int64 = fc.oneof(fc.bigInt({ min: -(2n ** 53n), max: 2n ** 53n - 1n }), fc.constantFrom(-1n, 0n, 2n ** 32n - 1n, 2n ** 32n, 1_700_000_000_000n));
    fc.assert(
      fc.property(int64, fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), int64, fc.constantFrom(2, 2, 2, 1), (base, delta, ts, magic) => {
        const data = fields(base, delta, ts, magic);
        const want = reference(data);
        if (want === 'error') expect(() => readBatchFields(data)).toThrow();
        else expect(readBatchFields(data)).toEqual(want);
      }),
      { seed, numRuns: 500 },
    );
  });

  it('refuses inputs too short for the fields', () => {
    expect(() => readBatchFields(new Uint8Array(BATCH_FIELDS_BYTES - 1))).toThrow();
  });
});
