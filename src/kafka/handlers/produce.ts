import { produce } from '../../node/partition/produce.js';
import { topicByName, type TopicImage } from '../../state/index.js';
import { ErrorCode, KafkaError, NotLeaderError } from '../../util/errors.js';
import {
  ApiKey,
  type ProduceRequest,
  type ProduceRequestPartitionProduceData as PartitionData,
  type ProduceResponse,
  type ProduceResponsePartitionProduceResponse as PartitionResponse,
} from '../protocol/generated/index.js';
import type { ApiHandler, RequestContext } from '../server/index.js';
import type { BrokerContext } from './context.js';

const MAX_PRODUCE_TIMEOUT_MS = 300_000;

/**
 * Produce never waits for leadership: a partition this node does not lead answers
 * NOT_LEADER_OR_FOLLOWER (6) at once, an unknown one UNKNOWN_TOPIC_OR_PARTITION (3). Partitions of
 * one request are appended concurrently; acks=0 gets no response at all.
 */
export function produceHandler(broker: BrokerContext): ApiHandler<typeof ApiKey.Produce> {
  return {
    apiKey: ApiKey.Produce,
    minVersion: 3,
    maxVersion: 9,
    noResponse: (request) => request.acks === 0,
    handle: (request, ctx) => handleProduce(broker, request, ctx),
  };
}

async function handleProduce(broker: BrokerContext, request: ProduceRequest, ctx: RequestContext): Promise<ProduceResponse> {
  if (request.transactionalId !== null) {
    return errorForAll(request, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, 'transactions are not supported');
  }
  if (request.acks !== 0 && request.acks !== 1 && request.acks !== -1) {
    return errorForAll(request, ErrorCode.INVALID_REQUIRED_ACKS, `acks=${request.acks}`);
  }
  const responses = await Promise.all(
    request.topicData.map(async (topic) => ({
      name: topic.name,
      partitionResponses: await Promise.all(topic.partitionData.map((p) => producePartition(broker, request, topic.name, p, ctx))),
    })),
  );
  return { responses, throttleTimeMs: 0, nodeEndpoints: [] };
}

async function producePartition(
  broker: BrokerContext,
  request: ProduceRequest,
  topicName: string,
  data: PartitionData,
  ctx: RequestContext,
): Promise<PartitionResponse> {
  const topic = topicByName(broker.image(), topicName);
  const partition = topic?.partitions[data.index];
  if (topic === undefined || partition === undefined) return failure(data.index, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, null);
  const replica = broker.replica(topicName, data.index);
  if (replica === undefined || data.records === null) {
    return failure(data.index, replica === undefined ? ErrorCode.NOT_LEADER_OR_FOLLOWER : ErrorCode.CORRUPT_MESSAGE, null);
  }
  try {
    // Decoded records are always one Buffer (a view of the request frame).
    const records = Buffer.isBuffer(data.records) ? data.records : Buffer.concat(data.records);
    const outcome = await produce(replica, records, {
      acks: request.acks,
      timeoutMs: Math.min(Math.max(request.timeoutMs, 1), MAX_PRODUCE_TIMEOUT_MS),
      maxBatchBytes: Number(setting(topic, 'max.message.bytes', broker.config.messageMaxBytes)),
      logAppendTime: setting(topic, 'message.timestamp.type', broker.config.messageTimestampType) === 'LogAppendTime',
      minInsyncReplicas: Number(setting(topic, 'min.insync.replicas', broker.config.minInsyncReplicas)),
      reachableReplicas: () => broker.reachableReplicas(partition.replicas),
      onBatchAppended: broker.onBatchAppended,
    });
    return { ...failure(data.index, ErrorCode.NONE, null), ...outcome };
  } catch (err) {
    if (!(err instanceof KafkaError)) ctx.logger.error({ err, topic: topicName, partition: data.index }, 'produce failed');
    const code = err instanceof KafkaError ? err.code : ErrorCode.UNKNOWN_SERVER_ERROR;
    const leader = err instanceof NotLeaderError ? err.leaderId : undefined;
    return failure(data.index, code, err instanceof Error ? err.message : null, leader, partition.leaderEpoch);
  }
}

/** A topic's own setting, else the broker's default for it. */
function setting(topic: TopicImage, name: string, brokerDefault: string | number): string | number {
  return topic.configs[name] ?? brokerDefault;
}

function failure(index: number, errorCode: number, message: string | null, leaderId = -1, leaderEpoch = -1): PartitionResponse {
  return {
    index,
    errorCode,
    baseOffset: -1,
    logAppendTimeMs: -1,
    logStartOffset: -1,
    recordErrors: [],
    errorMessage: errorCode === ErrorCode.NONE ? null : message,
    currentLeader: { leaderId: leaderId ?? -1, leaderEpoch },
  };
}

function errorForAll(request: ProduceRequest, errorCode: number, message: string): ProduceResponse {
  return {
    responses: request.topicData.map((t) => ({ name: t.name, partitionResponses: t.partitionData.map((p) => failure(p.index, errorCode, message)) })),
    throttleTimeMs: 0,
    nodeEndpoints: [],
  };
}
