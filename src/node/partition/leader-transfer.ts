/**
 * Leadership transfer, metadata first. The old leader L (serving epoch T) commits LeaderTransferred
 * {from L, epoch T, to X} to `__meta` and waits until it is applied here and on every reachable
 * node — Metadata anywhere now names X at epoch T+1 (provisionally) — and only then stops serving
 * (produce gets NOT_LEADER_OR_FOLLOWER) and asks Raft to transfer (TimeoutNow: X campaigns at T+1).
 * X's own LeaderElected at T+1 then only confirms what clients already see.
 *
 * Failure table (docs/meta-events.md, "Leadership transfer"):
 * - the LeaderTransferred does not apply (metadata moved on: L's own election not announced yet, a
 *   newer leader) or cannot be committed → nothing changed; L keeps serving; the call rejects;
 * - it commits after its proposal was reported failed (a timeout) → the manager sees it applied
 *   with no transfer running and adopts it (`adoptCommittedTransfer`): stop serving, hand over;
 * - X wins T+1 → done; its LeaderElected(T+1) confirms the provisional leader;
 * - someone else wins T+1 or later → done; its LeaderElected settles the epoch (equal or higher);
 * - L is still leader at T when the transfer times out (X never campaigned) → re-aim at another
 *   caught-up, reachable follower (a new LeaderTransferred from L at T), a bounded number of times;
 * - still leader at T after that → `reelect`: L gives up its term (the group is reopened as a
 *   follower) and campaigns, so whoever leads next does so at a term above T+1's provisional epoch
 *   or settles T+1 itself, and announces it.
 */
import { Role } from '../../raft/core/index.js';
import type { RaftHost } from '../../raft/driver/index.js';
import { topicById, type LeaderTransferred, type MetadataImage } from '../../state/index.js';
import { ErrorCode, KafkaError, NotLeaderError } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import type { MetaService } from '../meta-service.js';
import type { PartitionReplica } from './replica.js';

/** Targets tried per transfer (the first plus re-aims). */
const MAX_TARGETS = 3;
/** Bound on waiting for the other nodes to apply the new metadata before stopping. */
const PEERS_APPLIED_WAIT_MS = 2_000;
/** Bound on waiting for this node's own LeaderElected before a transfer can start from it. */
const OWN_ANNOUNCEMENT_WAIT_MS = 2_000;
/**
 * Bound on one target's attempt. Raft abandons a transfer after an election timeout (1–2 s by
 * default) without telling anyone; waiting longer than a few of those only delays the re-aim.
 */
const ATTEMPT_TIMEOUT_MS = 4_000;

export interface LeaderTransferDeps {
  readonly nodeId: number;
  readonly raft: RaftHost;
  readonly meta: Pick<MetaService, 'propose' | 'image' | 'state' | 'awaitAppliedOnPeers'>;
  readonly logger: Logger;
  readonly isPeerUp: (nodeId: number) => boolean;
  /** Stops the replica serving `epoch` and tells whoever listens (group coordinators). */
  readonly stopServing: (replica: PartitionReplica, epoch: number) => void;
  /** Last resort: give up leadership of the group's current term and campaign for a new one. */
  readonly reelect: (replica: PartitionReplica) => Promise<void>;
  /** Groups with a transfer running on this node (owned by the caller; at most one per group). */
  readonly inProgress: Set<string>;
}

export async function transferLeadershipMetadataFirst(d: LeaderTransferDeps, replica: PartitionReplica, to: number, timeoutMs: number): Promise<void> {
  const groupId = replica.opts.groupId;
  const epoch = replica.serving?.epoch;
  if (epoch === undefined) throw new NotLeaderError(`not the leader of ${replica.opts.topic}-${replica.opts.partition}`, d.raft.status(groupId).leader);
  if (d.inProgress.has(groupId)) throw new KafkaError(ErrorCode.REASSIGNMENT_IN_PROGRESS, `a leadership transfer of ${replica.opts.topic}-${replica.opts.partition} is running`);
  d.inProgress.add(groupId);
  try {
    const deadline = performance.now() + timeoutMs;
    const left = (): number => Math.max(1, deadline - performance.now());
    // A transfer from T applies only once our own LeaderElected(T) is; it is normally moments away.
    await d.meta.state.waiters.waitFor((image) => (namesLeader(image, replica, d.nodeId, epoch, -1) ? true : undefined), {
      timeoutMs: Math.min(OWN_ANNOUNCEMENT_WAIT_MS, left()),
      what: `LeaderElected of ${replica.opts.topic}-${replica.opts.partition} at epoch ${epoch}`,
    });
    await announce(d, replica, epoch, to, left());
    await handOver(d, replica, epoch, to, deadline);
  } finally {
    d.inProgress.delete(groupId);
  }
}

/**
 * A LeaderTransferred from this node was applied while no transfer of that group runs here: its
 * proposal was reported failed (a timeout) but committed after all. The metadata has moved, so the
 * hand-over must finish (or this node re-elect), or clients would be sent to a leader-to-be that
 * never campaigns while this node keeps serving.
 */
