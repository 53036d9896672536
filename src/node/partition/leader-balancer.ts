import type { RaftHost } from '../../raft/driver/index.js';
import { topicById, type MetadataImage } from '../../state/index.js';
import type { Logger } from '../../util/logger.js';
import type { PartitionReplica } from './replica.js';

const TRANSFER_TIMEOUT_MS = 5_000;
/** Transfers started per pass: leadership moves a few partitions at a time, never all at once. */
const MAX_TRANSFERS_PER_PASS = 16;

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
 * Raft match index has reached the commit index), through Raft leadership transfer (TimeoutNow).
 * The new leader commits its own LeaderElected once it serves; clients that still address this node
 * get NOT_LEADER_OR_FOLLOWER and refresh their metadata.
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
      const results = await Promise.allSettled(moves.map((m) => this.opts.raft.transferLeadership(m.groupId, m.to, TRANSFER_TIMEOUT_MS)));
      let moved = 0;
      for (const [i, r] of results.entries()) {
        const m = moves[i] as { groupId: string; to: number };
        if (r.status === 'fulfilled') moved++;
        else this.log.debug({ err: r.reason, groupId: m.groupId, to: m.to }, 'leadership transfer to the preferred leader failed');
      }
      if (moved > 0) this.log.info({ moved, attempted: moves.length }, 'leader balance: transferred leadership to preferred leaders');
      return moved;
    } finally {
      this.running = false;
    }
  }

  private candidates(): { groupId: string; to: number }[] {
    const image = this.opts.image();
    const out: { groupId: string; to: number }[] = [];
    for (const replica of this.opts.replicas()) {
      if (replica.serving === undefined) continue;
      const partition = topicById(image, replica.opts.topicId)?.partitions[replica.opts.partition];
      const preferred = partition?.replicas[0];
      if (preferred === undefined || preferred === this.opts.nodeId || !this.opts.isPeerUp(preferred)) continue;
      const status = this.opts.raft.status(replica.opts.groupId);
      if ((status.match.get(preferred) ?? 0) < status.commit) continue;
      out.push({ groupId: replica.opts.groupId, to: preferred });
    }
    return out;
  }

  close(): void {
    clearInterval(this.timer);
  }
}
