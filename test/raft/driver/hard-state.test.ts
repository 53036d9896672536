import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { EntryType, Role, type HardState } from '../../../src/raft/core/index.js';
import type { RaftGroup } from '../../../src/raft/driver/group.js';
import { HardStateSaver } from '../../../src/raft/driver/hard-state.js';
import { WalStore, type WalLog } from '../../../src/wal/index.js';
import { Cluster, text } from './harness.js';

const silent = pino({ level: 'silent' });

/** Group 'g' on the three hosts, led by node 0; each host's log of it. */
async function groupLedByNode0(c: Cluster): Promise<WalLog[]> {
  await c.addGroup('g');
  c.node(0).host.campaign('g');
  await c.waitLeader('g');
  return Promise.all([0, 1, 2].map((id) => c.node(id).wal.openLog('g')));
}

/**
 * The highest commit index whose save has completed, and a bounded wait for one at least as high
 * (the saves are LevelDB writes: a turn of the event loop does not see them done).
 */
function savedCommits(): { saved: (commit: number) => void; upTo: (commit: number, timeoutMs: number) => Promise<void> } {
  let highest = 0;
  const waiting: Array<{ commit: number; resolve: () => void }> = [];
  return {
    saved(commit) {
      highest = Math.max(highest, commit);
      for (const w of waiting.filter((x) => x.commit <= highest)) w.resolve();
    },
    upTo(commit, timeoutMs) {
      if (highest >= commit) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no save of commit ${commit} within ${timeoutMs} ms (highest ${highest})`)), timeoutMs);
        waiting.push({ commit, resolve: () => { clearTimeout(timer); resolve(); } });
      });
    },
  };
}

/** Wraps each log's saveHardState to count commit-only saves; `leader` reports node 0's completed saves. */
function countSaves(logs: WalLog[]): { saves: number[]; leader: ReturnType<typeof savedCommits> } {
  const saves = logs.map(() => 0);
  const leader = savedCommits();
  logs.forEach((log, i) => {
    const save = log.saveHardState.bind(log);
    log.saveHardState = (hs, opts) => {
      saves[i] = (saves[i] ?? 0) + 1;
      const done = save(hs, opts);
      if (i === 0) void done.then(() => leader.saved(hs.commit));
      return done;
    };
  });
  return { saves, leader };
}

/** One proposal at a time to 'g' on node 0 (every commit moves every node's commit index); the last commit. */
async function proposeOneByOne(c: Cluster, count: number): Promise<number> {
  let last = 0;
  for (let i = 0; i < count; i++) last = await c.node(0).host.propose('g', text(`v${i}`), EntryType.NORMAL).committed.then(() => c.node(0).host.status('g').commit);
  return last;
}

describe('hard states: a new term or vote synced at once, the commit index unsynced (a one-voter leader\'s in the next turn, everyone else\'s at the tick)', () => {
  let cluster: Cluster | undefined;
  afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
  });

  it('a 3-voter group writes no commit index between ticks, however many commits; the tick writes each node\'s newest, and a crash keeps it', async () => {
    cluster = await Cluster.start({ size: 3, fsync: 'always', host: { tickMs: 0, electionTicks: 1_000_000 } });
    const logs = await groupLedByNode0(cluster);
    // The election's term and vote are durable everywhere (a vote is a promise).
    for (const log of logs) expect(log.hardState.term).toBe(cluster.node(0).host.status('g').term);
    const { saves } = countSaves(logs);
    const before = logs.map((log) => log.hardState.commit);
    const last = await proposeOneByOne(cluster, 20);
    await cluster.waitApplied('g', last, [0, 1, 2]);
    // Ticks are off here: neither the leader nor the followers wrote a commit index.
    expect(saves).toEqual([0, 0, 0]);
    expect(logs.map((log) => log.hardState.commit)).toEqual(before);
    // The tick writes each node's newest (unsynced: a process crash keeps it).
    const known = [0, 1, 2].map((id) => cluster?.node(id).host.status('g').commit ?? 0);
    expect(known[0]).toBe(last);
    for (const id of [0, 1, 2]) {
      cluster.node(id).host.tick();
      expect(saves[id]).toBe(1);
      expect(logs[id]?.hardState.commit).toBe(known[id]);
    }
    const dirs = [0, 1, 2].map((id) => cluster?.node(id).dir ?? '');
    for (const id of [0, 1, 2]) await cluster.crash(id);
    const reopened = await Promise.all(
      dirs.map(async (nodeDir) => {
        const wal = await WalStore.open({ dir: join(nodeDir, 'wal'), logger: silent });
        const hs = (await wal.openLog('g')).hardState;
        await wal.close();
        return hs.commit;
      }),
    );
    expect(reopened).toEqual(known);
  });

  it('the leader of a one-voter group writes its newest commit index turn by turn, with no tick, and a crash keeps it', async () => {
    cluster = await Cluster.start({ size: 1, fsync: 'always', host: { tickMs: 0, electionTicks: 1_000_000 } });
    await cluster.addGroup('g');
    cluster.node(0).host.campaign('g');
    await cluster.waitLeader('g');
    const log = await cluster.node(0).wal.openLog('g');
    const { saves, leader } = countSaves([log]);
    const last = await proposeOneByOne(cluster, 20);
    // A write in flight holds the next, which goes out in the turn after it ends.
    await leader.upTo(last, 5_000);
    expect(log.hardState.commit).toBe(last);
    expect(saves[0]).toBeGreaterThan(0);
    expect(saves[0]).toBeLessThanOrEqual(20 + 1);
    const dir = cluster.node(0).dir;
    await cluster.crash(0);
    const wal = await WalStore.open({ dir: join(dir, 'wal'), logger: silent });
    expect((await wal.openLog('g')).hardState.commit).toBe(last);
    await wal.close();
  });
});

describe('HardStateSaver', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('never overlaps two saves of one group, and a term change supersedes a deferred commit', async () => {
    dir = await mkdtemp(join(tmpdir(), 'chronik-hard-state-'));
    const wal = await WalStore.open({ dir, logger: silent });
    const log = await wal.openLog('g');
    const events: string[] = [];
    // The real log, with its saves observed (start and end of each).
    const observed = {
      saveHardState(hs: HardState): Promise<void> {
        events.push(`start ${hs.term}/${hs.commit}`);
        return log.saveHardState(hs).then(() => void events.push(`end ${hs.term}/${hs.commit}`));
      },
    };
    const g = { id: 'g', log: observed, logger: silent, failed: undefined } as unknown as RaftGroup;
    const saver = new HardStateSaver();
    const first = saver.saveNow(g, { term: 1, vote: 1, commit: 1 });
    saver.defer(g, { term: 1, vote: 1, commit: 2 });
    // A tick while the first save is in flight keeps the deferred one for later.
    saver.flushDeferred();
    expect(events).toEqual(['start 1/1']);
    expect(saver.pending).toBe(1);
    const second = saver.saveNow(g, { term: 2, vote: 3, commit: 3 });
    expect(saver.pending).toBe(0);
    expect(events).toEqual(['start 1/1']);
    await Promise.all([first, second]);
    expect(events).toEqual(['start 1/1', 'end 1/1', 'start 2/3', 'end 2/3']);
    saver.defer(g, { term: 2, vote: 3, commit: 4 });
    saver.defer(g, { term: 2, vote: 3, commit: 5 });
    saver.flushDeferred();
    await saver.settle(g);
    // Only the newest deferred commit is written.
    expect(events.slice(4)).toEqual(['start 2/5', 'end 2/5']);
    await wal.close();
    const again = await WalStore.open({ dir, logger: silent });
    expect((await again.openLog('g')).hardState).toEqual({ term: 2, vote: 3, commit: 5 });
    await again.close();
  });

  it('a one-voter leader\'s commit index that moved while a save was in flight is written in the turn after it ends; a 3-voter leader\'s and a follower\'s wait for the tick', async () => {
    dir = await mkdtemp(join(tmpdir(), 'chronik-hard-state-'));
    const wal = await WalStore.open({ dir, logger: silent });
    const logs = await Promise.all(['l', 'm', 'f'].map((id) => wal.openLog(id)));
    const events: string[] = [];
    const group = (log: WalLog, role: Role, voters: number[]): RaftGroup => {
      const observed = {
        saveHardState(hs: HardState, opts?: { sync?: boolean }): Promise<void> {
          events.push(`${log.logId} ${hs.commit}`);
          return log.saveHardState(hs, opts);
        },
      };
      return { id: log.logId, log: observed, logger: silent, failed: undefined, role, members: { voters, learners: [] } } as unknown as RaftGroup;
    };
    const leader = group(logs[0] as WalLog, Role.LEADER, [1]);
    const leaderOf3 = group(logs[1] as WalLog, Role.LEADER, [1, 2, 3]);
    const follower = group(logs[2] as WalLog, Role.FOLLOWER, [1, 2, 3]);
    const saver = new HardStateSaver();
    const first = saver.saveNow(leader, { term: 1, vote: 1, commit: 1 });
    saver.defer(leader, { term: 1, vote: 1, commit: 2 });
    saver.defer(leaderOf3, { term: 1, vote: 1, commit: 2 });
    saver.defer(follower, { term: 1, vote: 2, commit: 2 });
    await first;
    // Turns pass until the in-flight save has ended and the held commit went out.
    for (let turn = 0; turn < 100 && events.length < 2; turn++) await new Promise<void>((resolve) => setImmediate(resolve));
    expect(events).toEqual(['l 1', 'l 2']);
    expect(saver.pending).toBe(2);
    saver.flushDeferred();
    expect(events).toEqual(['l 1', 'l 2', 'm 2', 'f 2']);
    await Promise.all([saver.settle(leader), saver.settle(leaderOf3), saver.settle(follower)]);
    await wal.close();
  });
});
