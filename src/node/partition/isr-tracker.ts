import type { RaftHost } from '../../raft/driver/index.js';
import { topicById, type IsrChanged, type MetadataImage } from '../../state/index.js';
import type { Logger } from '../../util/logger.js';
import type { PartitionReplica } from './replica.js';

/** Kafka's `replica.lag.time.max.ms`: a follower not caught up for this long leaves the ISR. */
export const REPLICA_LAG_TIME_MAX_MS = 30_000;
export const ISR_CHECK_INTERVAL_MS = 500;
const ISR_PROPOSE_TIMEOUT_MS = 5_000;
/** Bound on IsrChanged proposals in flight from one node. */
const MAX_PENDING_PROPOSALS = 256;

export interface IsrTrackerOptions {
  readonly nodeId: number;
  readonly raft: RaftHost;
  /** Whether this node's connection to a peer is up (a killed or cut-off broker's is not). */
  readonly isPeerUp: (nodeId: number) => boolean;
  readonly logger: Logger;
  readonly image: () => MetadataImage;
  readonly replicas: () => Iterable<PartitionReplica>;
  readonly propose: (event: IsrChanged, timeoutMs: number) => Promise<unknown>;
  readonly lagTimeMaxMs?: number;
  readonly intervalMs?: number;
}

/**
 * Keeps the ISR in the metadata image true for the partitions this node leads. A follower is in
 * sync when its Raft match index reached the leader's commit index within `replica.lag.time.max.ms`
 * (the voters that are caught up) and its connection is up: an unreachable follower leaves the ISR
 * at once, as Kafka's controller drops a broker whose session ended, and comes back only once it has
 * caught up. Changes are committed as IsrChanged events in the leader's epoch,
 * so every node's Metadata answers the same ISR. One timer per node; bounded work per pass.
 */
export class IsrTracker {
  private readonly caughtUpAtMs = new Map<string, Map<number, number>>();
  private readonly pending = new Set<string>();
  private readonly timer: NodeJS.Timeout;
  private readonly log: Logger;

  constructor(private readonly opts: IsrTrackerOptions) {
    this.log = opts.logger.child({ module: 'isr' });
    this.timer = setInterval(() => this.check(), opts.intervalMs ?? ISR_CHECK_INTERVAL_MS);
    this.timer.unref();
  }

  check(nowMs = Date.now()): void {
    const lagMaxMs = this.opts.lagTimeMaxMs ?? REPLICA_LAG_TIME_MAX_MS;
    const image = this.opts.image();
    for (const replica of this.opts.replicas()) {
      const serving = replica.serving;
      if (serving === undefined) {
        this.caughtUpAtMs.delete(replica.opts.groupId);
        continue;
      }
      const isr = this.measure(replica, nowMs, lagMaxMs);
      const partition = topicById(image, replica.opts.topicId)?.partitions[replica.opts.partition];
      if (partition === undefined || partition.leaderEpoch !== serving.epoch) continue; // LeaderElected not applied yet
      if (sameSet(partition.isr, isr)) continue;
      this.proposeChange(replica, isr, serving.epoch);
    }
  }

  private measure(replica: PartitionReplica, nowMs: number, lagMaxMs: number): number[] {
    const status = this.opts.raft.status(replica.opts.groupId);
    let seen = this.caughtUpAtMs.get(replica.opts.groupId);
    if (seen === undefined) {
      seen = new Map();
      this.caughtUpAtMs.set(replica.opts.groupId, seen);
    }
    const isr: number[] = [];
    for (const [node, match] of status.match) {
      if (node !== this.opts.nodeId && !this.opts.isPeerUp(node)) {
        // Never caught up while unreachable, whatever the lag window says: otherwise a dead leader
        // stayed in its successor's ISR for replica.lag.time.max.ms, and a full ISR no longer
        // meant three live copies (the failover bench started its next round with the restarted
        // node still catching up, and the next new leader waited for it).
        seen.set(node, Number.NEGATIVE_INFINITY);
        continue;
      }
      // A new leader starts every reachable follower as caught up: it has not had time to hear from them.
      if (match >= status.commit || !seen.has(node)) seen.set(node, nowMs);
      if (nowMs - (seen.get(node) as number) <= lagMaxMs) isr.push(node);
    }
    return isr.sort((a, b) => a - b);
  }

  private proposeChange(replica: PartitionReplica, isr: number[], epoch: number): void {
    const key = replica.opts.groupId;
    if (this.pending.has(key) || this.pending.size >= MAX_PENDING_PROPOSALS) return;
    this.pending.add(key);
    const event: IsrChanged = { type: 'IsrChanged', v: 1, topicId: replica.opts.topicId, partition: replica.opts.partition, isr, leaderEpoch: epoch };
    this.opts
      .propose(event, ISR_PROPOSE_TIMEOUT_MS)
      .catch((err: unknown) => this.log.debug({ err, groupId: key }, 'IsrChanged not committed; retried next pass'))
      .finally(() => this.pending.delete(key));
  }

  close(): void {
    clearInterval(this.timer);
  }
}

function sameSet(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}
