import { afterEach, describe, expect, it } from 'vitest';
import { EntryType } from '../../../src/raft/core/index.js';
import { Cluster, text, type TestNode } from './harness.js';

const GROUPS = Array.from({ length: 20 }, (_, i) => `quiet-${i}`);

function framesSent(n: TestNode): number {
  return Object.values(n.host.stats.peers).reduce((sum, p) => sum + p.frames, 0);
}

function totalFramesSent(c: Cluster): number {
  return [...c.nodes.values()].reduce((sum, n) => sum + framesSent(n), 0);
}

function allQuiet(c: Cluster, groups: readonly string[] = GROUPS): boolean {
  return [...c.nodes.values()].every((n) => groups.every((g) => n.host.status(g).quiesced));
}

/** Wakes the test on every frame any node receives (after the host stepped it). */
function watchFrames(c: Cluster): void {
  for (const n of c.nodes.values()) n.transport.onFrameParts(() => c.signal.notify());
}

/** Ticks every host, round after round, until every group is quiet everywhere (bounded). */
async function tickUntilQuiet(c: Cluster, groups: readonly string[] = GROUPS): Promise<void> {
  for (let round = 0; round < 20 && !allQuiet(c, groups); round++) {
    const before = totalFramesSent(c);
    for (const n of c.nodes.values()) n.host.tick();
    // Each round until quiet sends something (heartbeats every tick); wait for it to land.
    await c.signal.until(() => allQuiet(c, groups) || totalFramesSent(c) > before, 5000, `round ${round} sends`);
    for (const n of c.nodes.values()) await n.host.settled();
  }
  const awake = [...c.nodes.values()].flatMap((n) => groups.filter((g) => !n.host.status(g).quiesced).map((g) => `${g}@${n.id}:${JSON.stringify(n.host.status(g))}`));
  expect(awake).toEqual([]);
}

async function startQuiet(host: { tickMs: number; electionTicks: number }): Promise<Cluster> {
  const c = await Cluster.start({ size: 3, fsync: 'never', host: { ...host, heartbeatTicks: 1, quiesce: true } });
  for (const g of GROUPS) await c.addGroup(g);
  for (const g of GROUPS) c.node(0).host.campaign(g);
  for (const g of GROUPS) expect(await c.waitLeader(g)).toBe(0);
  for (const g of GROUPS) await c.waitApplied(g, 1, [0, 1, 2]);
  watchFrames(c);
  return c;
}

describe('RaftHost: quiescence', () => {
  let cluster: Cluster | undefined;
  afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
  });

  it('idle groups go quiet and send nothing; a proposal wakes only its group, which goes quiet again', async () => {
    const c = await startQuiet({ tickMs: 0, electionTicks: 1_000_000 });
    cluster = c;
    await tickUntilQuiet(c);
    for (const n of c.nodes.values()) {
      n.host.tick();
      expect(n.host.stats.quiescedGroups).toBe(GROUPS.length);
    }
    const before = [...c.nodes.values()].map(framesSent);
    for (let i = 0; i < 50; i++) for (const n of c.nodes.values()) n.host.tick();
    for (const n of c.nodes.values()) await n.host.settled();
    expect([...c.nodes.values()].map(framesSent)).toEqual(before);

    const r = c.node(0).host.propose('quiet-0', text('wake'), EntryType.NORMAL);
    expect(c.node(0).host.status('quiet-0').quiesced).toBe(false);
    await r.committed;
    await c.waitApplied('quiet-0', r.index, [0, 1, 2]);
    expect(c.machine(2, 'quiet-0').values).toEqual(['wake']);
    // The other groups never woke.
    expect(allQuiet(c, GROUPS.slice(1))).toBe(true);
    await tickUntilQuiet(c);
  });

  it('a quiet leader wakes when a follower drops, keeps heartbeating while it is down, and goes quiet once it is back', async () => {
    const c = await startQuiet({ tickMs: 0, electionTicks: 1_000_000 });
    cluster = c;
    await tickUntilQuiet(c);
    const leader = c.node(0);
    leader.transport.onPeerConnectionLost(() => c.signal.notify());
    const port2 = c.node(2).port;
    await c.crash(2);
    await c.signal.until(() => GROUPS.every((g) => !leader.host.status(g).quiesced), 5000, 'the leader woken by peer-down');
    // Node 2 cannot answer, so the groups stay awake and node 1 keeps hearing heartbeats.
    for (let i = 0; i < 5; i++) {
      const want = (c.node(1).host.stats.peers['0']?.frames ?? 0) + 1;
      leader.host.tick();
      c.node(1).host.tick();
      await c.signal.until(() => (c.node(1).host.stats.peers['0']?.frames ?? 0) >= want, 5000, `heartbeat round ${i} answered`);
    }
    leader.host.tick();
    expect(leader.host.stats.quiescedGroups).toBe(0);
    leader.transport.onPeerUp(() => c.signal.notify());
    const n2 = await c.restart(2, port2);
    n2.transport.onFrameParts(() => c.signal.notify());
    n2.transport.onPeerUp(() => c.signal.notify());
    await c.signal.until(() => leader.transport.isPeerUp(2) && n2.transport.isPeerUp(0), 10_000, 'node 2 connected again');
    await tickUntilQuiet(c);
  });

  it('the followers of a killed quiet leader elect successors through peer-down, well within the election timeout', async () => {
    // Real timers; election timeout 2-4 s, so a new leader well before 2 s comes from peer-down.
    const c = await startQuiet({ tickMs: 20, electionTicks: 100 });
    cluster = c;
    await c.signal.until(() => allQuiet(c), 10_000, 'every group quiet');
    const t0 = performance.now();
    await c.crash(0);
    const leaders = await Promise.all(GROUPS.map((g) => c.waitLeader(g, 1_500)));
    const elapsedMs = performance.now() - t0;
    console.log(`[quiescence] ${GROUPS.length} quiet groups re-elected in ${elapsedMs.toFixed(0)} ms after their leader was killed`);
    expect(elapsedMs).toBeLessThan(1_500);
    for (const [i, g] of GROUPS.entries()) {
      const leader = leaders[i] as number;
      expect([1, 2]).toContain(leader);
      await c.node(leader).host.propose(g, text(`after-${g}`), EntryType.NORMAL).committed;
    }
  });
});
