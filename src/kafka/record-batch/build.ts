import { gzipSync } from 'node:zlib';
import { assert } from '../../util/assert.js';
import { Writer, uvarintSize, varintSize } from '../protocol/writer.js';
import { computeBatchCrc } from './header.js';
import { writeInt64 } from './int64.js';
import * as L from './layout.js';
import type { RecordHeader } from './records.js';

export interface RecordInput {
  readonly key?: Buffer | null;
  readonly value: Buffer | null;
  readonly headers?: readonly RecordHeader[];
  /** Defaults to the batch's baseTimestamp. */
  readonly timestamp?: number;
}

export interface BuildBatchOptions {
  readonly records: readonly RecordInput[];
  readonly baseOffset?: number;
  readonly partitionLeaderEpoch?: number;
  /** Only none and gzip can be built. */
  readonly compression?: typeof L.Compression.none | typeof L.Compression.gzip;
  readonly timestampType?: L.TimestampType;
  /** Defaults to the first record's timestamp, else the current time. */
  readonly baseTimestamp?: number;
  readonly producerId?: number;
  readonly producerEpoch?: number;
  readonly baseSequence?: number;
  readonly isTransactional?: boolean;
  readonly isControl?: boolean;
}

function varlongSize(v: number): number {
  return uvarintSize(v >= 0 ? v * 2 : -v * 2 - 1);
}

function bytesSize(b: Buffer | null | undefined): number {
  return b === null || b === undefined ? varintSize(-1) : varintSize(b.length) + b.length;
}

function recordBodySize(rec: RecordInput, timestampDelta: number, offsetDelta: number): number {
  let n = 1 + varlongSize(timestampDelta) + varintSize(offsetDelta) + bytesSize(rec.key) + bytesSize(rec.value);
  const headers = rec.headers ?? [];
  n += varintSize(headers.length);
  for (const h of headers) n += bytesSize(Buffer.from(h.key, 'utf8')) + bytesSize(h.value);
  return n;
}

function writeBytes(w: Writer, b: Buffer | null | undefined): void {
  if (b === null || b === undefined) {
    w.varint(-1);
    return;
  }
  w.varint(b.length);
  w.copy(b);
}

function encodeRecords(records: readonly RecordInput[], baseTimestamp: number): Buffer {
  const sizes = records.map((r, i) => recordBodySize(r, (r.timestamp ?? baseTimestamp) - baseTimestamp, i));
  const total = sizes.reduce((sum, s) => sum + varintSize(s) + s, 0);
  const w = new Writer(total);
  records.forEach((rec, i) => {
    w.varint(sizes[i] as number);
    w.int8(0);
    w.varlong((rec.timestamp ?? baseTimestamp) - baseTimestamp);
    w.varint(i);
    writeBytes(w, rec.key);
    writeBytes(w, rec.value);
    const headers = rec.headers ?? [];
    w.varint(headers.length);
    for (const h of headers) {
      writeBytes(w, Buffer.from(h.key, 'utf8'));
      writeBytes(w, h.value);
    }
  });
  return Buffer.concat(w.finish());
}

function attributesOf(o: BuildBatchOptions): number {
  let a = o.compression ?? L.Compression.none;
  if (o.timestampType === 'log-append-time') a |= L.TIMESTAMP_TYPE_BIT;
  if (o.isTransactional === true) a |= L.TRANSACTIONAL_BIT;
  if (o.isControl === true) a |= L.CONTROL_BIT;
  return a;
}

/** Builds a magic-2 batch with a valid CRC (for tests, internal topics and control batches). */
export function buildRecordBatch(o: BuildBatchOptions): Buffer {
  assert(o.records.length > 0, 'a record batch needs at least one record');
  const baseTimestamp = o.baseTimestamp ?? o.records[0]?.timestamp ?? Date.now();
  const maxTimestamp = o.records.reduce((m, r) => Math.max(m, r.timestamp ?? baseTimestamp), baseTimestamp);
  const plain = encodeRecords(o.records, baseTimestamp);
  const body = (o.compression ?? L.Compression.none) === L.Compression.gzip ? gzipSync(plain) : plain;
  const batch = Buffer.alloc(L.HEADER_BYTES + body.length);
  writeInt64(batch, L.BASE_OFFSET, o.baseOffset ?? 0);
  batch.writeInt32BE(batch.length - L.LOG_OVERHEAD, L.BATCH_LENGTH);
  batch.writeInt32BE(o.partitionLeaderEpoch ?? -1, L.PARTITION_LEADER_EPOCH);
  batch.writeInt8(L.CURRENT_MAGIC, L.MAGIC);
  batch.writeInt16BE(attributesOf(o), L.ATTRIBUTES);
  batch.writeInt32BE(o.records.length - 1, L.LAST_OFFSET_DELTA);
  writeInt64(batch, L.BASE_TIMESTAMP, baseTimestamp);
  writeInt64(batch, L.MAX_TIMESTAMP, maxTimestamp);
  writeInt64(batch, L.PRODUCER_ID, o.producerId ?? -1);
  batch.writeInt16BE(o.producerEpoch ?? -1, L.PRODUCER_EPOCH);
  batch.writeInt32BE(o.baseSequence ?? -1, L.BASE_SEQUENCE);
  batch.writeInt32BE(o.records.length, L.RECORD_COUNT);
  body.copy(batch, L.HEADER_BYTES);
  batch.writeUInt32BE(computeBatchCrc(batch), L.CRC);
  return batch;
}
