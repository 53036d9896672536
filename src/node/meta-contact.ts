import type { LeaderChangeListener } from '../raft/driver/index.js';

/**
 * How long this node has gone without a `__meta` leader, from the Raft host's leader-change events
 * (no polling). A node that cannot reach a quorum learns no leader: check-quorum deposes a leader
 * cut off from its followers, and a follower that stops hearing one becomes a pre-candidate whose
 * pre-votes fail. An ordinary election ends within a few election timeouts; a node leaderless for
 * longer is on the minority side of a partition, and its image (leaders, brokers) may be stale.
 */
export class MetaContact {
  /** performance.now() when the leader was last lost; undefined while one is known. */
  private leaderlessSinceMs: number | undefined;
  private readonly off: () => void;

  constructor(
    events: { onLeaderChange(listener: LeaderChangeListener): () => void },
    private readonly group: string,
    private readonly now: () => number = () => performance.now(),
  ) {
    // Start-up counts as leaderless until the first leader is learned.
    this.leaderlessSinceMs = now();
    this.off = events.onLeaderChange((groupId, _term, leader) => this.onLeader(groupId, leader));
  }

  /** 0 while a leader is known, else milliseconds since the last one was lost. */
  leaderlessForMs(): number {
    return this.leaderlessSinceMs === undefined ? 0 : this.now() - this.leaderlessSinceMs;
  }

  close(): void {
    this.off();
  }

  private onLeader(groupId: string, leader: number | undefined): void {
    if (groupId !== this.group) return;
    if (leader !== undefined) this.leaderlessSinceMs = undefined;
    else this.leaderlessSinceMs ??= this.now();
  }
}
