import { afterEach, describe, expect, it } from 'vitest';
import { EntryType } from '../../../src/raft/core/index.js';
import { buildRecordBatch } from '../../../src/kafka/record-batch/index.js';
import { Cluster } from './harness.js';

/** A 2-record magic-2 batch at `baseOffset`, value "b<n>". */
function batch(baseOffset: number, n: number): Uint8Array {
  return buildRecordBatch({ baseOffset, baseTimestamp: 1_700_000_000_000 + n, records: [{ value: Buffer.from(`b${n}`) }, { value: Buffer.from(`b${n}'`) }] });
}

async function produce(cluster: Cluster, from: number, count: number): Promise<number> {
  const host = cluster.node(0).host;
  const rs = Array.from({ length: count }, (_, i) => host.propose('p', batch(2 * (from + i), from + i), EntryType.KAFKA_BATCH));
  await Promise.all(rs.map((r) => r.committed));
  return rs.at(-1)?.index ?? 0;
}

// fsync 'never': this is about offsets and catch-up, not durability.
describe('RaftHost: partition groups after retention', () => {
  let cluster: Cluster | undefined;
  afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
  });

  it("a follower behind the leader's first index catches up by a snapshot carrying the Kafka next offset", async () => {
    cluster = await Cluster.start({ size: 3, fsync: 'never', host: { tickMs: 20, electionTicks: 25 } });
    await cluster.addGroup('p', [0, 1, 2], 'partition');
    cluster.node(0).host.campaign('p');
    await cluster.waitLeader('p');
    const first = await produce(cluster, 0, 30);
    await cluster.waitApplied('p', first, [0, 1, 2]);
    const port2 = cluster.node(2).port;
    await cluster.crash(2);
    cluster.node(0).transport.setLinkFault(2, { dropProbability: 1 }, 'out');
    const last = await produce(cluster, 30, 30);
    await cluster.waitApplied('p', last, [0, 1]);

    // Retention drops everything node 2 would need, on both remaining replicas.
    const cut = last - 5;
    for (const id of [0, 1]) await (await cluster.node(id).wal.openLog('p')).deletePrefix(cut);
    const leaderLog = await cluster.node(0).wal.openLog('p');
    expect(leaderLog.firstIndex).toBe(cut);
    expect(leaderLog.logStartOffset).toBeGreaterThan(0);

    const n2 = await cluster.restart(2, port2);
    cluster.node(0).transport.setLinkFault(2, undefined, 'out');
    await cluster.waitApplied('p', last, [2]);
    const log2 = await n2.wal.openLog('p');
    expect(n2.host.stats.snapshotsInstalled).toBe(1);
    // Its log now starts where the leader's does, with the same Kafka offsets.
    expect(log2.firstIndex).toBe(leaderLog.firstIndex);
    expect(log2.logStartOffset).toBe(leaderLog.logStartOffset);
    expect(log2.nextOffset).toBe(leaderLog.nextOffset);
    expect(log2.nextOffset).toBe(120);
    expect(await log2.findOffset(leaderLog.logStartOffset)).toBe(await leaderLog.findOffset(leaderLog.logStartOffset));
    // And it keeps replicating: offsets continue from 120 on every replica.
    const more = await produce(cluster, 60, 1);
    await cluster.waitApplied('p', more, [0, 1, 2]);
    expect(log2.nextOffset).toBe(122);
  });
});
