import type { BrokerConfig } from '../../config/index.js';
import type { RaftHost } from '../../raft/driver/index.js';
import type { MetadataImage } from '../../state/index.js';
import type { Logger } from '../../util/logger.js';
import type { PartitionManager } from '../partition/manager.js';
import type { PartitionReplica } from '../partition/replica.js';
import type { NodeRpc } from '../rpc.js';
import { leaderPass } from './leader-pass.js';
import { parseTrimRequest, trimPrefix } from './trim.js';

/** Partitions examined per pass; the next pass resumes where this one stopped. */
export const MAX_PARTITIONS_PER_PASS = 1_000;
const TRIM_METHOD = 'retention.trim';
const TRIM_TIMEOUT_MS = 5_000;

export interface RetentionOptions {
  readonly config: BrokerConfig;
  readonly partitions: PartitionManager;
  readonly raft: RaftHost;
  readonly rpc: NodeRpc;
  readonly image: () => MetadataImage;
  /** Whether a peer is connected now (the node transport's view). */
  readonly isPeerUp: (nodeId: number) => boolean;
  readonly logger: Logger;
  /** Default: config.retentionCheckIntervalMs (Kafka's log.retention.check.interval.ms). */
  readonly intervalMs?: number;
  readonly nowMs?: () => number;
}

export interface PassStats {
  readonly examined: number;
  readonly trimmed: number;
}

/**
 * Time and size retention of the partitions this node leads: one timer per node, a bounded pass
 * each interval, nothing on the produce path. The leader deletes whole old segments and then tells
 * each follower the new first index; followers delete the same prefix (capped at what they have
 * applied). A follower that misses the call catches up on the next pass, which repeats it.
 */
export class RetentionService {
  private readonly log: Logger;
  private timer: NodeJS.Timeout | undefined;
  private cursor = 0;
  private stopped = false;
  private running: Promise<PassStats> | undefined;

  constructor(private readonly opts: RetentionOptions) {
    this.log = opts.logger.child({ module: 'retention' });
  }

  start(): void {
    this.opts.rpc.register(TRIM_METHOD, (_from, body) => this.onTrim(body));
    this.arm();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.runPass().finally(() => this.arm());
    }, this.opts.intervalMs ?? this.opts.config.retentionCheckIntervalMs);
    this.timer.unref();
  }

  /** One pass now (the timer's passes never overlap with it: a second caller gets the same pass). */
  runPass(): Promise<PassStats> {
    this.running ??= this.pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async pass(): Promise<PassStats> {
    const all = [...this.opts.partitions.all()];
    const count = Math.min(all.length, MAX_PARTITIONS_PER_PASS);
    let trimmed = 0;
    for (let i = 0; i < count && !this.stopped; i++) {
      const replica = all[(this.cursor + i) % all.length] as PartitionReplica;
      if (await this.retain(replica)) trimmed++;
    }
    this.cursor = all.length === 0 ? 0 : (this.cursor + count) % all.length;
    return { examined: count, trimmed };
  }

  private async retain(replica: PartitionReplica): Promise<boolean> {
    const { topic, partition } = replica.opts;
    try {
      const nowMs = (this.opts.nowMs ?? Date.now)();
      const result = await leaderPass({ replica, image: this.opts.image(), config: this.opts.config, raft: this.opts.raft, nowMs, isPeerUp: this.opts.isPeerUp });
      if (result === undefined) return false;
      if (result.deleted) this.log.info({ topic, partition, firstIndex: result.firstIndex, logStartOffset: replica.logStartOffset }, 'retention deleted old segments');
      if (result.firstIndex > 1) await this.tellFollowers(replica.opts.groupId, result.followers, result.firstIndex);
      return result.deleted;
    } catch (err) {
      if (!this.stopped) this.log.warn({ err, topic, partition }, 'retention pass of a partition failed');
      return false;
    }
  }

  /**
   * Awaited, one partition at a time: at most one call per follower is pending, whatever the
   * partition count (the RPC layer's pending-call bound is never the limit). Followers that are
   * down are skipped rather than waited for; a later pass tells them.
   */
  private async tellFollowers(groupId: string, followers: readonly number[], beforeIndex: number): Promise<void> {
    const up = followers.filter((f) => this.opts.isPeerUp(f));
    await Promise.all(
      up.map((follower) =>
        this.opts.rpc.call(follower, TRIM_METHOD, { groupId, beforeIndex }, TRIM_TIMEOUT_MS).catch((err: unknown) => {
          this.log.debug({ err, groupId, follower }, 'follower not told of retention; the next pass repeats it');
        }),
      ),
    );
  }

  private async onTrim(body: unknown): Promise<number> {
    const request = parseTrimRequest(body);
    if (request === undefined) return -1;
    const replica = this.findReplica(request.groupId);
    // The leader of the group trims by its own decision only; the caller may be a deposed leader.
    if (replica === undefined || replica.serving !== undefined) return -1;
    const before = replica.wal.firstIndex;
    const firstIndex = await trimPrefix(replica, request.beforeIndex);
    if (firstIndex > before) {
      this.log.info({ topic: replica.opts.topic, partition: replica.opts.partition, firstIndex, logStartOffset: replica.logStartOffset }, 'retention trimmed follower replica');
    }
    return firstIndex;
  }

  private findReplica(groupId: string): PartitionReplica | undefined {
    for (const replica of this.opts.partitions.all()) if (replica.opts.groupId === groupId) return replica;
    return undefined;
  }
}
