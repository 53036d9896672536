import { afterEach, describe, expect, it } from 'vitest';
import { EntryType } from '../../../src/raft/core/index.js';
import { Cluster, text } from './harness.js';

const GROUPS = Array.from({ length: 100 }, (_, i) => `topic-${i}`);

// fsync 'never': 100 groups × 3 hosts; the point is batching and coalescing, not the disk.
describe('RaftHost: many groups on three hosts', () => {
  let cluster: Cluster | undefined;
  afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
  });

  it('100 groups all elect (leaders spread over the hosts) and commit', async () => {
    cluster = await Cluster.start({ size: 3, fsync: 'never', host: { tickMs: 0, electionTicks: 1_000_000 } });
    for (const g of GROUPS) await cluster.addGroup(g);
    GROUPS.forEach((g, i) => cluster?.node(i % 3).host.campaign(g));
    for (const [i, g] of GROUPS.entries()) expect(await cluster.waitLeader(g)).toBe(i % 3);
    const results = GROUPS.map((g, i) => cluster?.node(i % 3).host.propose(g, text(`hello ${g}`), EntryType.NORMAL));
    await Promise.all(results.map((r) => r?.committed));
    for (const g of GROUPS) await cluster.waitApplied(g, 2, [0, 1, 2]);
    for (const g of GROUPS) for (const id of [0, 1, 2]) expect(cluster.machine(id, g).values).toEqual([`hello ${g}`]);
    // Many groups share each drain and each frame: far fewer frames than messages.
    const t = cluster.node(0).host.stats.peers['1'];
    expect(t).toBeDefined();
    expect(t?.messages ?? 0).toBeGreaterThan(3 * (t?.frames ?? 0));
  });

  // Without quiescence (which silences idle groups: quiescence.test.ts), as with a follower down.
  it('coalesces heartbeats: one frame per tick per peer for 100 idle groups', async () => {
    cluster = await Cluster.start({ size: 3, fsync: 'never', host: { tickMs: 0, electionTicks: 1_000_000, heartbeatTicks: 1, quiesce: false } });
    for (const g of GROUPS) await cluster.addGroup(g);
    for (const g of GROUPS) cluster.node(0).host.campaign(g);
    for (const g of GROUPS) await cluster.waitLeader(g);
    for (const g of GROUPS) await cluster.waitApplied(g, 1, [0, 1, 2]);
    const leader = cluster.node(0);
    const follower = cluster.node(1);
    // Count the reply frames arriving at the leader, to wait for each round (no polling).
    const replies = [0, 0, 0];
    leader.transport.onFrameParts((from) => {
      replies[from] = (replies[from] ?? 0) + 1;
      cluster?.signal.notify();
    });
    const round = async (what: string): Promise<void> => {
      const want1 = (follower.host.stats.peers['0']?.frames ?? 0) + 1;
      const want2 = (cluster?.node(2).host.stats.peers['0']?.frames ?? 0) + 1;
      leader.host.tick();
      await cluster?.signal.until(
        () => (follower.host.stats.peers['0']?.frames ?? 0) >= want1 && (cluster?.node(2).host.stats.peers['0']?.frames ?? 0) >= want2,
        5000,
        what,
      );
      await leader.host.settled();
    };
    // A warm-up round leaves nothing in flight from the elections.
    await round('warm-up');
    const out0 = { ...leader.host.stats.peers['1'] };
    const out1 = { ...follower.host.stats.peers['0'] };
    const drains0 = leader.host.stats.drains;
    const TICKS = 10;
    for (let i = 0; i < TICKS; i++) await round(`round ${i}`);
    const d0 = leader.host.stats.peers['1'];
    const d1 = follower.host.stats.peers['0'];
    expect((d0?.frames ?? 0) - (out0.frames ?? 0)).toBe(TICKS);
    expect((d0?.heartbeats ?? 0) - (out0.heartbeats ?? 0)).toBe(TICKS * GROUPS.length);
    expect((d0?.messages ?? 0) - (out0.messages ?? 0)).toBe(0);
    expect((d1?.frames ?? 0) - (out1.frames ?? 0)).toBe(TICKS);
    expect((d1?.heartbeats ?? 0) - (out1.heartbeats ?? 0)).toBe(TICKS * GROUPS.length);
    // One drain per tick on the leader (the heartbeat responses need no drain of their own).
    expect(leader.host.stats.drains - drains0).toBeLessThanOrEqual(TICKS * 2);
  });
});

