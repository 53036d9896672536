import { afterEach, describe, expect, it } from 'vitest';
import { EntryType } from '../../../src/raft/core/index.js';
import type { Cluster as ClusterType } from './harness.js';
import { Cluster, text } from './harness.js';

async function logOf(cluster: ClusterType, id: number, groupId: string, upTo: number): Promise<string[]> {
  const log = await cluster.node(id).wal.openLog(groupId);
  return log.readSync(log.firstIndex, upTo + 1, Number.MAX_SAFE_INTEGER).map((e) => `${e.index}/${e.term}/${e.type}/${Buffer.from(e.data).toString()}`);
}

async function proposeMany(cluster: ClusterType, leader: number, prefix: string, n: number): Promise<number> {
  const host = cluster.node(leader).host;
  const rs = Array.from({ length: n }, (_, i) => host.propose('g', text(`${prefix}${i}`), EntryType.NORMAL));
  await Promise.all(rs.map((r) => r.committed));
  return rs.at(-1)?.index ?? 0;
}

// fsync 'always': a restarted node must come back with exactly what it acknowledged.
describe('RaftHost: crash, failover and restart', () => {
  let cluster: ClusterType | undefined;
  afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
  });

  it('the other two elect a new leader and keep committing; the restarted node catches up from its WAL', async () => {
    cluster = await Cluster.start({ size: 3, fsync: 'always', host: { tickMs: 20, electionTicks: 25 } });
    await cluster.addGroup('g');
    cluster.node(0).host.campaign('g');
    expect(await cluster.waitLeader('g')).toBe(0);
    const first = await proposeMany(cluster, 0, 'a', 50);
    await cluster.waitApplied('g', first, [0, 1, 2]);
    const port0 = cluster.node(0).port;
    const hs0 = (await cluster.node(0).wal.openLog('g')).hardState;
    await cluster.crash(0);

    const next = await cluster.waitLeader('g', 10_000);
    expect(next).not.toBe(0);
    const second = await proposeMany(cluster, next, 'b', 50);
    await cluster.waitApplied('g', second, [1, 2]);

    const restarted = await cluster.restart(0, port0);
    // The restarted node's Raft state comes from its WAL: at least its old term and commit.
    const st = restarted.host.status('g');
    expect(st.term).toBeGreaterThanOrEqual(hs0.term);
    expect(st.lastIndex).toBeGreaterThanOrEqual(first);
    await cluster.waitApplied('g', second, [0, 1, 2]);
    const expected = [...Array.from({ length: 50 }, (_, i) => `a${i}`), ...Array.from({ length: 50 }, (_, i) => `b${i}`)];
    for (const id of [0, 1, 2]) expect(cluster.machine(id, 'g').values).toEqual(expected);
    const logs = await Promise.all([0, 1, 2].map((id) => logOf(cluster as ClusterType, id, 'g', second)));
    expect(logs[0]).toEqual(logs[1]);
    expect(logs[1]).toEqual(logs[2]);
    expect(logs[0]).toHaveLength(second);
  });

  it('a node restarted alone recovers hard state, log and applied index from its WAL', async () => {
    cluster = await Cluster.start({ size: 3, fsync: 'always', host: { tickMs: 0, electionTicks: 1_000_000 } });
    await cluster.addGroup('g');
    cluster.node(1).host.campaign('g');
    await cluster.waitLeader('g');
    const last = await proposeMany(cluster, 1, 'x', 20);
    await cluster.waitApplied('g', last, [0, 1, 2]);
    const before = cluster.node(2).host.status('g');
    const port = cluster.node(2).port;
    await cluster.crash(2);
    const n = await cluster.restart(2, port);
    const after = n.host.status('g');
    expect(after.term).toBe(before.term);
    expect(after.lastIndex).toBe(before.lastIndex);
    // A fresh in-memory machine replays the committed log from the WAL (the commit is in the hard state).
    expect(after.commit).toBeGreaterThanOrEqual(last - 1);
    await cluster.waitApplied('g', last, [2]);
    expect(cluster.machine(2, 'g').values).toEqual(Array.from({ length: 20 }, (_, i) => `x${i}`));
  });
});
