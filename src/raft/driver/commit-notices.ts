import { MessageType, type Message } from '../core/index.js';
import type { RaftGroup } from './group.js';
import type { Outbox } from './outbox.js';

/**
 * A leader's appends without entries ("commit notices": the core broadcasts one to every follower
 * the moment its commit index moves), held back by the drain that made them until the next
 * drain's send or, at the latest, the turn after that drain ends (after its WAL round, if it wrote
 * entries), so that they ride in the same frame as the next append — or are dropped when a later
 * append of the same group to the same follower goes out in that send: it carries a commit index
 * at least as high (the core stamps every append with its current commit).
 *
 * Why (docs/raft-driver.md, "Commit notices"): with one proposal at a time, the notice for entry i
 * left in its own frame moments before the append of entry i+1, so each follower handled a frame,
 * a drain, an acknowledgement and a commit-index write in between, and the leader wrote two more
 * frames before its caller could even propose i+1 (the transport flushes on the next tick, which
 * runs before the promise jobs that resume the caller): traced at ~0.17 ms per commit on the leader.
 *
 * Safety: dropping or delaying any message is something Raft tolerates by design (the network may
 * lose or reorder anything); a notice is dropped only when a later append to the same follower,
 * which the follower answers, goes out instead — so a leader probing a follower (paused until
 * answered) still gets its answer. Liveness: a notice not superseded goes out within one drain
 * (one WAL round) and one turn.
 */
export class CommitNotices {
  private readonly held = new Map<RaftGroup, Map<number, Message>>();

  /** Whether `m` is a notice the loop may hold. */
  static isNotice(m: Message): boolean {
    return m.type === MessageType.APPEND && m.entries.length === 0 && m.snapshot === undefined;
  }

  get empty(): boolean {
    return this.held.size === 0;
  }

  /** Holds `m`, replacing an older notice of the same group to the same follower. */
  hold(g: RaftGroup, m: Message): void {
    let byPeer = this.held.get(g);
    if (byPeer === undefined) {
      byPeer = new Map();
      this.held.set(g, byPeer);
    }
    byPeer.set(m.to, m);
  }

  /** `m` goes out now: a held notice of its group to the same follower says nothing more. */
  supersede(g: RaftGroup, m: Message): void {
    if (m.type !== MessageType.APPEND) return;
    const byPeer = this.held.get(g);
    if (byPeer === undefined || !byPeer.delete(m.to)) return;
    if (byPeer.size === 0) this.held.delete(g);
  }

  /** Adds every notice still held (of groups still running) to `out`, and forgets them. */
  release(out: Outbox): void {
    for (const [g, byPeer] of this.held) {
      if (g.failed === undefined && !g.removed) out.add(g, [...byPeer.values()]);
    }
    this.held.clear();
  }
}
