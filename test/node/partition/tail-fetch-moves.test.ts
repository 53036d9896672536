import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChronik, type EmbeddedCluster } from '../../../src/index.js';
import { ApiKey, type FetchResponse } from '../../../src/kafka/protocol/index.js';
import { buildRecordBatch, decodeBatch, splitBatches } from '../../../src/kafka/record-batch/index.js';
import type { ChronikNode } from '../../../src/node/node.js';
import { kafkaRequest } from '../../helpers/kafka-request.js';

/**
 * The in-memory tail across leadership moves (3 nodes, RF 3): a reader that long-polls at the tail
 * of whichever node leads gets every record exactly once and in order while leadership moves
 * around all three nodes, each leader serving the tail from its own ring, and a node that stops
 * leading drops its ring (a ring that outlived its term could serve a stale tail).
 */
const TOPIC = 'tail-moves';
const ROUNDS = 4;
const BATCHES_PER_ROUND = 5;
let cluster: EmbeddedCluster;

beforeAll(async () => {
  cluster = await startChronik({ nodes: 3 });
  await cluster.createTopic(TOPIC, { partitions: 1, replicationFactor: 3 });
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

function node(id: number): ChronikNode {
  const n = cluster.node(id);
  if (n === undefined) throw new Error(`node ${id} is not running`);
  return n;
}

/** Resolves once `id` serves the partition as leader (its serving event, bounded). */
function serving(id: number, timeoutMs: number): Promise<void> {
  const partitions = node(id).partitions;
  if (partitions.replica(TOPIC, 0)?.serving !== undefined) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`node ${id} did not serve ${TOPIC}-0 within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = partitions.onServing((replica, on) => {
      if (!on || replica.opts.topic !== TOPIC) return;
      clearTimeout(timer);
      off();
      resolve();
    });
  });
}

function produce(id: number, values: string[]): Promise<{ responses: Array<{ partitionResponses: Array<{ errorCode: number }> }> }> {
  const records = buildRecordBatch({ records: values.map((v) => ({ value: Buffer.from(v) })) });
  return kafkaRequest(node(id).kafkaAddress.port, ApiKey.Produce, 9, { transactionalId: null, acks: -1, timeoutMs: 10_000, topicData: [{ name: TOPIC, partitionData: [{ index: 0, records }] }] });
}

function fetch(id: number, fetchOffset: number, maxWaitMs: number): Promise<FetchResponse> {
  return kafkaRequest(node(id).kafkaAddress.port, ApiKey.Fetch, 12, {
    replicaId: -1,
    maxWaitMs,
    minBytes: 1,
    maxBytes: 1 << 20,
    topics: [{ topic: TOPIC, topicId: '', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1 << 20, replicaDirectoryId: '' }] }],
  }, 20_000);
}

/** The records of a response as [offset, value] pairs, starting at the batch holding `from`. */
function records(res: FetchResponse, from: number): Array<[number, string]> {
  const part = res.responses[0]?.partitions[0];
  expect(part?.errorCode).toBe(0);
  const raw = part?.records;
  const whole = raw === null || raw === undefined ? Buffer.alloc(0) : Buffer.isBuffer(raw) ? raw : Buffer.concat(raw as Buffer[]);
  const all = whole.length === 0 ? [] : splitBatches(whole).flatMap((b) => (decodeBatch(b).records ?? []).map((r): [number, string] => [r.offset, r.value?.toString() ?? '']));
  return all.filter(([offset]) => offset >= from);
}

describe('tail reads while leadership moves', () => {
  it('a tail reader on the current leader gets every record once, in order; old leaders drop their ring', async () => {
    const seen: Array<[number, string]> = [];
    const expected: string[] = [];
    let leader = cluster.leaderOf(TOPIC, 0) as number;
    for (let round = 0; round < ROUNDS; round++) {
      await serving(leader, 10_000);
      for (let b = 0; b < BATCHES_PER_ROUND; b++) {
        // Park a long-poll at the tail first, so the batch is served from the ring it lands in.
        const polling = fetch(leader, seen.length, 10_000);
        const values = [`r${round}-b${b}-x`, `r${round}-b${b}-y`];
        expected.push(...values);
        const res = await produce(leader, values);
        expect(res.responses[0]?.partitionResponses[0]?.errorCode).toBe(0);
        for (let reads = 0; seen.length < expected.length && reads < 10; reads++) {
          const got = records(reads === 0 ? await polling : await fetch(leader, seen.length, 10_000), seen.length);
          seen.push(...got);
        }
      }
      expect(node(leader).partitions.replica(TOPIC, 0)?.recent.keeping).toBe(true);
      const next = (leader + 1) % 3;
      await cluster.transferLeadership(TOPIC, 0, next);
      expect(node(leader).partitions.replica(TOPIC, 0)?.recent.size).toBe(0);
      leader = next;
    }
    expect(seen.map(([offset]) => offset)).toEqual(expected.map((_, i) => i));
    expect(seen.map(([, value]) => value)).toEqual(expected);
  }, 90_000);
});
