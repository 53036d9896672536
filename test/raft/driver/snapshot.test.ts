import { afterEach, describe, expect, it } from 'vitest';
import { EntryType } from '../../../src/raft/core/index.js';
import { Cluster, text } from './harness.js';

async function commitMany(cluster: Cluster, leader: number, prefix: string, n: number): Promise<number> {
  const host = cluster.node(leader).host;
  const rs = Array.from({ length: n }, (_, i) => host.propose('g', text(`${prefix}${i}`), EntryType.NORMAL));
  await Promise.all(rs.map((r) => r.committed));
  return rs.at(-1)?.index ?? 0;
}

// fsync 'always': local snapshots and installed snapshots must survive restarts.
describe('RaftHost: snapshots', () => {
  let cluster: Cluster | undefined;
  afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
  });

  it("a follower far behind the leader's first index catches up by InstallSnapshot (meta-style machine)", async () => {
    cluster = await Cluster.start({
      size: 3,
      fsync: 'always',
      host: { tickMs: 20, electionTicks: 25, snapshotEveryEntries: 50, snapshotTrailingEntries: 10 },
    });
    await cluster.addGroup('g');
    cluster.node(0).host.campaign('g');
    await cluster.waitLeader('g');
    const a = await commitMany(cluster, 0, 'a', 20);
    await cluster.waitApplied('g', a, [0, 1, 2]);
    const port2 = cluster.node(2).port;
    await cluster.crash(2);
    // Frames to a down peer stay queued in the transport and would replay on reconnect: drop them,
    // so node 2 really is behind when it comes back.
    cluster.node(0).transport.setLinkFault(2, { dropProbability: 1 }, 'out');
    const b = await commitMany(cluster, 0, 'b', 300);
    await cluster.waitApplied('g', b, [0, 1]);
    await cluster.node(0).host.settled();
    const leaderLog = await cluster.node(0).wal.openLog('g');
    // The leader snapshotted and dropped the prefix: node 2's next entry is gone from its log.
    expect(cluster.node(0).host.stats.snapshotsTaken).toBeGreaterThan(0);
    expect(leaderLog.firstIndex).toBeGreaterThan(a + 1);

    const n2 = await cluster.restart(2, port2);
    cluster.node(0).transport.setLinkFault(2, undefined, 'out');
    await cluster.waitApplied('g', b, [2]);
    expect(n2.host.stats.snapshotsInstalled).toBe(1);
    expect(cluster.machine(2, 'g').restores).toBe(1);
    const expected = [...Array.from({ length: 20 }, (_, i) => `a${i}`), ...Array.from({ length: 300 }, (_, i) => `b${i}`)];
    expect(cluster.machine(2, 'g').values).toEqual(expected);
    // And it keeps replicating normally afterwards.
    const c = await commitMany(cluster, 0, 'c', 5);
    await cluster.waitApplied('g', c, [0, 1, 2]);
    expect(cluster.machine(2, 'g').values.slice(-5)).toEqual(['c0', 'c1', 'c2', 'c3', 'c4']);
  });

  it('a restarted node rebuilds its state machine from its local snapshot plus the log after it', async () => {
    cluster = await Cluster.start({
      size: 3,
      fsync: 'always',
      host: { tickMs: 20, electionTicks: 25, snapshotEveryEntries: 40, snapshotTrailingEntries: 5 },
    });
    await cluster.addGroup('g');
    cluster.node(0).host.campaign('g');
    await cluster.waitLeader('g');
    const last = await commitMany(cluster, 0, 'v', 130);
    await cluster.waitApplied('g', last, [0, 1, 2]);
    await cluster.node(1).host.settled();
    const port1 = cluster.node(1).port;
    const log1 = await cluster.node(1).wal.openLog('g');
    expect(log1.firstIndex).toBeGreaterThan(1);
    await cluster.crash(1);
    await cluster.restart(1, port1);
    const sm = cluster.machine(1, 'g');
    // Restored before the group even started: the prefix is gone, so this is the only way.
    expect(sm.restores).toBe(1);
    await cluster.waitApplied('g', last, [1]);
    expect(sm.values).toEqual(Array.from({ length: 130 }, (_, i) => `v${i}`));
  });
});
