import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChronik, type EmbeddedCluster } from '../../../src/index.js';
import { ApiKey, type FetchResponse } from '../../../src/kafka/protocol/index.js';
import { buildRecordBatch, decodeBatch, splitBatches } from '../../../src/kafka/record-batch/index.js';
import { kafkaRequest } from '../../helpers/kafka-request.js';

/**
 * Fetch over several partitions on one embedded node (real WAL on disk, raw Kafka requests): the
 * partitions are read a window at a time, concurrently, within max_bytes, and a reader that
 * continues where its last fetch ended (served from a remembered position, no index seek) gets
 * every record exactly once, in order.
 */
const TOPIC = 'fetch-read';
const PARTITIONS = 4;
const BATCHES = 6;
const RECORDS_PER_BATCH = 20;
const VALUE_BYTES = 500;
let cluster: EmbeddedCluster;
let port: number;

beforeAll(async () => {
  cluster = await startChronik();
  port = Number(cluster.brokers[0]?.split(':')[1]);
  await cluster.createTopic(TOPIC, { partitions: PARTITIONS });
  for (let b = 0; b < BATCHES; b++) {
    const partitionData = Array.from({ length: PARTITIONS }, (_, p) => ({
      index: p,
      records: buildRecordBatch({ records: Array.from({ length: RECORDS_PER_BATCH }, (_, r) => ({ value: value(p, b * RECORDS_PER_BATCH + r) })) }),
    }));
    const res = await kafkaRequest(port, ApiKey.Produce, 9, { transactionalId: null, acks: -1, timeoutMs: 10_000, topicData: [{ name: TOPIC, partitionData }] });
    expect(res.responses[0]?.partitionResponses.map((r) => r.errorCode)).toEqual(Array(PARTITIONS).fill(0));
  }
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

function value(partition: number, n: number): Buffer {
  const v = Buffer.alloc(VALUE_BYTES, 0x61 + partition);
  v.writeUInt32BE(n, 0);
  return v;
}

async function fetch(offsets: number[], maxBytes: number, partitionMaxBytes: number): Promise<FetchResponse> {
  return kafkaRequest(port, ApiKey.Fetch, 12, {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes,
    topics: [{ topic: TOPIC, topicId: '', partitions: offsets.map((fetchOffset, partition) => ({ partition, currentLeaderEpoch: -1, fetchOffset, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes, replicaDirectoryId: '' })) }],
  });
}

function batchesOf(records: unknown): Buffer[] {
  if (records === null || records === undefined) return [];
  const whole = Buffer.isBuffer(records) ? records : Buffer.concat(records as Buffer[]);
  return whole.length === 0 ? [] : splitBatches(whole);
}

describe('fetch over several partitions', () => {
  it('stays within max_bytes (plus at most one batch), serving partitions in request order', async () => {
    const batchBytes = batchesOf((await fetch([0, 0, 0, 0], 1, 1)).responses[0]?.partitions[0]?.records)[0]?.length ?? 0;
    expect(batchBytes).toBeGreaterThan(RECORDS_PER_BATCH * VALUE_BYTES);
    // Room for 2.5 batches in all, 2 per partition: partition 0 fills its limit, partition 1 gets
    // what is left (half a batch: a partition with room returns at least one batch, so a batch
    // larger than a limit never stalls it), the rest nothing (their watermarks still come back).
    const res = await fetch([0, 0, 0, 0], Math.floor(batchBytes * 2.5), batchBytes * 2);
    const parts = res.responses[0]?.partitions ?? [];
    expect(parts.map((p) => p.errorCode)).toEqual([0, 0, 0, 0]);
    expect(parts.map((p) => p.highWatermark)).toEqual(Array(PARTITIONS).fill(BATCHES * RECORDS_PER_BATCH));
    expect(parts.map((p) => batchesOf(p.records).length)).toEqual([2, 1, 0, 0]);
    // Nothing read yet in a window: its first partition still returns one batch over a tiny limit.
    const tiny = await fetch([0, 0, 0, 0], 10, 10);
    expect(tiny.responses[0]?.partitions.map((p) => batchesOf(p.records).length)).toEqual([1, 0, 0, 0]);
  }, 30_000);

  it('a reader continuing where it stopped gets every record once, in order, on every partition', async () => {
    const offsets = Array(PARTITIONS).fill(0) as number[];
    const seen: number[][] = Array.from({ length: PARTITIONS }, () => []);
    for (let round = 0; round < 100 && offsets.some((o) => o < BATCHES * RECORDS_PER_BATCH); round++) {
      const res = await fetch(offsets, 64 * 1024, 15_000);
      for (const part of res.responses[0]?.partitions ?? []) {
        expect(part.errorCode).toBe(0);
        for (const batch of batchesOf(part.records)) {
          for (const r of decodeBatch(batch).records ?? []) {
            if (r.value === null) throw new Error('null value');
            expect(r.offset).toBe(offsets[part.partitionIndex]);
            seen[part.partitionIndex]?.push(r.value.readUInt32BE(0));
            expect(r.value[4]).toBe(0x61 + part.partitionIndex);
            offsets[part.partitionIndex] = r.offset + 1;
          }
        }
      }
    }
    const all = Array.from({ length: BATCHES * RECORDS_PER_BATCH }, (_, i) => i);
    expect(seen).toEqual(Array.from({ length: PARTITIONS }, () => all));
    // Re-reading from the middle (no remembered position there) agrees with the sequential read.
    const mid = await fetch([37, 0, 0, 0], 1, 1);
    const first = decodeBatch(batchesOf(mid.responses[0]?.partitions[0]?.records)[0] as Buffer).records ?? [];
    expect(first.some((r) => r.offset === 37 && r.value !== null && r.value.readUInt32BE(0) === 37)).toBe(true);
  }, 30_000);
});
