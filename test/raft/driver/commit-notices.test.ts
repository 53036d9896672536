import { afterEach, describe, expect, it } from 'vitest';
import { EntryType, message, MessageType, type Message } from '../../../src/raft/core/index.js';
import { CommitNotices } from '../../../src/raft/driver/commit-notices.js';
import type { RaftGroup } from '../../../src/raft/driver/group.js';
import { Outbox } from '../../../src/raft/driver/outbox.js';
import { newStats } from '../../../src/raft/driver/stats.js';
import type { NodeTransport } from '../../../src/raft/transport/index.js';
import { Cluster, text } from './harness.js';

/**
 * Commit notices (commit-notices.ts): a leader's entry-less appends, sent the moment its commit
 * index moves, are held until the next drain's appends (which carry the commit and supersede them)
 * or the next turn. What must hold: a caller that proposes as soon as its entry commits makes the
 * leader send one frame per follower per entry, not two; and a notice that no append follows still
 * reaches the followers, which apply the last entry.
 */

let cluster: Cluster | undefined;

afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

function framesTo(c: Cluster, from: number, to: number): number {
  return c.node(from).host.stats.peers[String(to)]?.frames ?? 0;
}

describe('commit notices, three hosts', () => {
  it('one proposal at a time: one frame per follower per entry, and the last commit still reaches the followers', async () => {
    // No tick timer: no heartbeats, so every frame is replication. Real fdatasyncs: each append is
    // its own drain, as in production.
    cluster = await Cluster.start({ size: 3, fsync: 'always', host: { tickMs: 0, electionTicks: 1_000_000 } });
    const c = cluster;
    await c.addGroup('n');
    c.node(0).host.campaign('n');
    await c.waitLeader('n');
    const host = c.node(0).host;
    await host.propose('n', text('warm-up'), EntryType.NORMAL).committed;
    await host.settled();
    const before = [1, 2].map((f) => framesTo(c, 0, f));

    const n = 40;
    let last = 0;
    for (let i = 0; i < n; i++) {
      const p = host.propose('n', text(`v${i}`), EntryType.NORMAL);
      await p.committed;
      last = p.index;
    }
    // The last notice has no append to ride with: it goes out alone, by the time settled()
    // resolves (n appends and at least that notice per follower), and the followers apply it.
    await host.settled();
    const sent = [1, 2].map((f, i) => framesTo(c, 0, f) - (before[i] ?? 0));
    await c.waitApplied('n', last, [0, 1, 2], 10_000);

    // Without holding, each entry took two frames per follower (its append, then its commit alone).
    // Under load a notice may now and then go out alone (its next append came a turn late). There
    // is no lower bound: the commit needs one follower, so the other may lag and get several
    // entries in one append (a fresh-clone CI run counted 33 frames for 40 entries). That the last
    // commit reaches both followers is checked by their applying it (above and below).
    for (const frames of sent) {
      expect(frames, `frames to the followers: ${sent.join(', ')}`).toBeLessThanOrEqual(n + n / 2);
    }
    for (const f of [1, 2]) expect(c.machine(f, 'n').values.slice(-n)).toEqual(Array.from({ length: n }, (_, i) => `v${i}`));
  });
});

/** Raft messages (heartbeats aside) every host has sent so far. */
function messagesSent(c: Cluster): number {
  let total = 0;
  for (const id of [0, 1, 2]) for (const p of Object.values(c.node(id).host.stats.peers)) total += p.messages;
  return total;
}

