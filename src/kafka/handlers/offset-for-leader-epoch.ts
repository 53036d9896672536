import { endOffsetForEpoch } from '../../node/partition/epochs.js';
import { topicByName } from '../../state/index.js';
import { ErrorCode, KafkaError } from '../../util/errors.js';
import { ApiKey, type OffsetForLeaderEpochRequestOffsetForLeaderPartition as PartitionRequest } from '../protocol/generated/index.js';
import type { ApiHandler } from '../server/index.js';
import type { BrokerContext } from './context.js';

/**
 * OffsetForLeaderEpoch (KIP-101/KIP-320): for a consumer checking for truncation, the end offset
 * of the largest epoch ≤ the one asked for. Leader epochs are the partition group's Raft terms.
 */
export function offsetForLeaderEpochHandler(broker: BrokerContext): ApiHandler<typeof ApiKey.OffsetForLeaderEpoch> {
  return {
    apiKey: ApiKey.OffsetForLeaderEpoch,
    minVersion: 0,
    maxVersion: 4,
    handle: async (request) => ({
      throttleTimeMs: 0,
      topics: await Promise.all(
        request.topics.map(async (t) => ({ topic: t.topic, partitions: await Promise.all(t.partitions.map((p) => answer(broker, t.topic, p))) })),
      ),
    }),
  };
}

async function answer(broker: BrokerContext, topic: string, p: PartitionRequest): Promise<{ errorCode: number; partition: number; leaderEpoch: number; endOffset: number }> {
  const none = { partition: p.partition, leaderEpoch: -1, endOffset: -1 };
  if (topicByName(broker.image(), topic)?.partitions[p.partition] === undefined) return { ...none, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
  const replica = broker.replica(topic, p.partition);
  if (replica === undefined) return { ...none, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER };
  try {
    replica.requireLeader();
    replica.checkLeaderEpoch(p.currentLeaderEpoch);
    const result = await endOffsetForEpoch(replica, p.leaderEpoch);
    return { partition: p.partition, errorCode: ErrorCode.NONE, ...result };
  } catch (err) {
    return { ...none, errorCode: err instanceof KafkaError ? err.code : ErrorCode.UNKNOWN_SERVER_ERROR };
  }
}
