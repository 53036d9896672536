/** Type-2 entries: the Kafka record batch fields inspect shows, via src/kafka/record-batch. */
import { computeBatchCrc, decodeBatch, readBatchHeader, type KafkaRecord } from '../../src/kafka/record-batch/index.js';
import { codecName, jsonBytes, showBytes } from './format.js';

export interface BatchSummary {
  baseOffset: number;
  lastOffset: number;
  recordCount: number;
  firstTimestamp: number;
  maxTimestamp: number;
  codec: string;
  timestampType: string;
  transactional: boolean;
  control: boolean;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  partitionLeaderEpoch: number;
  crcOk: boolean;
  storedCrc: number;
  actualCrc: number;
}

export type BatchResult = { ok: true; batch: BatchSummary } | { ok: false; error: string };

function asBuffer(payload: Uint8Array): Buffer {
  return Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
}

export function summariseBatch(payload: Uint8Array): BatchResult {
  const buf = asBuffer(payload);
  try {
    const h = readBatchHeader(buf);
    const actualCrc = computeBatchCrc(buf);
    return {
      ok: true,
      batch: {
        baseOffset: h.baseOffset,
        lastOffset: h.baseOffset + h.lastOffsetDelta,
        recordCount: h.recordCount,
        firstTimestamp: h.baseTimestamp,
        maxTimestamp: h.maxTimestamp,
        codec: codecName(h.compression),
        timestampType: h.timestampType,
        transactional: h.isTransactional,
        control: h.isControl,
        producerId: h.producerId,
        producerEpoch: h.producerEpoch,
        baseSequence: h.baseSequence,
        partitionLeaderEpoch: h.partitionLeaderEpoch,
        crcOk: actualCrc === h.crc,
        storedCrc: h.crc,
        actualCrc,
      },
    };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

export type RecordsResult = { ok: true; records: KafkaRecord[] } | { ok: false; error: string };

/** Records of one batch, or why they cannot be shown (bad CRC, codec not decodable here). */
export function batchRecords(payload: Uint8Array): RecordsResult {
  try {
    const decoded = decodeBatch(asBuffer(payload));
    if (decoded.records === null) return { ok: false, error: decoded.reason };
    return { ok: true, records: decoded.records };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

export function recordText(r: KafkaRecord, maxBytes: number): string {
  const headers = r.headers.map((h) => `${JSON.stringify(h.key)}=${showBytes(h.value, maxBytes)}`).join(', ');
  return `offset=${r.offset} timestamp=${r.timestamp} key=${showBytes(r.key, maxBytes)} value=${showBytes(r.value, maxBytes)} headers=[${headers}]`;
}

export function recordJson(r: KafkaRecord, maxBytes: number): Record<string, unknown> {
  return {
    offset: r.offset,
    timestamp: r.timestamp,
    key: jsonBytes(r.key, maxBytes),
    keyBytes: r.key?.length ?? null,
    value: jsonBytes(r.value, maxBytes),
    valueBytes: r.value?.length ?? null,
    headers: r.headers.map((h) => ({ key: h.key, value: jsonBytes(h.value, maxBytes) })),
  };
}
