import { afterEach, describe, expect, it } from 'vitest';
import { EntryType } from '../../../src/raft/core/index.js';
import { ProposalLostError, RaftClosedError, RaftTimeoutError } from '../../../src/raft/driver/index.js';
import { NotLeaderError } from '../../../src/util/errors.js';
import { Cluster, text } from './harness.js';

function isolate(cluster: Cluster, id: number, on: boolean): void {
  const fault = on ? { dropProbability: 1 } : undefined;
  for (const n of cluster.nodes.values()) {
    if (n.id === id) continue;
    for (const dir of ['in', 'out'] as const) {
      cluster.node(id).transport.setLinkFault(n.id, fault, dir);
      n.transport.setLinkFault(id, fault, dir);
    }
  }
}

// fsync 'never' throughout: these are about leadership and waits, not durability.
describe('RaftHost: transfer, read barriers and lost proposals', () => {
  let cluster: Cluster | undefined;
  afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
  });

  it('transferLeadership moves the leader and resolves when it has', async () => {
    cluster = await Cluster.start({ size: 3, fsync: 'never', host: { tickMs: 20, electionTicks: 25 } });
    await cluster.addGroup('g');
    cluster.node(0).host.campaign('g');
    expect(await cluster.waitLeader('g')).toBe(0);
    await cluster.node(0).host.transferLeadership('g', 2, 5000);
    expect(cluster.node(2).host.status('g').role).toBe('leader');
    expect(await cluster.waitLeader('g')).toBe(2);
    // Only the leader can hand over.
    await expect(cluster.node(0).host.transferLeadership('g', 1, 1000)).rejects.toBeInstanceOf(NotLeaderError);
    // A transfer to an unreachable node times out (bounded).
    isolate(cluster, 1, true);
    await expect(cluster.node(2).host.transferLeadership('g', 1, 300)).rejects.toBeInstanceOf(RaftTimeoutError);
  });

  it('readIndex is a linearizable barrier on leader and followers, and is bounded', async () => {
    cluster = await Cluster.start({ size: 3, fsync: 'never', host: { tickMs: 20, electionTicks: 25 } });
    await cluster.addGroup('g');
    cluster.node(0).host.campaign('g');
    await cluster.waitLeader('g');
    const r = cluster.node(0).host.propose('g', text('written'), EntryType.NORMAL);
    await r.committed;
    for (const id of [0, 1, 2]) {
      const index = await cluster.node(id).host.readIndex('g', 5000);
      expect(index).toBeGreaterThanOrEqual(r.index);
      // Resolved only once applied here: the write is visible.
      expect(cluster.machine(id, 'g').values).toContain('written');
    }
    isolate(cluster, 2, true);
    await expect(cluster.node(2).host.readIndex('g', 200)).rejects.toBeInstanceOf(RaftTimeoutError);
  });

  it('a deposed leader fails its proposals once another term takes their index', async () => {
    cluster = await Cluster.start({ size: 3, fsync: 'never', host: { tickMs: 20, electionTicks: 25, lostProposalTicks: 1_000_000 } });
    await cluster.addGroup('g');
    cluster.node(0).host.campaign('g');
    await cluster.waitLeader('g');
    await cluster.node(0).host.propose('g', text('before'), EntryType.NORMAL).committed;
    isolate(cluster, 0, true);
    const doomed = cluster.node(0).host.propose('g', text('doomed'), EntryType.NORMAL);
    const outcome = doomed.committed.then(
      () => 'committed',
      (err: unknown) => err,
    );
    // The other two elect a leader of a new term and commit over the doomed entry's index.
    await cluster.signal.until(() => [1, 2].some((id) => cluster?.node(id).host.status('g').role === 'leader'), 10_000, 'new leader');
    const next = [1, 2].find((id) => cluster?.node(id).host.status('g').role === 'leader') as number;
    const winner = cluster.node(next).host.propose('g', text('winner'), EntryType.NORMAL);
    await winner.committed;
    isolate(cluster, 0, false);
    const err = await outcome;
    expect(err).toBeInstanceOf(ProposalLostError);
    expect((err as ProposalLostError).ambiguous).toBe(false);
    await cluster.waitApplied('g', winner.index, [0, 1, 2]);
    for (const id of [0, 1, 2]) expect(cluster.machine(id, 'g').values).toEqual(['before', 'winner']);
  });

  it('a leader cut off for good fails its proposals as ambiguous after the bound, never hangs', async () => {
    cluster = await Cluster.start({ size: 3, fsync: 'never', host: { tickMs: 20, electionTicks: 25, lostProposalTicks: 10 } });
    await cluster.addGroup('g');
    cluster.node(0).host.campaign('g');
    await cluster.waitLeader('g');
    isolate(cluster, 0, true);
    const p = cluster.node(0).host.propose('g', text('lost'), EntryType.NORMAL);
    // Check-quorum deposes it within an election timeout, then the bound runs out.
    const err = await p.committed.then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(ProposalLostError);
    expect((err as ProposalLostError).ambiguous).toBe(true);
    // Its own copy was durable, though (acks=1 would have succeeded).
    await p.durable;
  });

  it('close() fails pending proposals and reads with RaftClosedError', async () => {
    cluster = await Cluster.start({ size: 3, fsync: 'never', host: { tickMs: 0, electionTicks: 1_000_000 } });
    await cluster.addGroup('g');
    cluster.node(0).host.campaign('g');
    await cluster.waitLeader('g');
    isolate(cluster, 0, true);
    const p = cluster.node(0).host.propose('g', text('x'), EntryType.NORMAL);
    const read = cluster.node(0).host.readIndex('g', 60_000);
    await cluster.node(0).host.close();
    await expect(p.committed).rejects.toBeInstanceOf(RaftClosedError);
    await expect(read).rejects.toBeInstanceOf(RaftClosedError);
    expect(() => cluster?.node(0).host.propose('g', text('y'), EntryType.NORMAL)).toThrow(RaftClosedError);
  });
});