export function adoptCommittedTransfer(d: LeaderTransferDeps, replica: PartitionReplica, epoch: number, to: number, timeoutMs: number): void {
  const groupId = replica.opts.groupId;
  if (d.inProgress.has(groupId) || replica.serving?.epoch !== epoch || !namesLeader(d.meta.image, replica, to, epoch + 1, d.nodeId)) return;
  d.inProgress.add(groupId);
  d.logger.warn({ topic: replica.opts.topic, partition: replica.opts.partition, epoch, to }, 'finishing a leadership transfer committed after its proposal was reported failed');
  d.stopServing(replica, epoch);
  void handOver(d, replica, epoch, to, performance.now() + timeoutMs)
    .catch((err: unknown) => d.logger.error({ err, groupId }, 'adopted leadership transfer failed'))
    .finally(() => d.inProgress.delete(groupId));
}

/** Metadata names `to` and this replica has stopped serving `epoch`: make Raft follow, or re-elect. */
async function handOver(d: LeaderTransferDeps, replica: PartitionReplica, epoch: number, to: number, deadline: number): Promise<void> {
  const log = d.logger.child({ module: 'leader-transfer', topic: replica.opts.topic, partition: replica.opts.partition });
  const left = (): number => Math.max(1, deadline - performance.now());
  const tried = [to];
  let target = to;
  for (;;) {
    try {
      await d.raft.transferLeadership(replica.opts.groupId, target, Math.min(ATTEMPT_TIMEOUT_MS, left()));
      log.debug({ epoch, to: target }, 'leadership transferred');
      return;
    } catch (err) {
      const s = d.raft.status(replica.opts.groupId);
      // Someone leads in a newer term (or this node does): its LeaderElected settles the metadata.
      if (s.role !== Role.LEADER || s.term !== epoch) return;
      log.info({ err, epoch, to: target }, 'leadership transfer did not happen; still leading');
    }
    const next = tried.length < MAX_TARGETS && performance.now() < deadline ? pickFollower(d, replica, tried) : undefined;
    if (next === undefined) break;
    tried.push(next);
    target = next;
    try {
      await announce(d, replica, epoch, target, left());
    } catch (err) {
      const s = d.raft.status(replica.opts.groupId);
      if (s.role !== Role.LEADER || s.term !== epoch) return; // settled by a newer leader meanwhile
      log.warn({ err, epoch, to: target }, 'could not re-aim the transfer');
      break;
    }
  }
  log.warn({ epoch, tried }, 'no follower took over; giving up this term and campaigning for a new one');
  await d.reelect(replica);
}

/**
 * Commits the LeaderTransferred, waits until it is applied here and (bounded) on the other nodes,
 * then stops serving. If the event did not take effect, nothing is stopped and this throws.
 */
async function announce(d: LeaderTransferDeps, replica: PartitionReplica, epoch: number, to: number, timeoutMs: number): Promise<void> {
  const event: LeaderTransferred = {
    type: 'LeaderTransferred',
    v: 1,
    topicId: replica.opts.topicId,
    partition: replica.opts.partition,
    fromLeaderId: d.nodeId,
    fromEpoch: epoch,
    toLeaderId: to,
  };
  let index: number;
  try {
    index = await d.meta.propose([event], timeoutMs);
    await d.meta.state.waiters.waitForApplied(index, timeoutMs);
  } catch (err) {
    // The outcome may be unknown (a timeout): if it did commit and apply meanwhile, carry on.
    if (!namesLeader(d.meta.image, replica, to, epoch + 1, d.nodeId)) throw err;
    index = d.meta.image.appliedIndex;
  }
  if (!namesLeader(d.meta.image, replica, to, epoch + 1, d.nodeId)) {
    throw new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `metadata moved on; leadership of ${replica.opts.topic}-${replica.opts.partition} was not handed to ${to}`);
  }
  const peers = await d.meta.awaitAppliedOnPeers(index, Math.min(PEERS_APPLIED_WAIT_MS, timeoutMs));
  if (peers.confirmed < peers.asked) d.logger.debug({ ...peers, index }, 'not every node confirmed the transfer metadata in time');
  d.stopServing(replica, epoch);
}

function namesLeader(image: MetadataImage, replica: PartitionReplica, leader: number, epoch: number, transferredFrom: number): boolean {
  const p = topicById(image, replica.opts.topicId)?.partitions[replica.opts.partition];
  return p !== undefined && p.leader === leader && p.leaderEpoch === epoch && p.transferredFrom === transferredFrom;
}

/** A reachable voter, not tried yet, whose log has reached the commit index. */
function pickFollower(d: LeaderTransferDeps, replica: PartitionReplica, tried: readonly number[]): number | undefined {
  const s = d.raft.status(replica.opts.groupId);
  return s.members.voters.find((id) => id !== d.nodeId && !tried.includes(id) && d.isPeerUp(id) && (s.match.get(id) ?? 0) >= s.commit);
}
