import { Kafka, logLevel, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChronik, type EmbeddedCluster } from '../../src/index.js';
import { ApiKey } from '../../src/kafka/protocol/index.js';
import { buildRecordBatch } from '../../src/kafka/record-batch/index.js';
import { kafkaRequest } from '../helpers/kafka-request.js';

/**
 * The data loss of the isolate-leader fault test (docs/faults.md, "acknowledged but never
 * written"): kafkajs rolls its producer sequence back when a send fails, also when the batch was
 * written (committed later by the next leader), and sends its next, different records under the
 * same sequence. A broker that matches retries on the sequence alone answers them as a duplicate,
 * with the first batch's offset: the client records an acknowledgement for records that are in no
 * log. Here the same steps go over raw requests to a 3-node embedded cluster, with the leadership
 * moved in between so the new leader's producer state is the one rebuilt from the committed log.
 */
const TOPIC = 'reused-seq';
const KJS_TOPIC = 'reused-seq-kafkajs';
/** Produce timeout during the cut: two attempts of it stay well below an election timeout (1-2 s). */
const COMMIT_TIMEOUT_MS = 150;
/** Bound on cut-and-send rounds (one is enough unless an election drops the failed batch). */
const MAX_ROUNDS = 5;
let cluster: EmbeddedCluster;

beforeAll(async () => {
  cluster = await startChronik({ nodes: 3 });
  await cluster.createTopic(TOPIC, { partitions: 1, replicationFactor: 3 });
  await cluster.createTopic(KJS_TOPIC, { partitions: 1, replicationFactor: 3 });
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

function portOf(node: number): number {
  return Number(cluster.brokers[node]?.split(':')[1]);
}

function leaderPort(): number {
  const leader = cluster.leaderOf(TOPIC, 0);
  expect(leader, 'partition leader').toBeDefined();
  return portOf(leader as number);
}

interface Sent {
  readonly errorCode: number;
  readonly baseOffset: number;
}

/** One idempotent batch of `values` at `baseSequence`, as a client builds it (its own timestamp). */
async function send(pid: { producerId: number; producerEpoch: number }, baseSequence: number, values: readonly string[], timestampMs: number): Promise<Sent> {
  const records = buildRecordBatch({ records: values.map((v) => ({ value: Buffer.from(v) })), baseTimestamp: timestampMs, ...pid, baseSequence });
  const res = await kafkaRequest(leaderPort(), ApiKey.Produce, 9, { transactionalId: null, acks: -1, timeoutMs: 10_000, topicData: [{ name: TOPIC, partitionData: [{ index: 0, records }] }] });
  const p = res.responses[0]?.partitionResponses[0];
  return { errorCode: p?.errorCode ?? -1, baseOffset: p?.baseOffset ?? -1 };
}

describe('idempotent producer reusing a sequence for new records', () => {
  it('writes the new records instead of answering them with the old batch offset; true retries stay duplicates', async () => {
    const init = await kafkaRequest(leaderPort(), ApiKey.InitProducerId, 4, { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
    expect(init.errorCode).toBe(0);
    const pid = { producerId: init.producerId, producerEpoch: init.producerEpoch };
    const t0 = Date.now();

    expect(await send(pid, 0, ['a0', 'a1', 'a2'], t0)).toEqual({ errorCode: 0, baseOffset: 0 });
    // The client saw that send fail (a timeout, NOT_LEADER on every retry): its sequence is back at 0.
    const before = cluster.leaderOf(TOPIC, 0) as number;
    const next = [0, 1, 2].find((n) => n !== before) as number;
    await cluster.transferLeadership(TOPIC, 0, next, { timeoutMs: 20_000 });

    expect(await send(pid, 0, ['b0', 'b1', 'b2'], t0 + 1_000), 'new records under sequence 0 are written').toEqual({ errorCode: 0, baseOffset: 3 });
    // A real retry of either batch (kafkajs stamps a new timestamp on each attempt) is a duplicate.
    expect(await send(pid, 0, ['b0', 'b1', 'b2'], t0 + 2_000), 'retry of b').toEqual({ errorCode: 0, baseOffset: 3 });
    expect(await send(pid, 0, ['a0', 'a1', 'a2'], t0 + 3_000), 'retry of a').toEqual({ errorCode: 0, baseOffset: 0 });
    expect(await send(pid, 3, ['c0', 'c1', 'c2'], t0 + 4_000), 'the next sequence follows').toEqual({ errorCode: 0, baseOffset: 6 });

    const stored = await cluster.records(TOPIC, 0);
    expect(stored.map((r) => `${r.offset}:${r.value?.toString() ?? ''}`)).toEqual(['0:a0', '1:a1', '2:a2', '3:b0', '4:b1', '5:b2', '6:c0', '7:c1', '8:c2']);
  }, 60_000);

  it('kafkajs: after a send that failed although its batch was committed, the next send is stored, at the offset it was told', async () => {
    const kafka = new Kafka({ brokers: cluster.brokers, clientId: 'reused-seq', logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, retry: { retries: 1, initialRetryTime: 10, maxRetryTime: 20 } });
    await producer.connect();
    try {
      await producer.send({ topic: KJS_TOPIC, acks: -1, messages: [{ value: 'first', partition: 0 }] });
      // A round proves something only when the failed batch was committed (the leader kept its
      // term through the cut); under heavy load an election may drop it, and the round is repeated.
      let proven = 0;
      for (let round = 0; round < MAX_ROUNDS && proven === 0; round++) {
        if (await failedSendThenNext(producer, round)) proven++;
      }
      expect(proven, `a round in which the failed send's batch was committed, within ${MAX_ROUNDS}`).toBe(1);
    } finally {
      cluster.heal();
      await producer.disconnect();
    }
  }, 90_000);
});

/**
 * The leader appends a batch but cannot commit it while cut off: both attempts get
 * REQUEST_TIMED_OUT, kafkajs gives up and rolls its sequence back. Healed well within an election
 * timeout, the leader commits the batch after all. The next send must be stored at the offset it is
 * acknowledged at. Returns whether the send failed and its batch was committed anyway.
 */
async function failedSendThenNext(producer: Producer, round: number): Promise<boolean> {
  const leader = cluster.leaderOf(KJS_TOPIC, 0) as number;
  cluster.partition([leader], [0, 1, 2].filter((n) => n !== leader));
  const failed = await producer.send({ topic: KJS_TOPIC, acks: -1, timeout: COMMIT_TIMEOUT_MS, messages: [{ value: `failed${round}`, partition: 0 }, { value: `failed${round}+`, partition: 0 }] }).then(() => false, () => true);
  cluster.heal();
  const [meta] = await producer.send({ topic: KJS_TOPIC, acks: -1, messages: [{ value: `next${round}`, partition: 0 }, { value: `next${round}+`, partition: 0 }] });
  const values = new Map((await cluster.records(KJS_TOPIC, 0)).map((r) => [r.offset, r.value?.toString()]));
  expect(values.get(Number(meta?.baseOffset)), `the record at the acknowledged offset ${meta?.baseOffset}`).toBe(`next${round}`);
  expect(values.get(Number(meta?.baseOffset) + 1)).toBe(`next${round}+`);
  // The send during the cut fails unless an election moved the partition to the majority side.
  return failed && [...values.values()].includes(`failed${round}`);
}
