import { afterEach, describe, expect, it } from 'vitest';
import { EntryType } from '../../../src/raft/core/index.js';
import { Cluster, text } from './harness.js';

const GROUPS = ['g1', 'g2', 'g3', 'g4'];
// Election timeout 2–4 s: a new leader well before 2 s can only come from the peer-down path.
const HOST = { tickMs: 20, electionTicks: 100 };
const BOUND_MS = 1_500;

describe('RaftHost: a dropped connection to the leader elects successors without an election timeout', () => {
  let cluster: Cluster | undefined;
  afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
  });

  it('every group led by a node whose connections close gets a new leader within a fraction of the election timeout', async () => {
    const c = await Cluster.start({ size: 3, fsync: 'never', host: HOST });
    cluster = c;
    for (const g of GROUPS) {
      await c.addGroup(g);
      c.node(0).host.campaign(g);
      expect(await c.waitLeader(g)).toBe(0);
      await c.node(0).host.propose(g, text(`before-${g}`), EntryType.NORMAL).committed;
    }
    const t0 = performance.now();
    await c.crash(0); // closes node 0's sockets, as the kernel does for a killed process
    const leaders = await Promise.all(GROUPS.map((g) => c.waitLeader(g, BOUND_MS)));
    const elapsedMs = performance.now() - t0;
    console.log(`[peer-down] ${GROUPS.length} groups re-elected in ${elapsedMs.toFixed(0)} ms (election timeout >= ${HOST.tickMs * HOST.electionTicks} ms)`);
    expect(elapsedMs).toBeLessThan(BOUND_MS);
    for (const [i, g] of GROUPS.entries()) {
      const leader = leaders[i] as number;
      expect([1, 2]).toContain(leader);
      // One election each: the survivors did not split the vote and retry.
      expect(c.node(leader).host.status(g).term).toBe(2);
      await c.node(leader).host.propose(g, text(`after-${g}`), EntryType.NORMAL).committed;
    }
  });

  it('a follower whose own connection drops while the leader lives does not disturb the group', async () => {
    const c = await Cluster.start({ size: 3, fsync: 'never', host: HOST });
    cluster = c;
    await c.addGroup('g');
    c.node(0).host.campaign('g');
    expect(await c.waitLeader('g')).toBe(0);
    // Node 2 leaves and comes back: its peers' connections to it drop, and it forgets nobody.
    const port2 = c.node(2).port;
    await c.crash(2);
    await c.restart(2, port2);
    await c.node(0).host.propose('g', text('x'), EntryType.NORMAL).committed;
    // Node 1 loses its connection to the live leader (node 0 drops and redials it): a wrong report.
    const address = (id: number): [number, { host: string; port: number }] => [id, { host: '127.0.0.1', port: c.node(id).port }];
    c.node(1).transport.setPeers(new Map([address(2)]));
    c.node(1).transport.setPeers(new Map([address(0), address(2)]));
    const r = c.node(0).host.propose('g', text('y'), EntryType.NORMAL);
    await r.committed;
    await c.waitApplied('g', r.index, [0, 1, 2]);
    expect(await c.waitLeader('g')).toBe(0);
    expect(c.node(0).host.status('g').term).toBe(1);
  });
});
