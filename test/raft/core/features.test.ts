import { describe, expect, it } from 'vitest';
import { ConfChangeType, encodeConfChange } from '../../../src/raft/core/conf-change.js';
import { MemoryStorage } from '../../../src/raft/core/memory-storage.js';
import { MessageType, Role, EntryType, message } from '../../../src/raft/core/types.js';
import { RawNode } from '../../../src/raft/core/raw-node.js';
import { SeededRandom } from '../../../src/raft/core/random.js';
import { Cluster, text } from './harness.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

function elected(ids: number[], leader = 1): Cluster {
  const c = new Cluster(ids);
  c.node(leader).node.campaign();
  c.settle();
  c.tickAll(1);
  return c;
}

describe('raft core: leadership transfer (§3.10)', () => {
  it('hands leadership to an up-to-date follower via TimeoutNow', () => {
    const c = elected([1, 2, 3]);
    c.node(1).node.transferLeadership(3);
    c.settle();
    expect(c.leaders()).toEqual([3]);
    expect(c.delivered.some((m) => m.type === MessageType.TIMEOUT_NOW && m.to === 3)).toBe(true);
    c.propose(3, 'after');
    c.settle();
    c.tickAll(1);
    for (const n of c.nodes.values()) expect(n.applied.map(text).at(-1)).toBe('after');
  });

  it('catches a lagging transferee up first and refuses proposals meanwhile', () => {
    const c = elected([1, 2, 3]);
    c.isolate(3);
    c.propose(1, 'a');
    c.settle();
    c.node(1).node.transferLeadership(3);
    expect(() => c.propose(1, 'b')).toThrowError(expect.objectContaining({ name: 'NotLeaderError' }) as Error);
    c.heal();
    c.tickAll(1);
    expect(c.leaders()).toEqual([3]);
    expect(c.node(3).applied.map(text)).toContain('a');
  });

  it('abandons a transfer to an unreachable node after an election timeout', () => {
    const c = elected([1, 2, 3]);
    c.isolate(3);
    c.propose(1, 'a');
    c.settle();
    c.node(1).node.transferLeadership(3);
    for (let i = 0; i < 10; i++) c.tickAll(1);
    expect(c.leaders()).toEqual([1]);
    expect(c.node(1).node.status().leadTransferee).toBe(0);
    expect(() => c.propose(1, 'b')).not.toThrow();
  });
});

describe('raft core: ReadIndex (§6.4)', () => {
  it('a single voter answers at once with its commit index', () => {
    const c = elected([1]);
    c.node(1).node.readIndex(enc('r1'));
    c.settle();
    expect(c.node(1).readStates).toEqual([{ index: 1, context: enc('r1') }]);
  });

  it('the leader answers after a quorum acknowledges a heartbeat round', () => {
    const c = elected([1, 2, 3]);
    c.propose(1, 'x');
    c.settle();
    c.node(1).node.readIndex(enc('r1'));
    expect(c.node(1).readStates).toEqual([]);
    c.settle();
    expect(c.node(1).readStates).toEqual([{ index: 2, context: enc('r1') }]);
  });

  it('a follower read is forwarded to the leader and answered with the read point', () => {
    const c = elected([1, 2, 3]);
    c.node(2).node.readIndex(enc('f'));
    c.settle();
    expect(c.node(2).readStates).toEqual([{ index: 1, context: enc('f') }]);
  });

  it('a partitioned leader cannot confirm a read', () => {
    const c = elected([1, 2, 3]);
    c.isolate(1);
    c.node(1).node.readIndex(enc('stale'));
    c.settle();
    c.tick(1, 3);
    c.settle();
    expect(c.node(1).readStates).toEqual([]);
  });

  it('bounds pending reads (maxPendingReads)', () => {
    const c = new Cluster([1, 2, 3], { extra: { maxPendingReads: 2 } });
    c.node(1).node.campaign();
    c.settle();
    c.isolate(1);
    c.node(1).node.readIndex(enc('a'));
    c.node(1).node.readIndex(enc('b'));
    expect(() => c.node(1).node.readIndex(enc('c'))).toThrowError(expect.objectContaining({ name: 'ProposalDroppedError' }) as Error);
    c.heal();
    c.settle();
    expect(c.node(1).readStates.map((r) => new TextDecoder().decode(r.context))).toEqual(['a', 'b']);
  });

  it('a new leader defers reads until its no-op commits', () => {
    const c = new Cluster([1, 2, 3]);
    const n1 = c.node(1).node;
    c.isolate(1);
    n1.campaign();
    c.settle();
    n1.step(message({ type: MessageType.VOTE_RESP, from: 2, to: 1, term: 1 }));
    c.settle();
    expect(c.node(1).role).toBe(Role.LEADER);
    n1.readIndex(enc('early'));
    c.settle();
    expect(c.node(1).readStates).toEqual([]);
    expect(n1.status().commit).toBe(0);
    c.heal();
    c.tickAll(2);
    // Answered only once the no-op (index 1) committed, with a read point covering it.
    expect(c.node(1).readStates).toEqual([{ index: 1, context: enc('early') }]);
  });
});

