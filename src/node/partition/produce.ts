import { assignOffsets, readBatchHeader, setLogAppendTime, splitBatches, verifyBatchCrc, type RecordBatchHeader } from '../../kafka/record-batch/index.js';
import { EntryType } from '../../wal/index.js';
import { ErrorCode, KafkaError } from '../../util/errors.js';
import type { PartitionReplica, LeaderTerm } from './replica.js';

export interface ProducePolicy {
  readonly acks: number;
  readonly timeoutMs: number;
  readonly maxBatchBytes: number;
  readonly logAppendTime: boolean;
  /** `min.insync.replicas`, checked for acks=all against the replicas that are reachable now. */
  readonly minInsyncReplicas: number;
  readonly reachableReplicas: () => number;
}

export interface ProduceOutcome {
  readonly baseOffset: number;
  /** -1 unless the topic uses LogAppendTime. */
  readonly logAppendTimeMs: number;
  readonly logStartOffset: number;
}

type Planned =
  | { kind: 'append'; batch: Buffer; header: RecordBatchHeader }
  | { kind: 'duplicate'; firstOffset: number; lastOffset: number };

/**
 * The produce hot path on a partition leader. It never waits for leadership: a replica that does
 * not serve throws NOT_LEADER_OR_FOLLOWER at once. Batches are validated, checked for idempotence,
 * given offsets by patching their headers in place (no copy, no CRC recompute unless LogAppendTime)
 * and proposed to the partition's Raft group, one entry per batch. acks=all resolves on commit
 * (fsynced on a majority), acks=1 on the leader's own fsync, acks=0 at once.
 */
export async function produce(replica: PartitionReplica, records: Buffer, policy: ProducePolicy): Promise<ProduceOutcome> {
  const term = replica.requireLeader();
  if (policy.acks === -1 && policy.reachableReplicas() < policy.minInsyncReplicas) {
    throw new KafkaError(ErrorCode.NOT_ENOUGH_REPLICAS, `fewer than ${policy.minInsyncReplicas} replicas reachable`);
  }
  const plan = planBatches(records, term, policy);
  const now = Date.now();
  const waits: Promise<unknown>[] = [];
  let baseOffset = -1;
  for (const step of plan) {
    if (step.kind === 'duplicate') {
      if (baseOffset < 0) baseOffset = step.firstOffset;
      if (policy.acks === -1) waits.push(waitCommitted(replica, step.lastOffset, policy.timeoutMs));
      continue;
    }
    const offset = appendBatch(replica, term, step, policy.logAppendTime ? now : undefined);
    if (baseOffset < 0) baseOffset = offset.baseOffset;
    if (policy.acks === -1) waits.push(offset.committed);
    else if (policy.acks === 1) waits.push(offset.durable);
    else {
      offset.committed.catch(() => undefined);
      offset.durable.catch(() => undefined);
    }
  }
  await withTimeout(Promise.all(waits), policy.timeoutMs);
  return { baseOffset, logAppendTimeMs: policy.logAppendTime ? now : -1, logStartOffset: replica.logStartOffset };
}

/** Validates every batch before any is appended: a request is applied whole or not at all. */
function planBatches(records: Buffer, term: LeaderTerm, policy: ProducePolicy): Planned[] {
  const plan: Planned[] = [];
  for (const batch of splitBatches(records)) {
    if (batch.byteLength > policy.maxBatchBytes) {
      throw new KafkaError(ErrorCode.MESSAGE_TOO_LARGE, `record batch of ${batch.byteLength} bytes exceeds ${policy.maxBatchBytes}`);
    }
    verifyBatchCrc(batch);
    const header = readBatchHeader(batch);
    if (header.isTransactional || header.isControl) {
      throw new KafkaError(ErrorCode.INVALID_RECORD, 'transactional and control batches are not supported');
    }
    if (header.producerId < 0) {
      plan.push({ kind: 'append', batch, header });
      continue;
    }
    const check = term.producers.check(header);
    if (check.kind === 'error') throw check.error;
    plan.push(check.kind === 'duplicate' ? check : { kind: 'append', batch, header });
  }
  return plan;
}

function appendBatch(
  replica: PartitionReplica,
  term: LeaderTerm,
  step: { batch: Buffer; header: RecordBatchHeader },
  logAppendTimeMs: number | undefined,
): { baseOffset: number; durable: Promise<void>; committed: Promise<void> } {
  const baseOffset = term.nextOffset;
  assignOffsets(step.batch, baseOffset, term.epoch);
  if (logAppendTimeMs !== undefined) setLogAppendTime(step.batch, logAppendTimeMs);
  const proposal = replica.opts.raft.propose(replica.opts.groupId, step.batch, EntryType.KAFKA_BATCH);
  term.nextOffset = baseOffset + step.header.lastOffsetDelta + 1;
  if (step.header.producerId >= 0) term.producers.onAppended(step.header, baseOffset);
  return { baseOffset, durable: proposal.durable, committed: proposal.committed };
}

/** A retried batch is acknowledged once its original is committed (acks=all). */
async function waitCommitted(replica: PartitionReplica, lastOffset: number, timeoutMs: number): Promise<void> {
  const woken = await replica.waiters.waitBeyond(lastOffset, replica.highWatermark, timeoutMs);
  if (!woken || replica.highWatermark <= lastOffset) {
    throw new KafkaError(ErrorCode.REQUEST_TIMED_OUT, `duplicate batch ending at ${lastOffset} not committed in time`);
  }
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new KafkaError(ErrorCode.REQUEST_TIMED_OUT, `produce not acknowledged within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
