import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../../src/raft/core/memory-storage.js';
import { Progress, ProgressState } from '../../../src/raft/core/progress.js';
import { Cluster, text } from './harness.js';

/**
 * A follower whose disk lost entries it had acknowledged (out of Raft's model: a torn fsynced
 * frame, an old backup restored). Its leader must find its real end and repair it, not probe at
 * the old match index forever.
 */
describe('Progress: a rejection of the probe at match', () => {
  it('forgets match and probes from the follower hint; stale rejections in replicate stay ignored', () => {
    const p = new Progress(11, false, 4, 0);
    p.maybeUpdate(10);
    p.becomeReplicate();
    // Replicate: a rejection at or below match is out of order (a reply to an old append).
    expect(p.maybeDecrTo(10, 4)).toBe(false);
    expect(p.maybeDecrTo(9, 4)).toBe(false);
    expect(p.match).toBe(10);
    p.becomeProbe();
    expect(p.next).toBe(11);
    // Probe at match (prev = 10) refused: the follower lost entry 10. Its log ends at 4.
    expect(p.maybeDecrTo(10, 4)).toBe(true);
    expect(p.match).toBe(0);
    expect(p.next).toBe(5);
    expect(p.state).toBe(ProgressState.PROBE);
    // The follower then accepts at 4: match is what it really holds.
    expect(p.maybeUpdate(4)).toBe(true);
    expect(p.match).toBe(4);
  });
});

describe('raft core: a follower that lost acknowledged entries', () => {
  it('is repaired by the same leader and ends with its log', () => {
    const c = new Cluster([1, 2, 3]);
    c.node(1).node.campaign();
    c.settle();
    for (let i = 0; i < 10; i++) c.propose(1, `e${i}`);
    c.settle();
    c.tickAll(2);
    const last = c.node(1).node.status().lastIndex;
    expect(c.node(1).node.progress().find((p) => p.id === 3)?.match).toBe(last);

    // Node 3 restarts from a disk that kept only its first four entries (and its hard state).
    const old = c.node(3).storage;
    const damaged = new MemoryStorage({ voters: [1, 2, 3], learners: [] });
    damaged.append(old.entries(1, 5, Number.MAX_SAFE_INTEGER));
    const hs = old.initialState().hardState;
    damaged.setHardState({ ...hs, commit: 4 });
    c.kill(3);
    const restarted = c.add(3, damaged);
    expect(restarted.node.status().lastIndex).toBe(4);

    c.propose(1, 'after');
    c.settle();
    c.tickAll(5);
    expect(restarted.node.status().lastIndex).toBe(last + 1);
    expect(restarted.node.status().commit).toBe(last + 1);
    expect(restarted.applied.map(text).slice(-2)).toEqual(['e9', 'after']);
    expect(c.node(1).node.progress().find((p) => p.id === 3)?.match).toBe(last + 1);
    expect(c.leaders()).toEqual([1]);
  });
});
