import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChronik, type EmbeddedCluster } from '../../../src/index.js';
import { ApiKey, FetchRequestCodec, FetchResponseCodec, encodeRequestFrame, type FetchResponse } from '../../../src/kafka/protocol/index.js';
import { buildRecordBatch, decodeBatch, splitBatches } from '../../../src/kafka/record-batch/index.js';
import { kafkaRequest } from '../../helpers/kafka-request.js';
import { RawClient } from '../../kafka/server/raw-client.js';

/**
 * Catch-up Fetch reads land in recycled buffers (read-buffers.ts), given back once the response is
 * written. The danger is a buffer recycled while a socket still sends it: another reader's bytes
 * would then replace what the first client receives. Here a client's 48 MB response (three 16 MiB
 * reads; more than loopback's socket buffers take, up to 32 MB here) stalls in its socket (the
 * client stops reading after the first bytes) while a second client reads through the pool in
 * reads of the same size (16 MiB); the stalled response must still arrive byte for byte.
 */
const TOPIC = 'fetch-pooled';
const BATCHES = 56;
const RECORDS_PER_BATCH = 900;
const VALUE_BYTES = 1000;
let cluster: EmbeddedCluster;
let port: number;

beforeAll(async () => {
  cluster = await startChronik();
  port = Number(cluster.brokers[0]?.split(':')[1]);
  await cluster.createTopic(TOPIC, { partitions: 1 });
  for (let b = 0; b < BATCHES; b++) {
    const records = Array.from({ length: RECORDS_PER_BATCH }, (_, r) => ({ value: value(b * RECORDS_PER_BATCH + r) }));
    const res = await kafkaRequest(port, ApiKey.Produce, 9, { transactionalId: null, acks: -1, timeoutMs: 10_000, topicData: [{ name: TOPIC, partitionData: [{ index: 0, records: buildRecordBatch({ records }) }] }] });
    expect(res.responses[0]?.partitionResponses[0]?.errorCode).toBe(0);
  }
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
});

function value(offset: number): Buffer {
  const v = Buffer.alloc(VALUE_BYTES, offset % 251);
  v.writeUInt32BE(offset, 0);
  return v;
}

function fetchFrame(correlationId: number, fetchOffset: number, bytes: number): Buffer {
  const body = {
    ...FetchRequestCodec.defaults(),
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: bytes,
    topics: [{ topic: TOPIC, topicId: '', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: bytes, replicaDirectoryId: '' }] }],
  };
  return encodeRequestFrame({ apiKey: ApiKey.Fetch, apiVersion: 12, correlationId, clientId: 'pooled' }, FetchRequestCodec.encode(body, 12));
}

/** Checks every record of a response; returns the offset after the last. */
function verify(frame: Buffer, from: number): number {
  const res: FetchResponse = FetchResponseCodec.decode(frame.subarray(5), 12);
  const part = res.responses[0]?.partitions[0];
  expect(part?.errorCode).toBe(0);
  const records = part?.records;
  const whole = Buffer.isBuffer(records) ? records : Buffer.concat((records ?? []) as Buffer[]);
  let next = from;
  for (const batch of splitBatches(whole)) {
    for (const r of decodeBatch(batch).records ?? []) {
      expect(r.offset).toBe(next);
      expect(r.value?.equals(value(r.offset))).toBe(true);
      next = r.offset + 1;
    }
  }
  return next;
}

describe('fetch reads in recycled buffers', () => {
  it('a response stalled in its socket keeps its bytes while another client reads through the pool', async () => {
    const stalled = await RawClient.connect(port);
    const reader = await RawClient.connect(port);
    try {
      // The first bytes arrive, so the response is being written; then the client stops reading.
      const started = new Promise<void>((resolve) => stalled.socket.once('data', () => {
        stalled.socket.pause();
        resolve();
      }));
      stalled.send(fetchFrame(1, 0, 48 * 1024 * 1024));
      await started;
      // Two reads of 16 MiB from the start: were the stalled response's buffers (its last one holds
      // its bytes 32-48 MB) given back early, they would now hold the log's first 32 MB instead.
      let offset = 0;
      for (let round = 1; round <= 2; round++) {
        reader.send(fetchFrame(round, offset, 16 * 1024 * 1024));
        await reader.waitFrames(round, 20_000);
        offset = verify(reader.frames[round - 1] as Buffer, offset);
      }
      expect(offset).toBeGreaterThan(30 * RECORDS_PER_BATCH);
      stalled.socket.resume();
      await stalled.waitFrames(1, 30_000);
      expect(verify(stalled.frames[0] as Buffer, 0)).toBeGreaterThan(50 * RECORDS_PER_BATCH);
    } finally {
      stalled.destroy();
      reader.destroy();
    }
  }, 120_000);
});
