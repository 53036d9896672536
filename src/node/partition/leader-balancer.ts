import type { RaftHost } from '../../raft/driver/index.js';
import { topicById, type MetadataImage } from '../../state/index.js';
import type { Logger } from '../../util/logger.js';
import type { PartitionReplica } from './replica.js';

const TRANSFER_TIMEOUT_MS = 5_000;
/** Transfers started per pass: leadership moves a few partitions at a time, never all at once. */
const MAX_TRANSFERS_PER_PASS = 16;

interface Move {
  readonly replica: PartitionReplica;
  readonly to: number;
}

export interface LeaderBalancerOptions {
  readonly nodeId: number;
  readonly raft: RaftHost;
  readonly logger: Logger;
  readonly intervalMs: number;
  readonly image: () => MetadataImage;
  readonly replicas: () => Iterable<PartitionReplica>;
  readonly isPeerUp: (nodeId: number) => boolean;
}

/**
 * Kafka's auto leader rebalance: after a failure heals, leadership drifts back to each partition's
 * preferred leader (replicas[0]), so load spreads as placement intended. Each node moves only the
 * partitions it leads, and only to a preferred leader that is reachable and fully caught up (its
 * Raft match index has reached the commit index), through the replica's metadata-first transfer
 * (leader-transfer.ts): the new leader is committed to `__meta` before this node stops accepting,
 * so a client told NOT_LEADER_OR_FOLLOWER here already finds the new leader in Metadata.
 */
export class LeaderBalancer {
  private readonly timer: NodeJS.Timeout;
  private readonly log: Logger;
  private running = false;

  constructor(private readonly opts: LeaderBalancerOptions) {
    this.log = opts.logger.child({ module: 'leader-balancer' });
    this.timer = setInterval(() => void this.pass(), opts.intervalMs);
    this.timer.unref();
  }

  /** One bounded pass; passes never overlap. */
  async pass(): Promise<number> {
    if (this.running) return 0;
    this.running = true;
    try {
      const moves = this.candidates().slice(0, MAX_TRANSFERS_PER_PASS);
      const results = await Promise.allSettled(moves.map((m) => m.replica.transferLeadershipTo(m.to, TRANSFER_TIMEOUT_MS)));
      let moved = 0;
      for (const [i, r] of results.entries()) {
        const m = moves[i] as Move;
        if (r.status === 'fulfilled') moved++;
        else this.log.debug({ err: r.reason, groupId: m.replica.opts.groupId, to: m.to }, 'leadership transfer to the preferred leader failed');
      }
      if (moved > 0) this.log.info({ moved, attempted: moves.length }, 'leader balance: transferred leadership to preferred leaders');
      return moved;
    } finally {
      this.running = false;
    }
  }

  private candidates(): Move[] {
    const image = this.opts.image();
    const out: Move[] = [];
    for (const replica of this.opts.replicas()) {
      const serving = replica.serving;
      if (serving === undefined) continue;
      const partition = topicById(image, replica.opts.topicId)?.partitions[replica.opts.partition];
      // Only once our own election is announced (a transfer starts from the epoch metadata names).
      if (partition === undefined || partition.leader !== this.opts.nodeId || partition.leaderEpoch !== serving.epoch) continue;
      const preferred = partition.replicas[0];
      if (preferred === undefined || preferred === this.opts.nodeId || !this.opts.isPeerUp(preferred)) continue;
      const status = this.opts.raft.status(replica.opts.groupId);
      if ((status.match.get(preferred) ?? 0) < status.commit) continue;
      out.push({ replica, to: preferred });
    }
    return out;
  }

  close(): void {
    clearInterval(this.timer);
  }
}
