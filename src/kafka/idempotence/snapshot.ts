import CRC32C from 'crc-32/crc32c.js';
import { ErrorCode, KafkaError } from '../../util/errors.js';
import { ProducerEntry } from './producer-entry.js';

/** A producer-state snapshot whose bytes are damaged or of an unknown version. */
export class CorruptProducerSnapshotError extends KafkaError {
  override readonly name = 'CorruptProducerSnapshotError';

  constructor(message: string) {
    super(ErrorCode.CORRUPT_MESSAGE, message);
  }
}

export const PRODUCER_SNAPSHOT_VERSION = 2;

export interface ProducerSnapshot {
  /** Offset of the last batch the state includes (-1 if none): replay resumes after it. */
  readonly lastOffset: number;
  readonly entries: readonly ProducerEntry[];
}

const HEADER = 1 + 8 + 4;
const ENTRY = 8 + 2 + 8 + 1;
const BATCH = 4 + 4 + 8 + 8 + 8;

/**
 * Layout (big-endian): version int8, lastOffset int64, count int32, then per producer: id int64,
 * epoch int16, lastTimestamp int64, batch count int8, batches (firstSeq int32, lastSeq int32,
 * firstOffset int64, lastOffset int64, recordsCrc int64: -1 when unknown); then CRC-32C (uint32) of
 * everything before it. Version 2 added recordsCrc; snapshots live in memory only, never on disk.
 */
export function encodeProducerSnapshot(snapshot: ProducerSnapshot): Buffer {
  let size = HEADER + 4;
  for (const e of snapshot.entries) size += ENTRY + BATCH * e.batches.length;
  const buf = Buffer.alloc(size);
  let pos = buf.writeInt8(PRODUCER_SNAPSHOT_VERSION, 0);
  pos = buf.writeBigInt64BE(BigInt(snapshot.lastOffset), pos);
  pos = buf.writeInt32BE(snapshot.entries.length, pos);
  for (const e of snapshot.entries) {
    pos = buf.writeBigInt64BE(BigInt(e.producerId), pos);
    pos = buf.writeInt16BE(e.producerEpoch, pos);
    pos = buf.writeBigInt64BE(BigInt(e.lastTimestampMs), pos);
    pos = buf.writeInt8(e.batches.length, pos);
    for (const b of e.batches) {
      pos = buf.writeInt32BE(b.firstSeq, pos);
      pos = buf.writeInt32BE(b.lastSeq, pos);
      pos = buf.writeBigInt64BE(BigInt(b.firstOffset), pos);
      pos = buf.writeBigInt64BE(BigInt(b.lastOffset), pos);
      pos = buf.writeBigInt64BE(BigInt(b.recordsCrc ?? -1), pos);
    }
  }
  buf.writeUInt32BE(CRC32C.buf(buf.subarray(0, pos)) >>> 0, pos);
  return buf;
}

export function decodeProducerSnapshot(bytes: Uint8Array): ProducerSnapshot {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < HEADER + 4) throw new CorruptProducerSnapshotError(`snapshot of ${buf.length} bytes is truncated`);
  const body = buf.subarray(0, buf.length - 4);
  if ((CRC32C.buf(body) >>> 0) !== buf.readUInt32BE(body.length)) throw new CorruptProducerSnapshotError('snapshot checksum mismatch');
  const version = buf.readInt8(0);
  if (version !== PRODUCER_SNAPSHOT_VERSION) throw new CorruptProducerSnapshotError(`unknown snapshot version ${version}`);
  const lastOffset = Number(buf.readBigInt64BE(1));
  const count = buf.readInt32BE(9);
  let pos = HEADER;
  const entries: ProducerEntry[] = [];
  for (let i = 0; i < count; i++) {
    need(body, pos, ENTRY);
    const entry = new ProducerEntry(Number(buf.readBigInt64BE(pos)), buf.readInt16BE(pos + 8), Number(buf.readBigInt64BE(pos + 10)));
    const batches = buf.readInt8(pos + 18);
    pos += ENTRY;
    need(body, pos, BATCH * Math.max(0, batches));
    for (let j = 0; j < batches; j++) {
      const recordsCrc = Number(buf.readBigInt64BE(pos + 24));
      entry.batches.push({
        firstSeq: buf.readInt32BE(pos),
        lastSeq: buf.readInt32BE(pos + 4),
        firstOffset: Number(buf.readBigInt64BE(pos + 8)),
        lastOffset: Number(buf.readBigInt64BE(pos + 16)),
        recordsCrc: recordsCrc < 0 ? undefined : recordsCrc,
      });
      pos += BATCH;
    }
    entries.push(entry);
  }
  if (pos !== body.length) throw new CorruptProducerSnapshotError(`${body.length - pos} trailing snapshot bytes`);
  return { lastOffset, entries };
}

function need(body: Buffer, pos: number, n: number): void {
  if (pos + n > body.length) throw new CorruptProducerSnapshotError('snapshot truncated inside an entry');
}
