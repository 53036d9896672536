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

export function readBatchFields(data: Uint8Array): BatchFields {
  if (data.byteLength < BATCH_FIELDS_BYTES) {
    throw new StorageError(`type-2 entry of ${data.byteLength} bytes is too short for a record batch`);
  }
  const view = new DataView(data.buffer, data.byteOffset, BATCH_FIELDS_BYTES);
  if (view.getInt8(MAGIC_AT) !== 2) throw new StorageError(`type-2 entry is not a magic-2 record batch`);
  const baseOffset = Number(view.getBigInt64(0));
  const lastOffsetDelta = view.getInt32(23);
  const maxTimestamp = Number(view.getBigInt64(35));
  if (baseOffset < 0 || lastOffsetDelta < 0) throw new StorageError(`record batch has negative offsets`);
  return { baseOffset, lastOffset: baseOffset + lastOffsetDelta, maxTimestamp: Math.max(0, maxTimestamp) };
}
