import type { PartitionReplica } from '../../node/partition/replica.js';
import { topicByName } from '../../state/index.js';
import { ErrorCode, KafkaError } from '../../util/errors.js';
import {
  ApiKey,
  type ListOffsetsRequestListOffsetsPartition as PartitionRequest,
  type ListOffsetsResponseListOffsetsPartitionResponse as PartitionResponse,
} from '../protocol/generated/index.js';
import type { ApiHandler } from '../server/index.js';
import type { BrokerContext } from './context.js';

const LATEST = -1;
const EARLIEST = -2;
const MAX_TIMESTAMP = -3;

/** ListOffsets: earliest, latest (the high watermark) and by timestamp through the WAL's time index. */
export function listOffsetsHandler(broker: BrokerContext): ApiHandler<typeof ApiKey.ListOffsets> {
  return {
    apiKey: ApiKey.ListOffsets,
    minVersion: 0,
    maxVersion: 7,
    handle: async (request) => ({
      throttleTimeMs: 0,
      topics: await Promise.all(
        request.topics.map(async (t) => ({ name: t.name, partitions: await Promise.all(t.partitions.map((p) => listOne(broker, t.name, p))) })),
      ),
    }),
  };
}

async function listOne(broker: BrokerContext, topic: string, p: PartitionRequest): Promise<PartitionResponse> {
  if (topicByName(broker.image(), topic)?.partitions[p.partitionIndex] === undefined) return answer(p, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  const replica = broker.replica(topic, p.partitionIndex);
  if (replica === undefined) return answer(p, ErrorCode.NOT_LEADER_OR_FOLLOWER);
  try {
    const term = replica.requireLeader();
    replica.checkLeaderEpoch(p.currentLeaderEpoch);
    const { offset, timestamp } = await lookup(replica, p.timestamp);
    return { ...answer(p, ErrorCode.NONE), offset, timestamp, leaderEpoch: term.epoch, oldStyleOffsets: offset >= 0 ? [offset] : [] };
  } catch (err) {
    return answer(p, err instanceof KafkaError ? err.code : ErrorCode.UNKNOWN_SERVER_ERROR);
  }
}

async function lookup(replica: PartitionReplica, timestamp: number): Promise<{ offset: number; timestamp: number }> {
  if (timestamp === EARLIEST) return { offset: replica.logStartOffset, timestamp: -1 };
  if (timestamp === LATEST || timestamp === MAX_TIMESTAMP) return { offset: replica.highWatermark, timestamp: -1 };
  const offset = await replica.wal.findTimestamp(timestamp);
  // Past the last committed batch there is no answer: Kafka returns offset -1 and timestamp -1.
  if (offset === undefined || offset >= replica.highWatermark) return { offset: -1, timestamp: -1 };
  return { offset, timestamp };
}

function answer(p: PartitionRequest, errorCode: number): PartitionResponse {
  return { partitionIndex: p.partitionIndex, errorCode, oldStyleOffsets: [], timestamp: -1, offset: -1, leaderEpoch: -1 };
}