describe('raft core: snapshots', () => {
  it('a follower behind the compacted log catches up by InstallSnapshot and continues', () => {
    const c = elected([1, 2, 3]);
    c.isolate(3);
    for (let i = 0; i < 20; i++) c.propose(1, `e${i}`);
    c.settle();
    c.tickAll(1);
    c.node(1).compact();
    c.node(2).compact();
    expect(c.node(1).storage.firstIndex()).toBeGreaterThan(2);
    c.heal();
    for (let i = 0; i < 5; i++) c.tickAll(1);
    expect(c.delivered.some((m) => m.type === MessageType.SNAPSHOT && m.to === 3)).toBe(true);
    expect(c.node(3).sm.index).toBe(c.node(1).sm.index);
    expect(c.node(3).sm.hash).toBe(c.node(1).sm.hash);
    c.propose(1, 'post');
    c.settle();
    c.tickAll(1);
    expect(c.node(3).applied.map(text).at(-1)).toBe('post');
    expect(c.node(3).sm.hash).toBe(c.node(1).sm.hash);
  });

  it('a lost snapshot is retried', () => {
    const c = elected([1, 2, 3]);
    c.isolate(3);
    for (let i = 0; i < 5; i++) c.propose(1, `e${i}`);
    c.settle();
    c.tickAll(1);
    c.node(1).compact();
    // Only 1 -> 3 is cut: 3 answers heartbeats (so it is active) but never receives anything.
    c.heal();
    c.cutLink(1, 3);
    c.tickAll(1);
    c.heal();
    for (let i = 0; i < 40; i++) c.tickAll(1);
    expect(c.node(3).sm.hash).toBe(c.node(1).sm.hash);
  });
});

describe('raft core: membership (§4.1) and learners', () => {
  it('adds a learner that receives the log without voting, then promotes it, then removes a voter', () => {
    const c = elected([1, 2, 3]);
    c.propose(1, 'before');
    c.settle();
    c.add(4, new MemoryStorage({ voters: [], learners: [] }));
    c.node(1).node.proposeConfChange({ type: ConfChangeType.ADD_LEARNER, nodeId: 4 });
    c.settle();
    c.tickAll(2);
    expect(c.node(1).node.confState()).toEqual({ voters: [1, 2, 3], learners: [4] });
    expect(c.node(4).applied.map(text)).toContain('before');
    // The leader reports the learner caught up (what a driver checks before promoting it).
    const lastIndex = c.node(1).node.status().lastIndex;
    expect(c.node(1).node.progress().find((p) => p.id === 4)).toMatchObject({ match: lastIndex, isLearner: true });
    expect(c.node(2).node.progress()).toEqual([]);
    expect(c.node(4).node.confState().learners).toEqual([4]);
    // A learner never campaigns.
    c.isolate(4);
    for (let i = 0; i < 40; i++) c.tickAll(1);
    expect(c.node(4).node.status().role).toBe(Role.FOLLOWER);
    c.heal();
    c.tickAll(2);
    c.node(1).node.proposeConfChange({ type: ConfChangeType.ADD_VOTER, nodeId: 4 });
    c.settle();
    c.tickAll(2);
    expect(c.node(1).node.confState()).toEqual({ voters: [1, 2, 3, 4], learners: [] });
    c.node(1).node.proposeConfChange({ type: ConfChangeType.REMOVE_NODE, nodeId: 2 });
    c.settle();
    c.tickAll(2);
    expect(c.node(1).node.confState()).toEqual({ voters: [1, 3, 4], learners: [] });
    // With voters {1, 3, 4}, losing 2 costs nothing: commits still happen.
    c.isolate(2);
    c.propose(1, 'after');
    c.settle();
    c.tickAll(1);
    expect(c.node(4).applied.map(text).at(-1)).toBe('after');
  });

  it('allows only one pending configuration change', () => {
    const c = elected([1, 2, 3]);
    c.isolate(2);
    c.isolate(3);
    c.node(1).node.proposeConfChange({ type: ConfChangeType.ADD_LEARNER, nodeId: 4 });
    expect(() => c.node(1).node.proposeConfChange({ type: ConfChangeType.ADD_LEARNER, nodeId: 5 })).toThrowError(
      expect.objectContaining({ name: 'ProposalDroppedError' }) as Error,
    );
  });

  it('a removed leader steps down and the rest elect a new one', () => {
    const c = elected([1, 2, 3]);
    c.node(1).node.proposeConfChange({ type: ConfChangeType.REMOVE_NODE, nodeId: 1 });
    c.settle();
    c.tickAll(1);
    expect(c.node(1).role).toBe(Role.FOLLOWER);
    c.isolate(1);
    for (let i = 0; i < 40; i++) c.tickAll(1);
    const leaders = c.leaders();
    expect(leaders).toHaveLength(1);
    expect(c.node(leaders[0] ?? 0).node.confState().voters).toEqual([2, 3]);
  });

  it('does not campaign while a committed configuration change is unapplied', () => {
    const s = new MemoryStorage({ voters: [1, 2, 3], learners: [] });
    const change = encodeConfChange({ type: ConfChangeType.REMOVE_NODE, nodeId: 3, result: { voters: [1, 2], learners: [] } });
    s.append([
      { index: 1, term: 1, type: 0, data: new Uint8Array(0) },
      { index: 2, term: 1, type: EntryType.CONF_CHANGE, data: change },
    ]);
    s.setHardState({ term: 1, vote: 0, commit: 2 });
    const node = new RawNode({ id: 1, storage: s, electionTick: 10, heartbeatTick: 1, random: new SeededRandom(1) });
    node.campaign();
    expect(node.status().role).toBe(Role.FOLLOWER);
    expect(node.status().term).toBe(1);
    const rd = node.ready();
    expect(rd.committedEntries.map((e) => e.index)).toEqual([1, 2]);
    node.advance(rd);
    expect(node.confState()).toEqual({ voters: [1, 2], learners: [] });
    node.campaign();
    expect(node.status().role).toBe(Role.CANDIDATE);
  });
});
