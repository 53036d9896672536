import { afterEach, describe, expect, it } from 'vitest';
import { EntryType } from '../../../src/raft/core/index.js';
import { NotLeaderError } from '../../../src/util/errors.js';
import { Cluster, text } from './harness.js';

// fsync 'never': these tests are about the driver's logic; durability is covered by restart tests.
describe('RaftHost: one group on three hosts', () => {
  let cluster: Cluster | undefined;
  afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
  });

  it('campaign() elects at once, without waiting for an election timeout', async () => {
    // A huge election timeout and no tick timer: only campaign() can produce a leader.
    cluster = await Cluster.start({ size: 3, fsync: 'never', host: { tickMs: 0, electionTicks: 1_000_000 } });
    await cluster.addGroup('g');
    cluster.node(1).host.campaign('g');
    expect(await cluster.waitLeader('g', 5000)).toBe(1);
    expect(cluster.node(1).host.stats.elections).toBe(1);
    // The no-op of the new term commits and is applied everywhere.
    await cluster.waitApplied('g', 1, [0, 1, 2], 5000);
  });

  it('commits proposals and applies them on all three in the same order', async () => {
    cluster = await Cluster.start({ size: 3, fsync: 'never', host: { tickMs: 0, electionTicks: 1_000_000 } });
    await cluster.addGroup('g');
    cluster.node(0).host.campaign('g');
    await cluster.waitLeader('g');
    const leader = cluster.node(0).host;
    const results = [];
    for (let i = 0; i < 200; i++) results.push(leader.propose('g', text(`v${i}`), EntryType.NORMAL));
    // Indexes are consecutive after the no-op, all in the leader's term.
    expect(results.map((r) => r.index)).toEqual(Array.from({ length: 200 }, (_, i) => i + 2));
    expect(new Set(results.map((r) => r.term)).size).toBe(1);
    await Promise.all(results.map((r) => r.durable));
    await Promise.all(results.map((r) => r.committed));
    const last = results.at(-1)?.index ?? 0;
    await cluster.waitApplied('g', last, [0, 1, 2]);
    const expected = Array.from({ length: 200 }, (_, i) => `v${i}`);
    for (const id of [0, 1, 2]) expect(cluster.machine(id, 'g').values).toEqual(expected);
    // Committed means applied on the leader already.
    expect(cluster.machine(0, 'g').applied).toBeGreaterThanOrEqual(last);
    expect(leader.stats.commitLatencyMs.count).toBe(200);
    const st = leader.status('g');
    expect(st.role).toBe('leader');
    expect(st.commit).toBe(last);
    // A commit needs a follower's acknowledgement of `last`: the leader has seen at least one.
    expect(Math.max(st.match.get(1) ?? 0, st.match.get(2) ?? 0)).toBeGreaterThanOrEqual(last);
    expect(st.match.get(0)).toBeGreaterThanOrEqual(last);
  });

  it('throws NotLeaderError synchronously on a follower, naming the leader', async () => {
    cluster = await Cluster.start({ size: 3, fsync: 'never', host: { tickMs: 0, electionTicks: 1_000_000 } });
    await cluster.addGroup('g');
    cluster.node(2).host.campaign('g');
    await cluster.waitLeader('g');
    let thrown: unknown;
    try {
      cluster.node(0).host.propose('g', text('x'), EntryType.NORMAL);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(NotLeaderError);
    expect((thrown as NotLeaderError).leaderId).toBe(2);
  });
});
