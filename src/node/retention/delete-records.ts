import type { BrokerContext } from '../../kafka/handlers/context.js';
import {
  ApiKey,
  type DeleteRecordsRequestDeleteRecordsPartition as PartitionRequest,
  type DeleteRecordsResponseDeleteRecordsPartitionResult as PartitionResult,
} from '../../kafka/protocol/generated/index.js';
import type { ApiHandler } from '../../kafka/server/index.js';
import { topicByName } from '../../state/index.js';
import { ErrorCode, KafkaError } from '../../util/errors.js';
import type { PartitionReplica } from '../partition/replica.js';
import { trimPrefix } from './trim.js';

/** DeleteRecords' "up to the high watermark". */
const HIGH_WATERMARK = -1;

/**
 * DeleteRecords: moves a partition's log start forward on its leader by prefix deletion, the same
 * operation retention uses. Batches are whole entries of the log, so the new log start is the base
 * offset of the batch holding the requested offset (Kafka can start mid-batch; we cannot), and the
 * answer's low watermark is the log start actually reached. Like retention, the leader never drops
 * an entry a replica has not stored yet; followers drop the same prefix on the next retention pass.
 */
export function deleteRecordsHandler(broker: BrokerContext): ApiHandler<typeof ApiKey.DeleteRecords> {
  return {
    apiKey: ApiKey.DeleteRecords,
    minVersion: 0,
    maxVersion: 2,
    handle: async (request) => ({
      throttleTimeMs: 0,
      topics: await Promise.all(
        request.topics.map(async (t) => ({ name: t.name, partitions: await Promise.all(t.partitions.map((p) => deleteOne(broker, t.name, p))) })),
      ),
    }),
  };
}

async function deleteOne(broker: BrokerContext, topic: string, p: PartitionRequest): Promise<PartitionResult> {
  const answer = (errorCode: number, lowWatermark = -1): PartitionResult => ({ partitionIndex: p.partitionIndex, lowWatermark, errorCode });
  const replicas = topicByName(broker.image(), topic)?.partitions[p.partitionIndex]?.replicas;
  if (replicas === undefined) return answer(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  const replica = broker.replica(topic, p.partitionIndex);
  if (replica === undefined) return answer(ErrorCode.NOT_LEADER_OR_FOLLOWER);
  try {
    replica.requireLeader();
    const hw = replica.highWatermark;
    const target = p.offset === HIGH_WATERMARK ? hw : p.offset;
    if (target < 0 || target > hw) return answer(ErrorCode.OFFSET_OUT_OF_RANGE, replica.logStartOffset);
    if (target > replica.logStartOffset) await trimPrefix(replica, Math.min(await indexOf(replica, target, hw), storedEverywhere(replica, replicas) + 1));
    return answer(ErrorCode.NONE, replica.logStartOffset);
  } catch (err) {
    return answer(err instanceof KafkaError ? err.code : ErrorCode.UNKNOWN_SERVER_ERROR);
  }
}

/** The Raft index before which the log goes so that `offset` is the first offset kept (or its batch's base). */
async function indexOf(replica: PartitionReplica, offset: number, hw: number): Promise<number> {
  if (offset >= hw) return replica.appliedEntryIndex + 1;
  return (await replica.wal.findOffset(offset)) ?? replica.appliedEntryIndex + 1;
}

/** The last index every replica has stored (the leader's own applied index included); an unheard-of follower has none. */
function storedEverywhere(replica: PartitionReplica, replicas: readonly number[]): number {
  const status = replica.opts.raft.status(replica.opts.groupId);
  const followers = replicas.filter((id) => id !== replica.opts.nodeId);
  return Math.min(replica.appliedEntryIndex, ...followers.map((f) => status.match.get(f) ?? 0));
}
