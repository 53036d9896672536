import { describe, expect, it } from 'vitest';
import { decideCreateTopics } from '../../src/state/decide-create-topics.js';
import { MetaDecodeError } from '../../src/state/errors.js';
import { encodeEvent } from '../../src/state/event-codec.js';
import type { MetaEvent } from '../../src/state/events.js';
import { digest } from '../../src/state/image-codec.js';
import { topicByName } from '../../src/state/image.js';
import { MetaStateMachine, type MetaEntry } from '../../src/state/state-machine.js';
import { silentLogger } from '../../src/util/logger.js';
import { counterCtx, registerEvent } from './helpers.js';

/** A committed `__meta` log in miniature: entries with consecutive indexes. */
class Log {
  readonly entries: MetaEntry[] = [];

  append(type: number, data: Uint8Array, term = 1): MetaEntry {
    const entry = { index: this.entries.length + 1, term, type, data };
    this.entries.push(entry);
    return entry;
  }

  event(e: MetaEvent, term = 1): MetaEntry {
    return this.append(0, encodeEvent(e), term);
  }
}

function machine(): MetaStateMachine {
  return new MetaStateMachine({ logger: silentLogger() });
}

describe('MetaStateMachine', () => {
  it('applies events, advances over no-ops and Raft config entries, and skips re-delivered entries', async () => {
    const log = new Log();
    const sm = machine();
    const applied = sm.waiters.waitForApplied(3, 5000);
    expect(sm.apply(log.append(0, new Uint8Array(0)))).toBeUndefined();
    expect(sm.apply(log.event(registerEvent(1)))).toMatchObject({ type: 'BrokerRegistered', brokerId: 1 });
    expect(sm.apply(log.append(1, Uint8Array.of(0xde, 0xad), 2))).toBeUndefined();
    expect((await applied).appliedIndex).toBe(3);
    expect([sm.image.appliedIndex, sm.image.appliedTerm, sm.image.brokers.size]).toEqual([3, 2, 1]);
    const before = sm.image;
    expect(sm.apply(log.entries[1] as MetaEntry)).toBeUndefined();
    expect(sm.image).toBe(before);
  });

  it('refuses a committed entry that does not decode, leaving the image as it was', () => {
    const log = new Log();
    const sm = machine();
    sm.apply(log.event(registerEvent(1)));
    const before = sm.image;
    expect(() => sm.apply(log.append(0, Uint8Array.of(1, 0x7b)))).toThrow(MetaDecodeError);
    expect(sm.image).toBe(before);
  });

  it('a follower restored from a snapshot and fed the tail matches a node that replayed everything', () => {
    const log = new Log();
    const ctx = counterCtx();
    const a = machine();
    for (const id of [1, 2, 3]) a.apply(log.event(registerEvent(id)));
    for (let t = 0; t < 5; t++) {
      const d = decideCreateTopics({ type: 'CreateTopics', validateOnly: false, topics: [{ name: `t${t}`, numPartitions: 2, replicationFactor: 3 }] }, a.image, ctx);
      for (const e of d.events) a.apply(log.event(e, 2));
    }
    const snap = a.snapshot();
    const orders = topicByName(a.image, 't0');
    a.apply(log.event({ type: 'LeaderElected', v: 1, topicId: orders?.topicId ?? '', partition: 0, leaderId: 2, leaderEpoch: 4 }, 3));
    a.apply(log.append(0, new Uint8Array(0), 3));

    const b = machine();
    expect(b.restore(snap)).toBe(true);
    expect(b.restore({ ...snap })).toBe(false);
    for (const entry of log.entries) b.apply(entry);
    expect(digest(b.image)).toBe(digest(a.image));
    expect(() => machine().restore({ ...snap, index: snap.index + 1 })).toThrow(/snapshot says/);
  });

  it('CreateTopics → commit → every node: waitForLeaders resolves only once the elections are committed', async () => {
    const log = new Log();
    const nodes = [machine(), machine(), machine()];
    const commit = (e: MetaEvent): void => {
      const entry = log.event(e);
      for (const n of nodes) n.apply(entry);
    };
    for (const id of [1, 2, 3]) commit(registerEvent(id));
    const leader = nodes[0] as MetaStateMachine;
    const d = decideCreateTopics({ type: 'CreateTopics', validateOnly: false, topics: [{ name: 'orders', numPartitions: 3, replicationFactor: 3 }] }, leader.image, counterCtx());
    const waits = nodes.map((n) => n.waiters.waitForLeaders(['orders'], 5000));
    let resolved = 0;
    for (const w of waits) void w.then(() => resolved++);
    for (const e of d.events) commit(e);
    const topic = topicByName(leader.image, 'orders');
    for (const p of topic?.partitions ?? []) {
      // Drain the microtask queue so that a premature resolution would have been counted.
      await new Promise<void>((resolve) => setImmediate(resolve));
      expect(resolved).toBe(0);
      commit({ type: 'LeaderElected', v: 1, topicId: topic?.topicId ?? '', partition: p.partition, leaderId: p.replicas[0] ?? -1, leaderEpoch: 1 });
    }
    const seen = await Promise.all(waits);
    expect(seen.map((ts) => ts[0]?.partitions.map((p) => p.leader))).toEqual(nodes.map(() => topic?.partitions.map((p) => p.replicas[0])));
    expect(new Set(nodes.map((n) => digest(n.image))).size).toBe(1);
    for (const n of nodes) n.close();
  });
});
