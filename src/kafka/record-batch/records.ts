import { gunzipSync } from 'node:zlib';
import { ProtocolDecodeError } from '../protocol/errors.js';
import { Reader } from '../protocol/reader.js';
import { CorruptRecordBatchError } from './errors.js';
import { readBatchHeader, verifyBatchCrc, type RecordBatchHeader } from './header.js';
import * as L from './layout.js';

export interface RecordHeader {
  readonly key: string;
  readonly value: Buffer | null;
}

export interface KafkaRecord {
  readonly offset: number;
  /** CreateTime (baseTimestamp + delta), or the batch's maxTimestamp under LogAppendTime. */
  readonly timestamp: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: readonly RecordHeader[];
}

export type DecodedBatch =
  | { readonly header: RecordBatchHeader; readonly records: KafkaRecord[] }
  | { readonly header: RecordBatchHeader; readonly records: null; readonly reason: string };

/** Smallest encoded record: length, attributes, deltas, key/value lengths, header count. */
const MIN_RECORD_BYTES = 7;
const DEFAULT_MAX_INFLATED_BYTES = 64 * 1024 * 1024;

function nullableBytes(r: Reader): Buffer | null {
  const n = r.varint();
  return n < 0 ? null : r.bytes(n);
}

function readRecord(r: Reader, header: RecordBatchHeader): KafkaRecord {
  const length = r.varint();
  if (length < 0) throw new ProtocolDecodeError(`negative record length ${length}`);
  r.need(length);
  const end = r.pos + length;
  const rec = new Reader(r.buf, r.pos, end);
  rec.int8(); // record attributes: unused in magic 2
  const timestampDelta = rec.varlong();
  const offsetDelta = rec.varint();
  const key = nullableBytes(rec);
  const value = nullableBytes(rec);
  const headerCount = rec.count(rec.varint(), 2);
  const headers: RecordHeader[] = [];
  for (let i = 0; i < headerCount; i++) headers.push({ key: rec.utf8(rec.varint()), value: nullableBytes(rec) });
  r.pos = end;
  const timestamp = header.timestampType === 'log-append-time' ? header.maxTimestamp : header.baseTimestamp + timestampDelta;
  return { offset: header.baseOffset + offsetDelta, timestamp, key, value, headers };
}

function recordsPayload(batch: Buffer, header: RecordBatchHeader, maxInflatedBytes: number): Buffer | string {
  const body = batch.subarray(L.RECORDS);
  if (header.compression === L.Compression.none) return body;
  if (header.compression === L.Compression.gzip) {
    try {
      return gunzipSync(body, { maxOutputLength: maxInflatedBytes });
    } catch (err) {
      throw new CorruptRecordBatchError('gzip record batch does not inflate', { cause: err });
    }
  }
  return `compressed with codec ${header.compression}, not decoded`;
}

/**
 * Decodes the records of one batch for tools and tests (the broker itself never needs to):
 * verifies the CRC, inflates gzip, and reports other codecs as not decoded.
 */
export function decodeBatch(batch: Buffer, maxInflatedBytes = DEFAULT_MAX_INFLATED_BYTES): DecodedBatch {
  const header = readBatchHeader(batch);
  verifyBatchCrc(batch);
  const payload = recordsPayload(batch, header, maxInflatedBytes);
  if (typeof payload === 'string') return { header, records: null, reason: payload };
  try {
    const r = new Reader(payload);
    const count = r.count(header.recordCount, MIN_RECORD_BYTES);
    const records: KafkaRecord[] = [];
    for (let i = 0; i < count; i++) records.push(readRecord(r, header));
    if (r.remaining() !== 0) throw new ProtocolDecodeError(`${r.remaining()} bytes after the last record`);
    return { header, records };
  } catch (err) {
    if (err instanceof ProtocolDecodeError) throw new CorruptRecordBatchError(`bad record: ${err.message}`, { cause: err });
    throw err;
  }
}
