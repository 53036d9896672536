import { Role } from '../../raft/core/index.js';
import type { RaftHost } from '../../raft/driver/index.js';
import type { MetadataImage } from '../../state/index.js';
import type { Logger } from '../../util/logger.js';
import type { PartitionReplica } from '../partition/replica.js';
import { boundedAllSettled } from './bounded-all.js';
import { pickSuccessor } from './targets.js';

const MAX_LOGGED_FAILURES = 10;

export interface HandOffOptions {
  readonly nodeId: number;
  readonly raft: RaftHost;
  readonly metaGroup: string;
  readonly image: () => MetadataImage;
  readonly replicas: () => Iterable<PartitionReplica>;
  readonly liveBrokers: () => ReadonlySet<number>;
  readonly logger: Logger;
  /** Bound on each transfer. */
  readonly timeoutMs: number;
  /**
   * Bound on the whole hand-off: transfers not started by then are skipped (counted as failed), so
   * a node leading thousands of partitions still stops within the process's stop bound. The
   * announcement wait and the `__meta` transfer each add at most `timeoutMs` after it.
   */
  readonly totalTimeoutMs: number;
  /** Transfers in flight at once. */
  readonly concurrency: number;
  /**
   * Resolves once the image names none of `groups` as led by this node (their new leaders have
   * announced themselves), or rejects at the bound. Waiting for it before moving `__meta` keeps
   * those announcements from racing the meta leader's own hand-off.
   */
  readonly awaitAnnounced?: (groups: ReadonlySet<string>, timeoutMs: number) => Promise<void>;
}

export interface HandOffReport {
  readonly moved: number;
  readonly failed: number;
  /** Led groups with no live follower to take over (a single-replica partition, a lone node). */
  readonly stranded: number;
}

type Transfer = (groupId: string, to: number, timeoutMs: number) => Promise<void>;

/**
 * Moves leadership of every group this node leads to a live follower before it stops, so clients
 * see NOT_LEADER and a new leader at once instead of waiting out an election timeout. Partitions go
 * first, metadata first (the replica's transfer commits the new leader to `__meta` before this node
 * stops accepting), `__meta` last.
 */
export async function handOffLeadership(o: HandOffOptions): Promise<HandOffReport> {
  const log = o.logger.child({ module: 'shutdown' });
  const led = o.raft.groupIds().filter((g) => g !== o.metaGroup && isLeader(o, g));
  const replicas = new Map<string, PartitionReplica>();
  for (const r of o.replicas()) replicas.set(r.opts.groupId, r);
  // A leader not serving yet (its term's first entry not applied) has nothing to announce first.
  const viaReplica: Transfer = (groupId, to, timeoutMs) => {
    const replica = replicas.get(groupId);
    return replica?.serving === undefined ? o.raft.transferLeadership(groupId, to, timeoutMs) : replica.transferLeadershipTo(to, timeoutMs);
  };
  const partitions = await transferAll(o, led, inSyncByGroup(o), performance.now() + o.totalTimeoutMs, viaReplica);
  // Only moved groups get a new leader to announce: waiting on a stranded one (no live follower)
  // would hold every stop of such a node to the bound for nothing.
  if (partitions.movedGroups.size > 0 && o.awaitAnnounced !== undefined) {
    await o.awaitAnnounced(partitions.movedGroups, o.timeoutMs).catch((err: unknown) => log.warn({ err }, 'new partition leaders not announced in time'));
  }
  const raftTransfer: Transfer = (groupId, to, timeoutMs) => o.raft.transferLeadership(groupId, to, timeoutMs);
  const meta = isLeader(o, o.metaGroup) ? await transferAll(o, [o.metaGroup], new Map(), Number.POSITIVE_INFINITY, raftTransfer) : { moved: 0, failed: 0, stranded: 0 };
  const report = { moved: partitions.moved + meta.moved, failed: partitions.failed + meta.failed, stranded: partitions.stranded + meta.stranded };
  log.info(report, 'leadership hand-off done');
  return report;
}

function isLeader(o: HandOffOptions, groupId: string): boolean {
  return o.raft.has(groupId) && o.raft.status(groupId).role === Role.LEADER;
}

function inSyncByGroup(o: HandOffOptions): Map<string, ReadonlySet<number>> {
  const image = o.image();
  const isr = new Map<string, ReadonlySet<number>>();
  for (const r of o.replicas()) {
    const p = image.topicsById.get(r.opts.topicId)?.partitions[r.opts.partition];
    if (p !== undefined) isr.set(r.opts.groupId, new Set(p.isr));
  }
  return isr;
}

async function transferAll(
  o: HandOffOptions,
  groups: readonly string[],
  isr: ReadonlyMap<string, ReadonlySet<number>>,
  deadline: number,
  transfer: Transfer,
): Promise<HandOffReport & { movedGroups: ReadonlySet<string> }> {
  const log = o.logger.child({ module: 'shutdown' });
  const live = o.liveBrokers();
  let stranded = 0;
  const moves: { groupId: string; to: number }[] = [];
  for (const groupId of groups) {
    const to = pickSuccessor(o.raft.status(groupId), o.nodeId, live, isr.get(groupId));
    if (to === undefined) stranded++;
    else moves.push({ groupId, to });
  }
  const results = await boundedAllSettled(moves, o.concurrency, ({ groupId, to }) => transfer(groupId, to, o.timeoutMs), deadline);
  let failed = 0;
  const movedGroups = new Set<string>();
  results.forEach((r, i) => {
    const move = moves[i];
    if (r.status === 'fulfilled') {
      if (move !== undefined) movedGroups.add(move.groupId);
      return;
    }
    // Logged individually up to a bound; the total is in the 'leadership hand-off done' line.
    if (++failed <= MAX_LOGGED_FAILURES) log.warn({ err: r.reason, groupId: moves[i]?.groupId, to: moves[i]?.to }, 'leadership transfer failed');
  });
  return { moved: moves.length - failed, failed, stranded, movedGroups };
}