describe('commit notices, many groups busy', () => {
  it('a drain that writes entries holds its notices too: the next drain\'s appends replace most of them', async () => {
    cluster = await Cluster.start({ size: 3, fsync: 'always', host: { tickMs: 0, electionTicks: 1_000_000 } });
    const c = cluster;
    // Leaders spread over the hosts: every host's drains write the entries of the groups it
    // follows while its own groups' commit indexes move.
    const groups = Array.from({ length: 9 }, (_, i) => ({ id: `m${i}`, leader: i % 3 }));
    for (const g of groups) {
      await c.addGroup(g.id);
      c.node(g.leader).host.campaign(g.id);
      await c.waitLeader(g.id);
    }
    for (const id of [0, 1, 2]) await c.node(id).host.settled();
    const before = messagesSent(c);
    // Four proposals in flight per group, each caller proposing again on commit.
    const perCaller = 20;
    let committed = 0;
    const caller = async (g: { id: string; leader: number }, k: number): Promise<void> => {
      for (let i = 0; i < perCaller; i++) {
        await c.node(g.leader).host.propose(g.id, text(`${g.id}-${k}-${i}`), EntryType.NORMAL).committed;
        committed++;
      }
    };
    await Promise.all(groups.flatMap((g) => [0, 1, 2, 3].map((k) => caller(g, k))));
    for (const g of groups) await c.waitApplied(g.id, c.node(g.leader).host.status(g.id).commit, [0, 1, 2], 10_000);
    const sent = messagesSent(c) - before;
    // A round of a group is one append per follower and one acknowledgement back; a notice sent
    // on its own added one message and its acknowledgement per follower. Measured (in-process,
    // 720 entries): 1.87-1.97 messages per entry when a drain that wrote entries sent its notices
    // at once, 1.14-1.25 with them held.
    expect(sent, `${sent} messages for ${committed} entries`).toBeLessThanOrEqual(committed * 1.5);
  });
});

/** A group stand-in: the notices only look at its identity and whether it still runs. */
function fakeGroup(id: string): RaftGroup {
  return { id, idBytes: Buffer.from(id), failed: undefined, removed: false } as unknown as RaftGroup;
}

function notice(to: number, commit: number): Message {
  return message({ type: MessageType.APPEND, from: 1, to, term: 2, index: commit, logTerm: 2, commit });
}

/** Counts what an Outbox hands to the transport, per peer (Chronik node ids). */
function sink(): { transport: NodeTransport; sent: Map<number, number> } {
  const sent = new Map<number, number>();
  const transport = {
    send: (to: number): boolean => {
      sent.set(to, (sent.get(to) ?? 0) + 1);
      return true;
    },
  } as unknown as NodeTransport;
  return { transport, sent };
}

describe('CommitNotices', () => {
  it('keeps the newest notice per group and follower; an append to that follower supersedes it', () => {
    const a = fakeGroup('a');
    const b = fakeGroup('b');
    const notices = new CommitNotices();
    expect(notices.empty).toBe(true);
    notices.hold(a, notice(2, 5));
    notices.hold(a, notice(2, 6));
    notices.hold(a, notice(3, 6));
    notices.hold(b, notice(2, 9));
    // An append with entries of group a to raft id 2 carries a commit at least as new.
    const append = message({ type: MessageType.APPEND, from: 1, to: 2, term: 2, index: 6, logTerm: 2, commit: 6, entries: [{ index: 7, term: 2, type: 0, data: text('x') }] });
    notices.supersede(a, append);
    // Not an append: supersedes nothing.
    notices.supersede(b, message({ type: MessageType.HEARTBEAT, from: 1, to: 2, term: 2 }));
    const out = new Outbox();
    notices.release(out);
    expect(notices.empty).toBe(true);
    const { transport, sent } = sink();
    out.flush(transport, newStats());
    // Raft ids 2 and 3 are Chronik nodes 1 and 2: a's notice to 3, b's notice to 2.
    expect([...sent.entries()].sort()).toEqual([
      [1, 1],
      [2, 1],
    ]);
  });

  it('drops the notices of a removed group at release', () => {
    const a = fakeGroup('a');
    const notices = new CommitNotices();
    notices.hold(a, notice(2, 5));
    a.removed = true;
    const out = new Outbox();
    notices.release(out);
    expect(out.empty).toBe(true);
    expect(notices.empty).toBe(true);
  });

  it('only entry-less appends are notices', () => {
    expect(CommitNotices.isNotice(notice(2, 5))).toBe(true);
    expect(CommitNotices.isNotice(message({ type: MessageType.APPEND, from: 1, to: 2, term: 2, entries: [{ index: 1, term: 2, type: 0, data: text('x') }] }))).toBe(false);
    expect(CommitNotices.isNotice(message({ type: MessageType.HEARTBEAT, from: 1, to: 2, term: 2 }))).toBe(false);
  });
});
