import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../../src/raft/core/memory-storage.js';
import { MessageType, Role } from '../../../src/raft/core/types.js';
import { Cluster, text } from './harness.js';

describe('raft core: election', () => {
  it('a single voter elects itself at once on campaign() and commits its no-op and proposals', () => {
    const c = new Cluster([1]);
    c.node(1).node.campaign();
    c.settle();
    expect(c.leaders()).toEqual([1]);
    const idx = c.propose(1, 'a');
    c.settle();
    expect(idx).toBe(2);
    expect(c.node(1).node.status().commit).toBe(2);
    expect(c.node(1).applied.map(text)).toEqual(['', 'a']);
  });

  it('campaign() on a designated node of a new 3-node group elects it without waiting', () => {
    const c = new Cluster([1, 2, 3]);
    c.node(2).node.campaign();
    c.settle();
    expect(c.leaders()).toEqual([2]);
    expect(c.node(2).node.status().term).toBe(1);
    // The no-op of term 1 is committed and applied everywhere after one heartbeat round.
    c.tick(2);
    c.settle();
    for (const n of c.nodes.values()) expect(n.node.status().commit).toBe(1);
  });

  it('elects exactly one leader by timeouts (with pre-vote) and replicates proposals', () => {
    const c = new Cluster([1, 2, 3], { seed: 7 });
    c.tickAll(30);
    expect(c.leaders()).toHaveLength(1);
    const leader = c.leaders()[0] ?? 0;
    // Pre-vote happens first: PRE_VOTE messages precede VOTE messages.
    const first = c.delivered.findIndex((m) => m.type === MessageType.PRE_VOTE);
    const vote = c.delivered.findIndex((m) => m.type === MessageType.VOTE);
    expect(first).toBeGreaterThanOrEqual(0);
    expect(vote).toBeGreaterThan(first);
    c.propose(leader, 'x');
    c.propose(leader, 'y');
    c.settle();
    c.tickAll(1);
    for (const n of c.nodes.values()) expect(n.applied.map(text).slice(-2)).toEqual(['x', 'y']);
  });

  it('a follower rejects proposals with NotLeaderError naming the leader', () => {
    const c = new Cluster([1, 2, 3]);
    c.node(1).node.campaign();
    c.settle();
    expect(() => c.propose(2, 'z')).toThrowError(expect.objectContaining({ name: 'NotLeaderError', leaderId: 1 }) as Error);
  });

  it('pre-vote: an isolated follower does not bump its term, and rejoining does not disrupt the leader', () => {
    const c = new Cluster([1, 2, 3]);
    c.node(1).node.campaign();
    c.settle();
    const term = c.node(1).node.status().term;
    c.isolate(3);
    for (let i = 0; i < 100; i++) {
      c.tickAll(1);
    }
    expect(c.node(3).node.status().term).toBe(term);
    expect([Role.FOLLOWER, Role.PRE_CANDIDATE]).toContain(c.node(3).role);
    c.heal();
    c.tickAll(5);
    expect(c.leaders()).toEqual([1]);
    expect(c.node(1).node.status().term).toBe(term);
    expect(c.node(3).node.status().leaderId).toBe(1);
  });

  it('without pre-vote an isolated node bumps its term (control for the test above)', () => {
    const c = new Cluster([1, 2, 3], { extra: { preVote: false } });
    c.node(1).node.campaign();
    c.settle();
    c.isolate(3);
    c.tickAll(60);
    expect(c.node(3).node.status().term).toBeGreaterThan(2);
  });

  it('check-quorum: a leader cut off from the majority steps down within an election timeout', () => {
    const c = new Cluster([1, 2, 3]);
    c.node(1).node.campaign();
    c.settle();
    c.isolate(1);
    for (let i = 0; i < 25 && c.node(1).role === Role.LEADER; i++) c.tick(1);
    expect(c.node(1).role).toBe(Role.FOLLOWER);
    c.tickAll(40);
    const leaders = c.leaders();
    expect(leaders).toHaveLength(1);
    expect(leaders[0]).not.toBe(1);
  });

  it('a stale leader learns the new term and steps down; its uncommitted proposal is overwritten', () => {
    const c = new Cluster([1, 2, 3], { extra: { checkQuorum: false } });
    c.node(1).node.campaign();
    c.settle();
    c.isolate(1);
    c.node(2).node.campaign();
    c.settle();
    expect(c.node(2).role).toBe(Role.LEADER);
    expect(c.node(1).role).toBe(Role.LEADER); // stale, does not know yet
    c.propose(1, 'lost');
    c.propose(2, 'kept');
    c.settle();
    c.heal();
    c.tickAll(3);
    expect(c.leaders()).toEqual([2]);
    for (const n of c.nodes.values()) {
      expect(n.applied.map(text)).not.toContain('lost');
      expect(n.applied.map(text)).toContain('kept');
    }
  });

  it('restarts from storage with its term and vote and does not vote twice in a term', () => {
    const s = new MemoryStorage({ voters: [1, 2, 3], learners: [] });
    s.setHardState({ term: 5, vote: 2, commit: 0 });
    const c = new Cluster([1, 2, 3], {}, new Map([[1, s]]));
    expect(c.node(1).node.status().term).toBe(5);
    expect(c.node(1).node.status().vote).toBe(2);
  });

  it('an idle cluster produces no Ready on followers between heartbeats', () => {
    const c = new Cluster([1, 2, 3], { heartbeatTick: 3 });
    c.node(1).node.campaign();
    c.settle();
    c.tickAll(3);
    c.node(2).node.tick();
    expect(c.node(2).node.hasReady()).toBe(false);
  });
});
