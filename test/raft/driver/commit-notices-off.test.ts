import { afterEach, describe, expect, it } from 'vitest';
import { EntryType } from '../../../src/raft/core/index.js';
import { Cluster, text } from './harness.js';

/**
 * AddGroupOptions.commitNotices = false: a leader tells followers of a commit only with its next
 * append or heartbeat. What must hold: with proposals spaced apart (each commit has no next append
 * to ride on, the case the option is for) it sends half the messages, and the followers still
 * apply the last entry, from the next heartbeat.
 */

let cluster: Cluster | undefined;

afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

/** Raft messages (heartbeats aside) every host has sent so far. */
function messagesSent(c: Cluster): number {
  let total = 0;
  for (const id of [0, 1, 2]) for (const p of Object.values(c.node(id).host.stats.peers)) total += p.messages;
  return total;
}

/**
 * Elects node 0 and commits a first entry that every member has applied. Heartbeats (the leader's
 * ticks, as a host's timer runs them, at 20 ms) repair an append lost while the connections were
 * still being set up, and teach the followers the commit.
 */
async function warmUp(c: Cluster, group: string): Promise<void> {
  c.node(0).host.campaign(group);
  await c.waitLeader(group);
  const p = c.node(0).host.propose(group, text('warm-up'), EntryType.NORMAL);
  await p.committed;
  await whileTicking(c, () => c.waitApplied(group, p.index, [0, 1, 2], 10_000));
  await settledEverywhere(c);
}

async function whileTicking(c: Cluster, wait: () => Promise<void>): Promise<void> {
  const ticks = setInterval(() => c.node(0).host.tick(), 20);
  try {
    await wait();
  } finally {
    clearInterval(ticks);
  }
}

async function settledEverywhere(c: Cluster): Promise<void> {
  for (const id of [0, 1, 2]) await c.node(id).host.settled();
}

/** Proposes `n` entries on node 0, each once the previous one is committed and every host is idle; returns messages sent. */
async function spacedProposals(c: Cluster, group: string, n: number): Promise<{ messages: number; last: number }> {
  const host = c.node(0).host;
  const before = messagesSent(c);
  let last = 0;
  for (let i = 0; i < n; i++) {
    const p = host.propose(group, text(`${group}-${i}`), EntryType.NORMAL);
    await p.committed;
    last = p.index;
    await settledEverywhere(c);
  }
  return { messages: messagesSent(c) - before, last };
}

describe('commit notices off, three hosts', () => {
  it('spaced proposals: half the messages of a group with notices, and the followers apply the last entry after a heartbeat', async () => {
    // No tick timer: heartbeats only when the test ticks, so every message counted is replication.
    cluster = await Cluster.start({ size: 3, fsync: 'always', host: { tickMs: 0, electionTicks: 1_000_000, heartbeatTicks: 1, quiesce: false } });
    const c = cluster;
    await c.addGroup('on', [0, 1, 2], 'partition', true);
    await c.addGroup('off', [0, 1, 2], 'partition', false);
    for (const g of ['on', 'off']) await warmUp(c, g);

    const n = 20;
    const on = await spacedProposals(c, 'on', n);
    await c.waitApplied('on', on.last, [0, 1, 2], 10_000);
    const off = await spacedProposals(c, 'off', n);
    // Per entry: an append to each follower and its acknowledgement; with notices, also a notice
    // to each follower and its acknowledgement (8 per entry against 4).
    expect(on.messages, `notices on: ${on.messages} messages for ${n} entries`).toBeGreaterThanOrEqual(7 * n);
    expect(off.messages, `notices off: ${off.messages} messages for ${n} entries`).toBeLessThanOrEqual(4 * n + 4);

    // The followers know every entry but the last is committed (each append carried the one before).
    for (const f of [1, 2]) expect(c.node(f).host.status('off').commit).toBe(off.last - 1);
    // The leader's ticks (a heartbeat each) teach them the last. A heartbeat carries no commit
    // index beyond what the follower has acknowledged, and the second acknowledgement may still be
    // on its way: ticks keep coming, as a host's timer runs them.
    await whileTicking(c, () => c.waitApplied('off', off.last, [0, 1, 2], 10_000));
    for (const f of [1, 2]) expect(c.machine(f, 'off').values.slice(-n)).toEqual(Array.from({ length: n }, (_, i) => `off-${i}`));
  });

  it('a read barrier on a follower does not wait for a heartbeat: the read round itself carries the commit', async () => {
    // No ticks after the warm-up: only the read's own heartbeat round can teach the follower the commit.
    cluster = await Cluster.start({ size: 3, fsync: 'always', host: { tickMs: 0, electionTicks: 1_000_000, heartbeatTicks: 1, quiesce: false } });
    const c = cluster;
    await c.addGroup('off', [0, 1, 2], 'partition', false);
    await warmUp(c, 'off');
    const { last } = await spacedProposals(c, 'off', 3);
    expect(c.node(1).host.status('off').commit).toBe(last - 1);
    const index = await c.node(1).host.readIndex('off', 10_000);
    expect(index).toBe(last);
    expect(c.node(1).host.status('off').applied).toBeGreaterThanOrEqual(last);
  });
});
