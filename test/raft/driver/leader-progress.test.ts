import { afterEach, describe, expect, it } from 'vitest';
import type { RaftTracer } from '../../../src/raft/driver/index.js';
import { NodeFileIO } from '../../../src/wal/node-file-io.js';
import { Cluster, GatedClusterSlot, Signal, SyncGate } from './harness.js';

/**
 * What `status().match` tells a leader's users (the ISR, leader balancing, retention) about its
 * followers must be what the core counted. A new leader sends its first appends before its own
 * write of them (§10.2.1), so its followers' acknowledgements can be stepped while its drain still
 * waits for that write, before the driver has applied the Ready that made it leader. The gate holds
 * the leader's fdatasync to force that order. A copy of the match indexes kept by the driver from
 * acknowledgements as they arrived ignored those, and with commit notices off nothing acknowledged
 * again: the partition's ISR never got its followers back (scale-3n, docs/raft.md).
 */

const slot = new GatedClusterSlot();

afterEach(() => slot.clear());

describe("a new leader's view of its followers", () => {
  it('counts acknowledgements stepped before the Ready that made it leader was persisted', async () => {
    const signal = new Signal();
    const g = new SyncGate(signal);
    slot.gate = g;
    /** Acknowledgements the leader stepped (only a leader steps them), by index. */
    const acks: number[] = [];
    const tracer: RaftTracer = {
      mark(point, group, index) {
        if (point !== 'recvResp' || group !== 'p') return;
        acks.push(index);
        signal.notify();
      },
    };
    const c = await Cluster.start({
      size: 3,
      fsync: 'always',
      host: { tickMs: 0, electionTicks: 1_000_000, tracer },
      fileIO: (id) => (id === 0 ? g : new NodeFileIO()),
    });
    slot.cluster = c;
    await c.addGroup('p', [0, 1, 2], 'partition', false);

    g.armed = true;
    c.node(0).host.campaign('p');
    await signal.until(() => g.held.length > 0 && acks.length >= 2, 10_000, "both followers' acknowledgements while the leader's own write is held");
    const status = c.node(0).host.status('p');
    expect(status.role).toBe('leader');
    const last = status.lastIndex;
    expect(acks.every((i) => i === last), `acknowledged ${acks.join(',')} of ${last}`).toBe(true);
    expect(status.match.get(1)).toBe(last);
    expect(status.match.get(2)).toBe(last);

    // Once the write lands and the drain applies the Ready, nothing is forgotten.
    g.releaseAll();
    await c.node(0).host.settled();
    const after = c.node(0).host.status('p');
    expect([after.match.get(0), after.match.get(1), after.match.get(2)]).toEqual([last, last, last]);
    expect(after.commit).toBe(last);
  }, 20_000);
});
