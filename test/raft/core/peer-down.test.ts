import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfChangeType } from '../../../src/raft/core/conf-change.js';
import { MemoryStorage } from '../../../src/raft/core/memory-storage.js';
import { peerDownCampaignTicks } from '../../../src/raft/core/peer-down.js';
import { ProgressState } from '../../../src/raft/core/progress.js';
import { MessageType, NONE, Role, message } from '../../../src/raft/core/types.js';
import { Cluster, text } from './harness.js';

/** A cluster led by `leader` in term 1, with everyone having heard from it. */
function ledCluster(ids: number[], leader: number, opts: ConstructorParameters<typeof Cluster>[1] = {}): Cluster {
  const c = new Cluster(ids, opts);
  c.node(leader).node.campaign();
  c.settle();
  c.tickAll(2);
  expect(c.leaders()).toEqual([leader]);
  return c;
}

/** Ticks every live node until one leads (bounded); returns the ticks it took. */
function ticksUntilLeader(c: Cluster, max: number): number {
  for (let t = 1; t <= max; t++) {
    c.tickAll(1);
    if (c.leaders().length > 0) return t;
  }
  return Infinity;
}

describe('peerDownCampaignTicks (who campaigns first after the leader dies)', () => {
  it('orders the surviving voters by id, rotated by the term, stride apart', () => {
    expect(peerDownCampaignTicks([1, 2, 3], 2, 1, 0, 2)).toBe(1);
    expect(peerDownCampaignTicks([1, 2, 3], 3, 1, 0, 2)).toBe(3);
    expect(peerDownCampaignTicks([1, 2, 3], 2, 1, 1, 2)).toBe(3);
    expect(peerDownCampaignTicks([1, 2, 3], 3, 1, 1, 2)).toBe(1);
    // Not a surviving voter (a learner, or the dead leader itself): never campaigns.
    expect(peerDownCampaignTicks([1, 2, 3], 4, 1, 0, 2)).toBeUndefined();
    expect(peerDownCampaignTicks([1, 2, 3], 1, 1, 0, 2)).toBeUndefined();
  });

  it('gives every survivor a distinct delay, the first one tick (property, seeded)', () => {
    const seed = 20261127;
    console.log(`[peer-down] fast-check seed ${seed}`);
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: 50 }), { minLength: 2, maxLength: 7 }),
        fc.nat(1000),
        fc.integer({ min: 1, max: 4 }),
        (voters, term, stride) => {
          const dead = voters[0] as number;
          const delays = voters.filter((v) => v !== dead).map((v) => peerDownCampaignTicks(voters, v, dead, term, stride));
          expect(new Set(delays).size).toBe(voters.length - 1);
          expect([...delays].sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(delays.map((_, i) => 1 + i * stride));
        },
      ),
      { seed, numRuns: 300 },
    );
  });
});

