import { afterEach, describe, expect, it } from 'vitest';
import { EntryType } from '../../../src/raft/core/index.js';
import { Cluster, GatedClusterSlot, Signal, SyncGate, text } from './harness.js';

/**
 * Apply before persist (ready-loop.ts, apply.ts `appliesEarly`): a Ready whose committed entries
 * are already durable here applies them and settles their proposals before its own new entries'
 * fdatasync, not one WAL round later. A SyncGate (harness.ts) holds fdatasyncs, so the order is forced,
 * not timed: e1's sync is held while e2 is proposed, so the next Ready carries both e1 (committed)
 * and e2 (to write); then e2's sync is held and e1 must still be answered.
 */

const slot = new GatedClusterSlot();

afterEach(() => slot.clear());

describe('apply before persist', () => {
  it("answers a committed proposal while the next entries' fdatasync is still held", async () => {
    const signal = new Signal();
    const g = new SyncGate(signal);
    slot.gate = g;
    const c = await Cluster.start({ size: 1, fsync: 'always', host: {}, fileIO: () => g });
    slot.cluster = c;
    await c.addGroup('early');
    c.node(0).host.campaign('early');
    await c.waitLeader('early');
    const host = c.node(0).host;
    await host.propose('early', text('warm-up'), EntryType.NORMAL).committed;

    g.armed = true;
    const e1 = host.propose('early', text('e1'), EntryType.NORMAL);
    await signal.until(() => g.held.length === 1, 5_000, "e1's fdatasync to be held");
    // The drain waits for e1's round: e2 goes into the next Ready, beside e1's commit.
    const e2 = host.propose('early', text('e2'), EntryType.NORMAL);
    let e2Settled = false;
    void e2.committed.then(() => (e2Settled = true));
    let e1Committed = false;
    void e1.committed.then(() => {
      e1Committed = true;
      signal.notify();
    });
    g.releaseOne();

    await signal.until(() => e1Committed && g.held.length === 1, 5_000, "e1 answered while e2's fdatasync is held");
    expect(c.machine(0, 'early').values).toEqual(['warm-up', 'e1']);
    expect(e2Settled).toBe(false);

    g.releaseAll();
    await e2.committed;
    expect(c.machine(0, 'early').values).toEqual(['warm-up', 'e1', 'e2']);
  }, 20_000);
});
