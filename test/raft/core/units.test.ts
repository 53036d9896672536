import { describe, expect, it } from 'vitest';
import { Inflights } from '../../../src/raft/core/inflights.js';
import { MemoryStorage } from '../../../src/raft/core/memory-storage.js';
import { Progress, ProgressState } from '../../../src/raft/core/progress.js';
import { RaftLog } from '../../../src/raft/core/raft-log.js';
import { ProgressTracker } from '../../../src/raft/core/tracker.js';
import fc from 'fast-check';
import { AssertionError } from '../../../src/util/assert.js';
import { RaftProtocolError } from '../../../src/raft/core/errors.js';
import type { Entry } from '../../../src/raft/core/types.js';

const ent = (index: number, term: number, size = 0): Entry => ({ index, term, type: 0, data: new Uint8Array(size) });

describe('ProgressTracker.committedIndex', () => {
  const SEED = 20261128;
  it(`is the highest index a majority of voters stores, learners aside, for any matches (seed ${SEED})`, () => {
    fc.assert(
      fc.property(fc.array(fc.nat(1000), { minLength: 1, maxLength: 7 }), fc.array(fc.nat(1000), { maxLength: 3 }), (voterMatches, learnerMatches) => {
        const voters = voterMatches.map((_, i) => i + 1);
        const learners = learnerMatches.map((_, i) => 100 + i);
        const t = new ProgressTracker(1, 10, 0);
        t.adopt({ voters, learners }, 1, 0);
        voterMatches.forEach((m, i) => ((t.get(i + 1) as Progress).match = m));
        learnerMatches.forEach((m, i) => ((t.get(100 + i) as Progress).match = m));
        const quorum = Math.floor(voters.length / 2) + 1;
        const expected = [...voterMatches].sort((a, b) => b - a)[quorum - 1];
        expect(t.committedIndex()).toBe(expected);
        // Asked twice (the scratch array is reused): the same answer.
        expect(t.committedIndex()).toBe(expected);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});

describe('Inflights', () => {
  it('fills by message count and by bytes, and frees acknowledged messages', () => {
    const f = new Inflights(3, 0);
    f.add(1, 10);
    f.add(2, 10);
    f.add(5, 10);
    expect(f.full()).toBe(true);
    f.freeLE(2);
    expect(f.size()).toBe(1);
    expect(f.full()).toBe(false);
    f.add(7, 10);
    f.add(9, 10);
    f.freeFirstOne();
    expect(f.size()).toBe(2);
    const b = new Inflights(10, 100);
    b.add(1, 60);
    expect(b.full()).toBe(false);
    b.add(2, 60);
    expect(b.full()).toBe(true);
    b.freeLE(1);
    expect(b.full()).toBe(false);
  });

  it('asserts on overflow (a programmer error)', () => {
    const f = new Inflights(1, 0);
    f.add(1, 1);
    expect(() => f.add(2, 1)).toThrow(AssertionError);
  });
});

describe('Progress', () => {
  it('probes one message at a time, pipelines once it matches, rewinds on rejection', () => {
    const p = new Progress(11, false, 4, 0);
    expect(p.isPaused()).toBe(false);
    p.probeSent = true;
    expect(p.isPaused()).toBe(true);
    // A stale rejection (not for next - 1) is ignored.
    expect(p.maybeDecrTo(5, 3)).toBe(false);
    expect(p.maybeDecrTo(10, 6)).toBe(true);
    expect(p.next).toBe(7);
    expect(p.maybeUpdate(6)).toBe(true);
    p.becomeReplicate();
    expect(p.state).toBe(ProgressState.REPLICATE);
    expect(p.next).toBe(7);
    // In replicate, a rejection above match rewinds to match + 1.
    p.next = 20;
    expect(p.maybeDecrTo(19, 0)).toBe(true);
    expect(p.next).toBe(7);
    p.becomeSnapshot(30);
    expect(p.isPaused()).toBe(true);
    p.becomeProbe();
    expect(p.next).toBe(31);
  });
});

describe('RaftLog', () => {
  it('appends with truncation, finds conflicts by term, and slices across storage and unstable', () => {
    const s = new MemoryStorage({ voters: [1], learners: [] });
    s.append([ent(1, 1), ent(2, 1), ent(3, 2)]);
    const log = new RaftLog(s);
    expect(log.lastIndex()).toBe(3);
    expect(log.maybeAppend(3, 2, 0, [ent(4, 3), ent(5, 3)])).toBe(5);
    expect(log.maybeAppend(5, 9, 0, [])).toBeUndefined();
    // Conflict at 4: the unstable tail is replaced.
    expect(log.maybeAppend(3, 2, 4, [ent(4, 4)])).toBe(4);
    expect(log.lastIndex()).toBe(4);
    expect(log.committed).toBe(4);
    expect(log.slice(2, 5, 1000).map((e) => [e.index, e.term])).toEqual([
      [2, 1],
      [3, 2],
      [4, 4],
    ]);
    // The largest index <= 4 whose term is <= 2.
    expect(log.findConflictByTerm(4, 2)).toBe(3);
    expect(log.findConflictByTerm(4, 0)).toBe(0);
    expect(log.isUpToDate(4, 4)).toBe(true);
    expect(log.isUpToDate(9, 3)).toBe(false);
    // Committed entries are never rewritten: such a message is refused, the log left alone.
    expect(() => log.maybeAppend(1, 1, 4, [ent(2, 7)])).toThrow(RaftProtocolError);
    expect(log.term(2)).toBe(1);
  });

  it('limits slices by bytes but always returns one entry', () => {
    const s = new MemoryStorage({ voters: [1], learners: [] });
    s.append([ent(1, 1, 100), ent(2, 1, 100), ent(3, 1, 100)]);
    const log = new RaftLog(s);
    log.append([ent(4, 1, 100)]);
    expect(log.slice(1, 5, 10).length).toBe(1);
    expect(log.slice(1, 5, 250).length).toBe(2);
    expect(log.slice(3, 5, 250).map((e) => e.index)).toEqual([3, 4]);
  });

  it('commit never goes backwards and applied never passes commit', () => {
    const s = new MemoryStorage({ voters: [1], learners: [] });
    s.append([ent(1, 1), ent(2, 1)]);
    const log = new RaftLog(s);
    log.commitTo(2);
    log.commitTo(1);
    expect(log.committed).toBe(2);
    expect(() => log.commitTo(3)).toThrow(AssertionError);
    expect(() => log.appliedTo(3)).toThrow(AssertionError);
  });
});

describe('MemoryStorage', () => {
  it('compacts to a snapshot and still answers the term of the snapshot index', () => {
    const s = new MemoryStorage({ voters: [1, 2], learners: [] });
    s.append([ent(1, 1), ent(2, 2), ent(3, 2)]);
    s.compact(2, new Uint8Array([7]), { voters: [1, 2], learners: [] });
    expect(s.firstIndex()).toBe(3);
    expect(s.term(2)).toBe(2);
    expect(s.term(1)).toBeUndefined();
    expect(s.snapshot().metadata).toEqual({ index: 2, term: 2, confState: { voters: [1, 2], learners: [] } });
    s.append([ent(3, 3), ent(4, 3)]);
    expect(s.term(3)).toBe(3);
    expect(s.lastIndex()).toBe(4);
  });
});
