import type { HardState } from '../core/index.js';
import { isLeader, type RaftGroup } from './group.js';

/**
 * Writes the groups' hard states. Two kinds of change, two paces:
 *
 * - A new term or vote is a promise to other nodes (a vote, or a term that refuses an old leader):
 *   `saveNow` writes it at once and the Ready loop sends nothing of that Ready until it is durable.
 * - A change of the commit index alone is a hint: after a restart it is clamped to the durable log
 *   and re-learned from the leader (Raft §5.3 needs no durable commit index). Writing it synced in
 *   every drain put one synced LevelDB write next to every WAL fsync on every node, doubling the
 *   disk's work per commit. `defer` keeps only the newest per group, written unsynced (one LevelDB
 *   batch for all groups, no fsync): a process crash keeps it, a power loss may roll it back,
 *   which Raft tolerates. Two paces, by how many voters the group has:
 *   - the leader of a one-voter group (a single node; every partition of `npm start`) writes its
 *     commit index in the next turn of the event loop: no other node holds it, and offline readers
 *     (`chronik inspect`) of a SIGKILLed single node see the commit index of the moment of the kill;
 *   - everyone else writes it at the host's next tick (never in the next-turn batch): a follower's
 *     copy is one message behind the leader's and re-sent with every append, and a leader's is
 *     held by its followers too. With one proposal at a time each commit moves every node's commit
 *     index, and writing it in the next turn was one LevelDB batch — one thread-pool trip, two
 *     wake-ups — per entry per node: on a leader of 3 voters, 11 % of its CPU per entry in a CPU
 *     profile, and 10.0-10.5 context switches and 517-625 µs of CPU per committed entry against
 *     7.7-7.8 and 399-431 µs at the tick (docs/bench.md, session 6). A SIGKILLed node's stored
 *     commit may thus be up to one tick behind what it knew, as Kafka's high-watermark checkpoint
 *     file is up to its checkpoint interval behind.
 *   A one-voter leader's that finds the group's previous save in flight goes in the turn after
 *   that save ends, anyone else's at the tick after; a group's log is never closed before its last
 *   one is written (`settle`).
 *
 * Saves of one group never overlap: LevelDB does not promise that two concurrent writes land in the
 * order they were issued, and an older hard state landing last could take back a vote.
 */
export class HardStateSaver {
  /** One-voter leaders' deferred commit indexes: written in the next turn. */
  private readonly soon = new Map<RaftGroup, HardState>();
  /** Everyone else's: written at the tick. */
  private readonly later = new Map<RaftGroup, HardState>();
  /** The tail of each group's chain of saves, while one is in flight. */
  private readonly chains = new Map<RaftGroup, Promise<void>>();
  /** The flush scheduled for the next turn, if any. */
  private scheduled: NodeJS.Immediate | undefined;

  /** Durable once resolved; supersedes any deferred commit of the group (hs carries the newest). */
  saveNow(g: RaftGroup, hs: HardState): Promise<void> {
    this.soon.delete(g);
    this.later.delete(g);
    return this.enqueue(g, hs, true);
  }

  /** Keeps `hs` (a commit index that moved alone) for the next turn on a one-voter leader, the next tick on others. */
  defer(g: RaftGroup, hs: HardState): void {
    if (isSoleVoterLeader(g)) {
      this.later.delete(g);
      this.soon.set(g, hs);
      if (this.scheduled === undefined) this.schedule();
    } else {
      this.soon.delete(g);
      this.later.set(g, hs);
    }
  }

  /**
   * Moves a scheduled flush behind the WAL rounds issued since (still in the next turn). Called by
   * a drain that has just appended: its round's writes then start before this LevelDB write, whose
   * call alone costs ~40 µs of the event loop. Traced with one proposal at a time: the leader's
   * commit drain defers its commit index, the next proposal's drain follows at once, and its
   * round used to wait behind that write (docs/raft-driver.md, "Tracing one proposal").
   */
  afterAppends(): void {
    if (this.scheduled === undefined) return;
    clearImmediate(this.scheduled);
    this.schedule();
  }

  private schedule(): void {
    this.scheduled = setImmediate(() => {
      this.scheduled = undefined;
      this.flush(this.soon);
    });
  }

  get pending(): number {
    return this.soon.size + this.later.size;
  }

  /**
   * Writes each group's newest deferred hard state (every tick). A group whose previous save is
   * still in flight keeps its newest for later, so a stalled disk costs one waiter per group.
   */
  flushDeferred(): void {
    this.flush(this.soon);
    this.flush(this.later);
  }

  private flush(deferred: Map<RaftGroup, HardState>): void {
    for (const [g, hs] of deferred) {
      if (this.chains.has(g)) continue;
      deferred.delete(g);
      this.enqueue(g, hs, false).catch((err: unknown) => g.logger.warn({ err }, 'saving the commit index failed'));
    }
  }

  /** Writes whatever of `g` is deferred or in flight (before its log closes); never rejects. */
  async settle(g: RaftGroup): Promise<void> {
    await this.chains.get(g);
    const hs = this.soon.get(g) ?? this.later.get(g);
    this.soon.delete(g);
    this.later.delete(g);
    if (hs === undefined || g.failed !== undefined) return;
    await this.enqueue(g, hs, false).catch((err: unknown) => g.logger.warn({ err }, 'saving the commit index failed'));
  }

  private enqueue(g: RaftGroup, hs: HardState, sync: boolean): Promise<void> {
    const prev = this.chains.get(g);
    // With nothing in flight the save is issued in this turn, so saves of many groups made in
    // the same turn share one LevelDB batch.
    const save = (): Promise<void> => g.log.saveHardState(hs, { sync });
    const run = prev === undefined ? save() : prev.then(save);
    const tail: Promise<void> = run.then(
      () => this.release(g, tail),
      () => this.release(g, tail),
    );
    this.chains.set(g, tail);
    return run;
  }

  /**
   * A one-voter leader's commit index that moved while its previous save was in flight is written in the
   * turn after that save, not at the tick: a kill right after it still finds the newest.
   */
  private release(g: RaftGroup, tail: Promise<void>): void {
    if (this.chains.get(g) !== tail) return;
    this.chains.delete(g);
    if (this.soon.has(g) && this.scheduled === undefined) this.schedule();
  }
}

/** The leader of a group whose only voter it is: nobody else holds its commit index. */
function isSoleVoterLeader(g: RaftGroup): boolean {
  return isLeader(g) && g.members.voters.length === 1;
}
