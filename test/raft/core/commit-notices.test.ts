import { describe, expect, it } from 'vitest';
import { MessageType, type Message } from '../../../src/raft/core/types.js';
import type { TestNode } from './harness.js';
import { Cluster } from './harness.js';

/**
 * The core's `commitNotices` option (config.ts). On (the default), a leader whose commit index
 * moves sends every follower an append at once, empty when it has no entries for it. Off, only
 * appends with entries go out then; followers learn the commit index from the next append or
 * heartbeat (a quiesce heartbeat included).
 */
function elected(commitNotices: boolean, quiesce = false): Cluster {
  const c = new Cluster([1, 2, 3], { electionTick: 10, heartbeatTick: 3, extra: { commitNotices, quiesce } });
  c.node(1).node.campaign();
  c.settle();
  expect(c.leaders()).toEqual([1]);
  return c;
}

function emptyAppends(msgs: readonly Message[]): number {
  return msgs.filter((m) => m.type === MessageType.APPEND && m.entries.length === 0).length;
}

function committed(c: Cluster, id: number): number {
  return c.node(id).node.status().commit;
}

describe('raft core: commit notices', () => {
  it('on: the commit of a lone entry reaches the followers at once, as one empty append each', () => {
    const c = elected(true);
    c.delivered = [];
    const index = c.propose(1, 'x');
    c.settle();
    expect(emptyAppends(c.delivered)).toBe(2);
    for (const id of [2, 3]) expect(committed(c, id)).toBe(index);
  });

  it('off: no empty append; the followers learn the commit from the next append', () => {
    const c = elected(false);
    c.delivered = [];
    const first = c.propose(1, 'x');
    c.settle();
    expect(emptyAppends(c.delivered)).toBe(0);
    expect(committed(c, 1)).toBe(first);
    for (const id of [2, 3]) expect(committed(c, id)).toBe(first - 1);
    const second = c.propose(1, 'y');
    c.settle();
    expect(emptyAppends(c.delivered)).toBe(0);
    // The append of `second` carried `first` as committed; `second` itself is known to the leader only.
    for (const id of [2, 3]) {
      expect(committed(c, id)).toBe(first);
      expect(c.node(id).applied.at(-1)?.index).toBe(first);
    }
    expect(committed(c, 1)).toBe(second);
  });

  it('off: the followers learn the last commit of a burst from the next heartbeat', () => {
    const c = elected(false);
    const index = c.propose(1, 'x');
    c.settle();
    for (const id of [2, 3]) expect(committed(c, id)).toBeLessThan(index);
    c.delivered = [];
    for (let t = 0; t < 3 && committed(c, 2) < index; t++) {
      c.tickAll(1);
      c.settle();
    }
    expect(c.delivered.some((m) => m.type === MessageType.HEARTBEAT)).toBe(true);
    for (const id of [2, 3]) {
      expect(committed(c, id)).toBe(index);
      expect(c.node(id).applied.at(-1)?.index).toBe(index);
    }
  });

  it('off, with quiescence: the group goes quiet with every member at the last commit', () => {
    const c = elected(false, true);
    const index = c.propose(1, 'x');
    c.settle();
    for (let t = 0; t < 30 && ![1, 2, 3].every((id) => c.node(id).node.quiesced); t++) {
      c.tickAll(1);
      c.settle();
    }
    for (const id of [1, 2, 3]) {
      expect(c.node(id).node.quiesced).toBe(true);
      expect(committed(c, id)).toBe(index);
      expect(c.node(id).applied.at(-1)?.index).toBe(index);
    }
  });

  it('off: a window of proposals still commits everywhere, with as many appends as with notices minus the empty ones', () => {
    const counts = [true, false].map((notices) => {
      const c = elected(notices);
      c.delivered = [];
      let last = 0;
      for (let i = 0; i < 20; i++) {
        last = c.propose(1, `e${i}`);
        if (i % 3 === 2) c.settle();
      }
      c.settle();
      for (let t = 0; t < 3 && committed(c, 3) < last; t++) {
        c.tickAll(1);
        c.settle();
      }
      for (const id of [1, 2, 3]) expect(c.node(id).applied.at(-1)?.index).toBe(last);
      const withEntries = c.delivered.filter((m) => m.type === MessageType.APPEND && m.entries.length > 0).length;
      return { empty: emptyAppends(c.delivered), withEntries };
    });
    const [on, off] = counts as [{ empty: number; withEntries: number }, { empty: number; withEntries: number }];
    expect(on.empty).toBeGreaterThan(0);
    expect(off.empty).toBe(0);
    expect(off.withEntries).toBe(on.withEntries);
  });

  it('a proposal\'s deferred appends skip a follower that an acknowledgement already sent the entry to (no empty append)', () => {
    for (const notices of [true, false]) {
      const c = elected(notices);
      const leader = c.node(1);
      c.propose(1, 'a');
      // The appends of `a` reach both followers; they store it and acknowledge.
      const appendsOfA = leader.drain();
      const acks = [2, 3].flatMap((id) => {
        for (const m of appendsOfA) if (m.to === id) c.node(id).node.step(m);
        return c.node(id).drain();
      });
      const [ack2, ack3] = [2, 3].map((id) => acks.find((m) => m.from === id && m.type === MessageType.APPEND_RESP));
      expect(ack2 && ack3).toBeDefined();
      // Follower 2's ack commits `a`; `b` is proposed (its appends deferred to the next Ready);
      // follower 3's ack then refills its pipeline, which sends it `b` at once.
      leader.node.step(ack2 as Message);
      c.propose(1, 'b');
      leader.node.step(ack3 as Message);
      const out = drainOnce(leader);
      // Each follower: `b` once; with notices, after the notice of `a`'s commit (empty). Before
      // flushAppends sent appends with entries only, follower 3 got a second, empty one after `b`.
      for (const id of [2, 3]) {
        const appends = out.filter((m) => m.to === id && m.type === MessageType.APPEND);
        expect(appends.map((m) => m.entries.length), `to ${id}, notices ${notices}`).toEqual(notices ? [0, 1] : [1]);
      }
    }
  });
});

/** One Ready's messages (before and after persisting), carried out like the harness does. */
function drainOnce(n: TestNode): Message[] {
  const rd = n.node.ready();
  const out = [...rd.messagesBeforePersist, ...rd.messages];
  n.storage.append(rd.entries);
  if (rd.hardState !== undefined) n.storage.setHardState(rd.hardState);
  n.node.advance(rd);
  return out;
}
