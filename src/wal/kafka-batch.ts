/**
 * The three fixed fields of a magic-2 Kafka record batch the WAL indexes. Parsed here on purpose,
 * without src/kafka: the storage layer must not depend on the protocol layer.
 */
import { StorageError } from '../util/errors.js';

/** Bytes needed to reach the end of maxTimestamp (bytes 35..43). */
export const BATCH_FIELDS_BYTES = 43;
const MAGIC_AT = 16;

export interface BatchFields {
  baseOffset: number;
  lastOffset: number;
  /** Clamped to ≥ 0: the timestamp index stores unsigned keys, and -1 means "none". */
  maxTimestamp: number;
}

/**
 * Plain byte loads, no DataView and no BigInt: this runs twice per appended batch (validation, then
 * indexing), and the DataView plus two BigInts per call were garbage on the 1 KiB batch path.
 */
export function readBatchFields(data: Uint8Array): BatchFields {
  if (data.byteLength < BATCH_FIELDS_BYTES) {
    throw new StorageError(`type-2 entry of ${data.byteLength} bytes is too short for a record batch`);
  }
  if (data[MAGIC_AT] !== 2) throw new StorageError(`type-2 entry is not a magic-2 record batch`);
  const baseOffset = i64(data, 0);
  const lastOffsetDelta = u32(data, 23) | 0;
  const maxTimestamp = i64(data, 35);
  if (baseOffset < 0 || lastOffsetDelta < 0) throw new StorageError(`record batch has negative offsets`);
  return { baseOffset, lastOffset: baseOffset + lastOffsetDelta, maxTimestamp: Math.max(0, maxTimestamp) };
}

/** A big-endian int64 as a number (exact below 2^53 in magnitude, as offsets and timestamps are). */
function i64(b: Uint8Array, at: number): number {
  return (u32(b, at) | 0) * 0x1_0000_0000 + u32(b, at + 4);
}

/** Where the batch's own CRC-32C sits (bytes 17..21); it covers bytes 21 to the end of the batch. */
export const BATCH_CRC_AT = 17;
export const BATCH_CRC_FROM = 21;
const LENGTH_AT = 8;
/** baseOffset and batchLength: the bytes batchLength does not count. */
const LENGTH_OVERHEAD = 12;

/**
 * The batch's stored CRC-32C of `data[21..]`, when `data` is exactly one magic-2 record batch (its
 * batchLength field matches the entry's length, so the stored CRC covers every byte after 21);
 * undefined otherwise. Nothing is verified here: that is the produce path's job (and the Raft
 * transport's on followers), see docs/wal-format.md "Frame CRC of a Kafka batch".
 */
export function storedBatchCrc(data: Uint8Array): number | undefined {
  if (data.byteLength < BATCH_FIELDS_BYTES || data[MAGIC_AT] !== 2) return undefined;
  if (u32(data, LENGTH_AT) + LENGTH_OVERHEAD !== data.byteLength) return undefined;
  return u32(data, BATCH_CRC_AT);
}

function u32(b: Uint8Array, at: number): number {
  return (((b[at] as number) << 24) | ((b[at + 1] as number) << 16) | ((b[at + 2] as number) << 8) | (b[at + 3] as number)) >>> 0;
}
