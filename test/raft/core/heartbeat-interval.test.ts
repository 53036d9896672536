import { describe, expect, it } from 'vitest';
import { MessageType, Role } from '../../../src/raft/core/types.js';
import { Cluster } from './harness.js';

/**
 * The node's default heartbeat is 3 ticks with an election timeout of 10 (src/config/schema.ts).
 * These pin down why a longer heartbeat interval costs neither commit latency nor stability:
 * commits travel with appends, not heartbeats, and a follower hears from its leader several times
 * per election timeout.
 */
const OPTS = { electionTick: 10, heartbeatTick: 3 };

function elected(): Cluster {
  const c = new Cluster([1, 2, 3], OPTS);
  c.node(1).node.campaign();
  c.settle();
  expect(c.leaders()).toEqual([1]);
  return c;
}

function heartbeats(c: Cluster): number {
  return c.delivered.filter((m) => m.type === MessageType.HEARTBEAT).length;
}

describe('raft core: heartbeat interval of 3 ticks', () => {
  it('followers learn a new commit index from the appends sent on commit, without any tick or heartbeat', () => {
    const c = elected();
    c.delivered = [];
    const index = c.propose(1, 'x');
    c.settle();
    expect(heartbeats(c)).toBe(0);
    for (const id of [1, 2, 3]) {
      expect(c.node(id).node.status().commit).toBe(index);
      expect(c.node(id).applied.at(-1)?.index).toBe(index);
    }
  });

  it('an idle group keeps its leader: one heartbeat per follower every 3 ticks, no election', () => {
    const c = elected();
    const term = c.node(1).node.status().term;
    c.delivered = [];
    c.tickAll(99);
    expect(c.leaders()).toEqual([1]);
    for (const id of [1, 2, 3]) expect(c.node(id).node.status().term).toBe(term);
    expect(heartbeats(c)).toBe(2 * 33);
  });

  it('check-quorum still deposes an isolated leader and the others elect a new one within two election timeouts', () => {
    const c = elected();
    c.isolate(1);
    // A leader checks its quorum once per election timeout (10 ticks); followers time out after
    // 10-20 ticks without a heartbeat.
    for (let t = 0; t < 40 && (c.node(1).role === Role.LEADER || c.leaders().length !== 1); t++) c.tickAll(1);
    expect(c.node(1).role).not.toBe(Role.LEADER);
    const leaders = c.leaders();
    expect(leaders).toHaveLength(1);
    expect([2, 3]).toContain(leaders[0]);
  });
});
