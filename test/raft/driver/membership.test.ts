import { afterEach, describe, expect, it } from 'vitest';
import { ConfChangeType, EntryType } from '../../../src/raft/core/index.js';
import { Cluster, text } from './harness.js';

// fsync 'always': the membership must survive a restart.
describe('RaftHost: membership changes', () => {
  let cluster: Cluster | undefined;
  afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
  });

  it('adds a learner that joins empty, promotes it, removes a voter; the membership survives a restart', async () => {
    cluster = await Cluster.start({ size: 4, fsync: 'always', host: { tickMs: 20, electionTicks: 25 } });
    await cluster.addGroup('g', [0, 1, 2]);
    cluster.node(0).host.campaign('g');
    await cluster.waitLeader('g');
    const leader = cluster.node(0).host;
    for (let i = 0; i < 10; i++) leader.propose('g', text(`v${i}`), EntryType.NORMAL);
    await leader.propose('g', text('v10'), EntryType.NORMAL).committed;

    // Node 3 starts with no membership: the log's configuration entries teach it.
    await cluster.openGroupOn(cluster.node(3), 'g', []);
    const learner = leader.proposeConfChange('g', { type: ConfChangeType.ADD_LEARNER, nodeId: 3 });
    await learner.committed;
    await cluster.waitApplied('g', learner.index, [3]);
    expect(cluster.machine(3, 'g').values).toEqual(Array.from({ length: 11 }, (_, i) => `v${i}`));
    expect(cluster.node(3).host.status('g').members).toEqual({ voters: [0, 1, 2], learners: [3] });

    await leader.proposeConfChange('g', { type: ConfChangeType.ADD_VOTER, nodeId: 3 }).committed;
    const removed = leader.proposeConfChange('g', { type: ConfChangeType.REMOVE_NODE, nodeId: 1 });
    await removed.committed;
    expect(leader.status('g').members).toEqual({ voters: [0, 2, 3], learners: [] });
    await cluster.waitApplied('g', removed.index, [2, 3]);
    expect(cluster.machine(2, 'g').members).toEqual({ voters: [0, 2, 3], learners: [] });

    // Node 3 restarts (again passing no membership): it comes back a voter, from its own files.
    const port3 = cluster.node(3).port;
    await cluster.crash(3);
    const n3 = await cluster.restart(3, port3, false);
    await cluster.openGroupOn(n3, 'g', []);
    expect(n3.host.status('g').members).toEqual({ voters: [0, 2, 3], learners: [] });
    // With node 1 gone, 2 and 3 are a majority of {0, 2, 3}: they elect a leader without 0.
    await cluster.crash(0);
    await cluster.signal.until(() => [2, 3].some((id) => cluster?.node(id).host.status('g').role === 'leader'), 10_000, 'a leader among 2 and 3');
    const next = [2, 3].find((id) => cluster?.node(id).host.status('g').role === 'leader') as number;
    const after = cluster.node(next).host.propose('g', text('after'), EntryType.NORMAL);
    await after.committed;
    await cluster.waitApplied('g', after.index, [2, 3]);
    expect(cluster.machine(3, 'g').values.at(-1)).toBe('after');
  });
});
