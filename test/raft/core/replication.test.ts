import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../../src/raft/core/memory-storage.js';
import { MessageType, Role, message, type Entry } from '../../../src/raft/core/types.js';
import { Cluster, text } from './harness.js';

const IDS = [1, 2, 3, 4, 5, 6, 7];

function log(terms: number[]): Entry[] {
  return terms.map((term, i) => ({ index: i + 1, term, type: 0, data: new TextEncoder().encode(`${i + 1}@${term}`) }));
}

function storageWith(terms: number[], hardTerm: number, voters: number[]): MemoryStorage {
  const s = new MemoryStorage({ voters, learners: [] });
  s.append(log(terms));
  s.setHardState({ term: hardTerm, vote: 0, commit: 0 });
  return s;
}

function termsOf(s: MemoryStorage): number[] {
  const out: number[] = [];
  for (let i = s.firstIndex(); i <= s.lastIndex(); i++) out.push(s.term(i) ?? -1);
  return out;
}

describe('raft core: log replication', () => {
  it('Figure 7: followers with missing and extra entries are repaired to the leader log', () => {
    // The paper's Figure 7: leader (term 8) and followers (a)..(f).
    const leaderLog = [1, 1, 1, 4, 4, 5, 5, 6, 6, 6];
    const followers = [
      [1, 1, 1, 4, 4, 5, 5, 6, 6], // a: missing one
      [1, 1, 1, 4], // b: missing many
      [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6], // c: one extra uncommitted
      [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7], // d: extra entries of term 7
      [1, 1, 1, 4, 4, 4, 4], // e: extra entries of term 4
      [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3], // f: entries of terms 2 and 3 nobody else has
    ];
    const storages = new Map<number, MemoryStorage>([[1, storageWith(leaderLog, 7, IDS)]]);
    followers.forEach((terms, i) => storages.set(i + 2, storageWith(terms, 7, IDS)));
    const c = new Cluster(IDS, {}, storages);
    // Node 4 (follower c) and 5 (d) have longer logs, so 1 needs votes from the others: a, b, e, f.
    c.isolate(4);
    c.isolate(5);
    c.node(1).node.campaign();
    c.settle();
    expect(c.node(1).role).toBe(Role.LEADER);
    c.heal();
    c.propose(1, 'new');
    c.settle();
    c.tickAll(2);
    const expected = [...leaderLog, 8, 8];
    for (const id of IDS) expect(termsOf(c.node(id).storage)).toEqual(expected);
    for (const id of IDS) expect(c.node(id).applied.map(text).at(-1)).toBe('new');
    // Fast backtracking: repairing f (6 conflicting entries over 2 terms) takes few rejections.
    const rejectsToF = c.delivered.filter((m) => m.type === MessageType.APPEND_RESP && m.reject && m.from === 7);
    expect(rejectsToF.length).toBeLessThanOrEqual(3);
  });

  it('Figure 8: a leader does not commit an entry of an earlier term by counting replicas', () => {
    const voters = [1, 2, 3, 4, 5];
    const storages = new Map<number, MemoryStorage>([
      [1, storageWith([1, 2], 3, voters)],
      [2, storageWith([1, 2], 3, voters)],
      [3, storageWith([1], 3, voters)],
      [4, storageWith([1], 3, voters)],
      [5, storageWith([1, 3], 3, voters)],
    ]);
    const c = new Cluster(voters, {}, storages);
    const n1 = c.node(1).node;
    // Win the election of term 4 with votes from 2 and 3; swallow the leader's appends.
    c.isolate(1);
    n1.campaign();
    c.settle();
    for (const id of [2, 3]) n1.step(message({ type: MessageType.VOTE_RESP, from: id, to: 1, term: 4 }));
    c.settle();
    expect(c.node(1).role).toBe(Role.LEADER);
    const commitBefore = n1.status().commit;
    // Followers 2 and 3 report holding index 2 (term 2): a majority (1, 2, 3) stores it...
    for (const id of [2, 3]) n1.step(message({ type: MessageType.APPEND_RESP, from: id, to: 1, term: 4, index: 2 }));
    c.settle();
    // ...but it is from term 2, so it must not be committed by counting (§5.4.2).
    expect(n1.status().commit).toBe(commitBefore);
    expect(n1.status().commit).toBeLessThan(2);
    // Once the term-4 no-op (index 3) is on a majority, it and everything before commit.
    for (const id of [2, 3]) n1.step(message({ type: MessageType.APPEND_RESP, from: id, to: 1, term: 4, index: 3 }));
    c.settle();
    expect(n1.status().commit).toBe(3);
  });

  it('pipelines within maxInflightMsgs and splits by maxSizePerMsg', () => {
    const c = new Cluster([1, 2], { extra: { maxInflightMsgs: 2, maxSizePerMsg: 1 } });
    c.node(1).node.campaign();
    c.settle();
    c.isolate(2);
    for (let i = 0; i < 10; i++) c.propose(1, `p${i}`);
    c.settle();
    // The appends sent while the link was cut are lost; the full window is recovered by heartbeats.
    c.heal();
    c.tickAll(3);
    expect(c.node(2).applied.map(text).slice(-10)).toEqual(Array.from({ length: 10 }, (_, i) => `p${i}`));
    const appends = c.delivered.filter((m) => m.type === MessageType.APPEND && m.to === 2 && m.entries.length > 0);
    for (const m of appends) expect(m.entries.length).toBe(1);
  });

  it('a follower acknowledges only through messages that wait for its persist', () => {
    const c = new Cluster([1, 2, 3]);
    c.node(1).node.campaign();
    c.settle();
    c.propose(1, 'x');
    const rd = c.node(1).node.ready();
    // The leader's appends may go before its own fsync...
    expect(rd.messagesBeforePersist.every((m) => m.type === MessageType.APPEND)).toBe(true);
    expect(rd.messagesBeforePersist.length).toBe(2);
    c.node(1).node.advance(rd);
    const m = rd.messagesBeforePersist[0];
    if (m === undefined) throw new Error('no append');
    c.node(2).node.step(m);
    const frd = c.node(2).node.ready();
    // ...the follower's acknowledgement must wait for its entries to be durable.
    expect(frd.entries.length).toBe(1);
    expect(frd.messagesBeforePersist).toEqual([]);
    expect(frd.messages.map((x) => x.type)).toEqual([MessageType.APPEND_RESP]);
    c.node(2).node.advance(frd);
  });

  it('batches all proposals made between two Readies into one append per follower', () => {
    const c = new Cluster([1, 2, 3]);
    c.node(1).node.campaign();
    c.settle();
    for (let i = 0; i < 10; i++) c.propose(1, `b${i}`);
    const rd = c.node(1).node.ready();
    expect(rd.entries.map((e) => e.index)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    const appends = rd.messagesBeforePersist.filter((m) => m.type === MessageType.APPEND);
    expect(appends.map((m) => m.to).sort()).toEqual([2, 3]);
    for (const m of appends) expect(m.entries.map((e) => e.index)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    c.node(1).node.advance(rd);
  });

  it('refuses proposals past maxUncommittedBytes', () => {
    const c = new Cluster([1, 2, 3], { extra: { maxUncommittedBytes: 1000 } });
    c.node(1).node.campaign();
    c.settle();
    c.isolate(1);
    const big = new Uint8Array(400);
    c.node(1).node.propose(big);
    c.node(1).node.propose(big);
    expect(() => c.node(1).node.propose(big)).toThrowError(expect.objectContaining({ name: 'ProposalDroppedError' }) as Error);
  });
});
