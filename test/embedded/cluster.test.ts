import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChronik, type EmbeddedCluster } from '../../src/index.js';
import { kafkaFor, produceSeries } from './helpers.js';

/**
 * A real 3-node Raft cluster inside the test process: failover of a killed leader with an
 * idempotent producer, a network partition that strands a leader, and leadership transfer.
 */
let cluster: EmbeddedCluster;

beforeAll(async () => {
  cluster = await startChronik({ nodes: 3 });
}, 30_000);

afterAll(async () => {
  await cluster?.stop();
});

const others = (id: number): number[] => [0, 1, 2].filter((n) => n !== id);
const brokersOf = (ids: readonly number[]): string[] => ids.map((id) => cluster.brokers[id] as string);

describe('startChronik({ nodes: 3 })', () => {
  it('keeps every acknowledged message of an idempotent producer when the partition leader is killed, exactly once', async () => {
    await cluster.createTopic('kill', { partitions: 1, replicationFactor: 3 });
    const leader = cluster.leaderOf('kill', 0) as number;
    expect([0, 1, 2]).toContain(leader);
    const producer = kafkaFor(cluster.brokers, 'kill').producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    let acked = await produceSeries(producer, 'kill', 'm', 0, 200);
    await cluster.killNode(leader);
    expect(cluster.isRunning(leader)).toBe(false);
    // kafkajs retries on the survivors (NOT_LEADER / connection errors) until the new leader shows in Metadata.
    acked += await produceSeries(producer, 'kill', 'm', 200, 200);
    await producer.disconnect();
    const newLeader = cluster.leaderOf('kill', 0) as number;
    expect(newLeader).not.toBe(leader);
    const expected = Array.from({ length: acked }, (_, i) => `m-${i}`);
    expect((await cluster.records('kill', 0)).map((r) => r.value?.toString())).toEqual(expected);

    // The killed node recovers its log from disk, catches up, and can lead again with the same data.
    await cluster.restartNode(leader);
    await cluster.transferLeadership('kill', 0, leader);
    expect(cluster.leaderOf('kill', 0)).toBe(leader);
    expect((await cluster.records('kill', 0)).map((r) => r.value?.toString())).toEqual(expected);
  }, 60_000);

  it('a leader cut off in a minority loses leadership; the majority elects another and takes produce; heal() reunites them', async () => {
    await cluster.createTopic('split', { partitions: 1, replicationFactor: 3 });
    const stranded = cluster.leaderOf('split', 0) as number;
    const majority = others(stranded);
    const strandedNode = cluster.node(stranded);
    if (strandedNode === undefined) throw new Error('leader not running');
    const steppedDown = new Promise<void>((resolve) => {
      const off = strandedNode.partitions.onServing((replica, serving) => {
        if (replica.opts.topic === 'split' && !serving) {
          off();
          resolve();
        }
      });
    });
    cluster.partition([stranded], majority);
    const newLeader = await cluster.waitFor({ type: 'leader-changed', topic: 'split', partition: 0, notLeader: stranded }, { timeoutMs: 20_000, node: majority[0] as number });
    expect(majority).toContain(newLeader);
    await steppedDown; // check-quorum: the stranded leader stops serving on its own

    const producer = kafkaFor(brokersOf(majority), 'split').producer();
    await producer.connect();
    const acked = await produceSeries(producer, 'split', 's', 0, 50);
    await producer.disconnect();

    cluster.heal();
    // After healing, the stranded node learns the new leader like everyone else.
    await cluster.waitFor({ type: 'leader', topic: 'split', partition: 0, leader: newLeader }, { timeoutMs: 20_000 });
    expect((await cluster.records('split', 0)).map((r) => r.value?.toString())).toEqual(Array.from({ length: acked }, (_, i) => `s-${i}`));
  }, 60_000);

  it('transferLeadership moves a partition to the chosen node and clients follow', async () => {
    await cluster.createTopic('move', { partitions: 2, replicationFactor: 3 });
    const from = cluster.leaderOf('move', 1) as number;
    const to = others(from)[0] as number;
    await cluster.transferLeadership('move', 1, to);
    expect(cluster.leaderOf('move', 1)).toBe(to);
    const producer = kafkaFor(cluster.brokers, 'move').producer();
    await producer.connect();
    await producer.send({ topic: 'move', acks: -1, messages: [{ partition: 1, value: 'after-move' }] });
    await producer.disconnect();
    expect((await cluster.records('move', 1)).map((r) => r.value?.toString())).toEqual(['after-move']);
    await expect(cluster.transferLeadership('move', 1, 7)).rejects.toThrow(/no replica/);
  }, 30_000);

  it('a node restarted while partitioned comes back on its side of the cut, and catches up after heal()', async () => {
    await cluster.killNode(2);
    cluster.partition([2], [0, 1]);
    await cluster.restartNode(2); // returns without waiting for a quorum it cannot reach
    expect(cluster.isRunning(2)).toBe(true);
    await cluster.createTopic('while-cut', { partitions: 1, replicationFactor: 2 }); // decided by the majority
    const isolated = cluster.node(2);
    if (isolated === undefined) throw new Error('node 2 not running');
    expect(isolated.meta.image.topicIdsByName.has('while-cut')).toBe(false);
    cluster.heal();
    await cluster.waitFor({ type: 'topic-ready', topic: 'while-cut' }, { timeoutMs: 20_000, node: 2 });
    await cluster.waitFor({ type: 'brokers-registered' }, { timeoutMs: 20_000 });
  }, 60_000);

  it('reset() clears a 3-node cluster', async () => {
    const result = await cluster.reset();
    expect([...result.topics].sort()).toEqual(['kill', 'move', 'split', 'while-cut']);
    expect(await cluster.waitFor((image) => [...image.topicIdsByName.keys()].filter((n) => !n.startsWith('__')).length === 0, { timeoutMs: 5_000 })).toBe(true);
  }, 30_000);
});