describe('raft core: peerDown (the leader connection dropped)', () => {
  it('the followers of a dead leader elect a successor within a few ticks instead of an election timeout', () => {
    const c = ledCluster([1, 2, 3], 1);
    c.kill(1);
    const before = c.delivered.length;
    expect(c.node(2).node.peerDown(1)).toBe(true);
    expect(c.node(3).node.peerDown(1)).toBe(true);
    expect(c.node(2).node.status().leaderId).toBe(NONE);
    // Term 1, survivors [2, 3]: node 3 is first (one tick), node 2 second (three ticks).
    expect(ticksUntilLeader(c, 3)).toBe(1);
    expect(c.leaders()).toEqual([3]);
    expect(c.node(3).node.status().term).toBe(2);
    const types = c.delivered.slice(before).map((m) => m.type);
    // Pre-vote first, and no split vote: node 2 never campaigned.
    expect(types.indexOf(MessageType.PRE_VOTE)).toBeLessThan(types.indexOf(MessageType.VOTE));
    expect(c.delivered.slice(before).filter((m) => m.type === MessageType.VOTE && m.from === 2)).toHaveLength(0);
    c.propose(3, 'after');
    c.settle();
    c.tickAll(1);
    expect(c.node(2).applied.map(text)).toContain('after');
  });

  it('control: without the report the same cluster stays leaderless for at least an election timeout', () => {
    const c = ledCluster([1, 2, 3], 1);
    c.kill(1);
    expect(ticksUntilLeader(c, 9)).toBe(Infinity);
    expect(ticksUntilLeader(c, 30)).toBeLessThan(30);
  });

  it('when the first in turn has a stale log, the next one wins; nobody inflates the term', () => {
    const c = ledCluster([1, 2, 3], 1);
    c.cutLink(1, 3);
    c.propose(1, 'x');
    c.settle();
    expect(c.node(2).node.status().lastIndex).toBeGreaterThan(c.node(3).node.status().lastIndex);
    c.kill(1);
    c.heal();
    c.node(2).node.peerDown(1);
    c.node(3).node.peerDown(1);
    // Node 3 (first, one tick) is refused by node 2, whose log is newer; node 2 goes at tick three.
    expect(ticksUntilLeader(c, 5)).toBe(3);
    expect(c.leaders()).toEqual([2]);
    expect(c.node(2).node.status().term).toBe(2);
    c.tickAll(1);
    expect(c.node(3).applied.map(text)).toContain('x');
  });

  it('a reporter whose peers have not noticed yet is ignored (their lease holds), then answered as soon as they notice', () => {
    const c = ledCluster([1, 2, 3], 1);
    c.kill(1);
    c.node(3).node.peerDown(1);
    c.tickAll(1);
    // Node 2 still hears nothing wrong: it ignored node 3's pre-vote, and nobody's term moved.
    expect(c.node(3).role).toBe(Role.PRE_CANDIDATE);
    expect(c.node(2).node.status().leaderId).toBe(1);
    expect(c.node(2).node.status().term).toBe(1);
    // Node 2 notices: it grants the pre-vote it ignored, and node 3 wins without another tick.
    c.node(2).node.peerDown(1);
    c.settle();
    expect(c.leaders()).toEqual([3]);
    expect(c.node(3).node.status().term).toBe(2);
    expect(c.node(2).node.status().leaderId).toBe(3);
  });

  it('an ignored pre-vote is not answered after a term change, nor on behalf of the dead leader', () => {
    const c = ledCluster([1, 2, 3], 1);
    c.kill(1);
    c.node(3).node.peerDown(1);
    c.tickAll(1); // node 2 ignores node 3's pre-vote
    const before = c.delivered.length;
    // Node 2 learns of a newer term first (a heartbeat of term 5 from node 3 as leader):
    // the ignored pre-vote for term 2 is stale and must not be answered later.
    c.node(2).node.step(message({ type: MessageType.HEARTBEAT, from: 3, to: 2, term: 5 }));
    c.settle();
    expect(c.node(2).node.status().term).toBe(5);
    c.node(2).node.peerDown(3);
    c.settle();
    const answers = c.delivered.slice(before).filter((m) => m.type === MessageType.PRE_VOTE_RESP && m.from === 2 && m.term === 2);
    expect(answers).toHaveLength(0);
  });

  it('a wrong report about a live leader disrupts nothing: pre-vote refused, the leader stays, terms stay', () => {
    const c = ledCluster([1, 2, 3], 1, { heartbeatTick: 5 });
    expect(c.node(3).node.peerDown(1)).toBe(true);
    c.tickAll(1);
    expect(c.node(3).role).toBe(Role.PRE_CANDIDATE);
    c.tickAll(5);
    expect(c.leaders()).toEqual([1]);
    for (const id of [1, 2, 3]) expect(c.node(id).node.status().term).toBe(1);
    expect(c.node(3).node.status().leaderId).toBe(1);
    expect(c.node(3).role).toBe(Role.FOLLOWER);
    c.propose(1, 'still');
    c.settle();
    c.tickAll(1);
    expect(c.node(3).applied.map(text)).toContain('still');
  });

  it('a leader heard from again before the turn comes cancels the campaign and restores the normal timeout', () => {
    const c = ledCluster([1, 2, 3], 1);
    const before = c.delivered.length;
    c.node(2).node.peerDown(1); // second in turn: three ticks; the leader beats every tick
    c.tickAll(30);
    expect(c.delivered.slice(before).filter((m) => m.type === MessageType.PRE_VOTE)).toHaveLength(0);
    expect(c.node(2).node.status().leaderId).toBe(1);
  });

  it('ignores reports about a peer that is not its leader, and a leader only stops pipelining to it', () => {
    const c = ledCluster([1, 2, 3], 1);
    expect(c.node(2).node.peerDown(3)).toBe(false);
    expect(c.node(2).node.status().leaderId).toBe(1);
    c.propose(1, 'y');
    c.settle();
    expect(c.node(1).node.progress().find((p) => p.id === 2)?.state).toBe(ProgressState.REPLICATE);
    expect(c.node(1).node.peerDown(2)).toBe(false);
    expect(c.node(1).node.progress().find((p) => p.id === 2)?.state).toBe(ProgressState.PROBE);
    expect(c.leaders()).toEqual([1]);
  });

  it('five voters: the leader and the first in turn both die; the next survivor leads within five ticks', () => {
    const c = ledCluster([1, 2, 3, 4, 5], 1);
    const first = [2, 3, 4, 5].find((id) => peerDownCampaignTicks([1, 2, 3, 4, 5], id, 1, 1, 2) === 1) as number;
    c.kill(1);
    c.kill(first);
    for (const n of c.nodes.values()) {
      expect(n.node.peerDown(first)).toBe(false);
      expect(n.node.peerDown(1)).toBe(true);
    }
    const ticks = ticksUntilLeader(c, 9);
    expect(ticks).toBe(3);
    expect(c.leaders()).toHaveLength(1);
    expect(c.leaders()[0]).not.toBe(first);
  });

  it('a learner forgets its leader but never campaigns', () => {
    const c = ledCluster([1, 2, 3], 1);
    const learner = c.add(4, new MemoryStorage({ voters: [1, 2, 3], learners: [4] }));
    c.node(1).node.proposeConfChange({ type: ConfChangeType.ADD_LEARNER, nodeId: 4 });
    c.settle();
    c.tickAll(3);
    expect(learner.node.status().leaderId).toBe(1);
    c.kill(1);
    expect(learner.node.peerDown(1)).toBe(true);
    learner.node.tick();
    c.settle();
    expect(c.delivered.filter((m) => m.from === 4 && m.type === MessageType.PRE_VOTE)).toHaveLength(0);
  });
});
