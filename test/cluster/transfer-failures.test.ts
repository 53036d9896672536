/**
 * The metadata-first transfer's failure table, on a real 3-node cluster in this process: a target
 * that never receives TimeoutNow (every frame from the old leader to it is dropped) makes the old
 * leader re-aim at the other follower, which takes over and settles the provisional metadata; and
 * a LeaderTransferred that commits with nobody waiting for it (its proposal timed out) is finished.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChronik, type EmbeddedCluster } from '../../src/index.js';
import { topicByName, type MetadataImage } from '../../src/state/index.js';

let cluster: EmbeddedCluster;

beforeAll(async () => {
  cluster = await startChronik({ nodes: 3, storage: 'memory' });
}, 30_000);

afterAll(async () => {
  await cluster?.stop();
});

function partition0(image: MetadataImage, topic: string): { leader: number; leaderEpoch: number; transferredFrom: number } | undefined {
  return topicByName(image, topic)?.partitions[0];
}

describe('leadership transfer failures', () => {
  it('a target that never campaigns: the old leader re-aims at another follower, which settles the metadata', async () => {
    const topic = 'reaim';
    await cluster.createTopic(topic, { partitions: 1, replicationFactor: 3 });
    const old = cluster.leaderOf(topic, 0) as number;
    const node = cluster.node(old);
    if (node === undefined) throw new Error('no leader node');
    const metaLeader = node.meta.leader();
    // The unreachable target must not be the `__meta` leader: the old leader still has to commit.
    const [unreachable, other] = [0, 1, 2].filter((id) => id !== old).sort((a, b) => (a === metaLeader ? 1 : b === metaLeader ? -1 : 0)) as [number, number];
    const replica = node.partitions.replica(topic, 0);
    const epoch = replica?.serving?.epoch ?? -1;
    expect(epoch).toBeGreaterThan(0);
    await cluster.waitFor((img) => partition0(img, topic)?.leaderEpoch === epoch || undefined, { timeoutMs: 10_000 });

    node.transport.setLinkFault(unreachable, { dropProbability: 1 }, 'out');
    try {
      await replica?.transferLeadershipTo(unreachable, 30_000);
    } finally {
      node.transport.setLinkFault(unreachable, undefined, 'out');
    }
    // The other follower won the next term and confirmed it; every node agrees.
    const settled = await cluster.waitFor(
      (img) => {
        const p = partition0(img, topic);
        return p !== undefined && p.transferredFrom === -1 && p.leader !== old ? p : undefined;
      },
      { timeoutMs: 20_000 },
    );
    expect(settled).toMatchObject({ leader: other, leaderEpoch: epoch + 1, transferredFrom: -1 });
    expect(cluster.node(other)?.partitions.replica(topic, 0)?.serving?.epoch).toBe(epoch + 1);
    expect(node.partitions.replica(topic, 0)?.serving).toBeUndefined();
  }, 90_000);

  it('a LeaderTransferred that commits after its proposal was reported failed is finished, not left dangling', async () => {
    const topic = 'adopt';
    await cluster.createTopic(topic, { partitions: 1, replicationFactor: 3 });
    const old = cluster.leaderOf(topic, 0) as number;
    const node = cluster.node(old);
    const replica = node?.partitions.replica(topic, 0);
    if (node === undefined || replica === undefined) throw new Error('no leader replica');
    const epoch = replica.serving?.epoch ?? -1;
    const topicId = replica.opts.topicId;
    await cluster.waitFor((img) => partition0(img, topic)?.leaderEpoch === epoch || undefined, { timeoutMs: 10_000 });
    const to = [0, 1, 2].find((id) => id !== old) as number;
    // What a timed-out transfer proposal looks like once it commits anyway: nobody on the old
    // leader is waiting for it.
    await node.meta.propose([{ type: 'LeaderTransferred', v: 1, topicId, partition: 0, fromLeaderId: old, fromEpoch: epoch, toLeaderId: to }], 10_000);
    const settled = await cluster.waitFor(
      (img) => {
        const p = partition0(img, topic);
        return p !== undefined && p.transferredFrom === -1 && p.leaderEpoch > epoch ? p : undefined;
      },
      { timeoutMs: 30_000 },
    );
    expect(settled).toMatchObject({ leader: to, leaderEpoch: epoch + 1 });
    expect(replica.serving).toBeUndefined();
    expect(cluster.node(to)?.partitions.replica(topic, 0)?.serving?.epoch).toBe(epoch + 1);
  }, 60_000);
});
