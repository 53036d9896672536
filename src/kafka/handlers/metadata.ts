import { NO_LEADER, topicById, topicByName, topicNameProblem, type MetadataImage, type PartitionImage, type TopicImage } from '../../state/index.js';
import { ErrorCode } from '../../util/errors.js';
import {
  ApiKey,
  type MetadataRequest,
  type MetadataResponse,
  type MetadataResponseMetadataResponseBroker as BrokerEntry,
  type MetadataResponseMetadataResponseTopic as TopicEntry,
} from '../protocol/generated/index.js';
import type { ApiHandler, RequestContext } from '../server/index.js';
import type { BrokerContext } from './context.js';
import { fromKafkaUuid, toKafkaUuid, ZERO_UUID_KAFKA } from './uuid.js';

/** How long Metadata waits for a named topic's leaders before answering LEADER_NOT_AVAILABLE. */
export const METADATA_LEADER_WAIT_MS = 10_000;
const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;

/**
 * Metadata answers from the local image. For a named topic the image lacks (or whose leaders are
 * not yet known) it first takes a ReadIndex barrier on `__meta`, so a topic created through any
 * node is visible here at once; then, if leaders are still pending, it waits on the event that
 * applies them, bounded. Only after the bound does a partition report LEADER_NOT_AVAILABLE (5);
 * an existing topic is never reported as unknown (3).
 */
export function metadataHandler(broker: BrokerContext): ApiHandler<typeof ApiKey.Metadata> {
  return {
    apiKey: ApiKey.Metadata,
    minVersion: 0,
    maxVersion: 12,
    handle: (request, ctx) => handleMetadata(broker, request, ctx),
  };
}

async function handleMetadata(broker: BrokerContext, request: MetadataRequest, ctx: RequestContext): Promise<MetadataResponse> {
  const names = requestedNames(broker.image(), request, ctx.apiVersion);
  if (names !== undefined && names.length > 0) await settleNamedTopics(broker, names, request, ctx);
  const image = broker.image();
  const brokers = brokerEntries(broker, image);
  const listed = brokers.some((b) => b.nodeId === broker.nodeId);
  const topics =
    names === undefined ? [...image.topicsById.values()].map((t) => topicEntry(broker, listed, t)) : names.map((n) => namedTopicEntry(broker, listed, image, n));
  return {
    throttleTimeMs: 0,
    brokers,
    clusterId: broker.config.clusterId,
    // Any node takes admin requests and forwards them to the __meta leader, so clients are pointed
    // at the node they already talk to: a dead meta leader never strands an admin client. A node
    // cut off from the quorum points them at another broker (it cannot forward anything).
    controllerId: listed ? broker.nodeId : (brokers[0]?.nodeId ?? broker.nodeId),
    topics,
    clusterAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
  };
}

/** undefined: all topics (null in v1+, an empty list in v0). */
function requestedNames(image: MetadataImage, request: MetadataRequest, version: number): string[] | undefined {
  if (request.topics === null || (version === 0 && request.topics.length === 0)) return undefined;
  return request.topics.map((t) => t.name ?? topicById(image, fromKafkaUuid(t.topicId))?.name ?? `<unknown id ${t.topicId}>`);
}

async function settleNamedTopics(broker: BrokerContext, names: string[], request: MetadataRequest, ctx: RequestContext): Promise<void> {
  if (names.every((n) => hasLeaders(broker.image(), n))) return;
  await broker.metaBarrier(METADATA_LEADER_WAIT_MS).catch((err: unknown) => ctx.logger.debug({ err }, 'metadata barrier failed'));
  const missing = names.filter((n) => topicByName(broker.image(), n) === undefined && topicNameProblem(n) === undefined);
  if (missing.length > 0 && broker.config.autoCreateTopics && request.allowAutoTopicCreation) {
    const topics = missing.map((name) => ({ name, numPartitions: -1, replicationFactor: -1 }));
    await broker
      .executeMeta({ type: 'CreateTopics', topics, validateOnly: false }, METADATA_LEADER_WAIT_MS)
      .catch((err: unknown) => ctx.logger.debug({ err }, 'auto-create failed'));
  }
  const existing = names.filter((n) => topicByName(broker.image(), n) !== undefined);
  if (existing.length === 0) return;
  await broker.waitForLeaders(existing, METADATA_LEADER_WAIT_MS, ctx.signal).catch(() => undefined);
}

function hasLeaders(image: MetadataImage, name: string): boolean {
  const topic = topicByName(image, name);
  return topic !== undefined && topic.partitions.every((p) => p.leader !== NO_LEADER);
}

function namedTopicEntry(broker: BrokerContext, listed: boolean, image: MetadataImage, name: string): TopicEntry {
  const topic = topicByName(image, name);
  if (topic !== undefined) return topicEntry(broker, listed, topic);
  const errorCode = topicNameProblem(name) === undefined ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.INVALID_TOPIC_EXCEPTION;
  return { errorCode, name, topicId: ZERO_UUID_KAFKA, isInternal: false, partitions: [], topicAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED };
}

/** `listed`: whether this node is in the response's broker list (not when cut off from the quorum). */
function topicEntry(broker: BrokerContext, listed: boolean, topic: TopicImage): TopicEntry {
  const live = broker.liveBrokers();
  const partitions = topic.partitions.map((p) => {
    const leader = claimableLeader(broker, listed, topic.name, p);
    return {
      errorCode: leader === NO_LEADER ? ErrorCode.LEADER_NOT_AVAILABLE : ErrorCode.NONE,
      partitionIndex: p.partition,
      leaderId: leader,
      leaderEpoch: p.leaderEpoch,
      replicaNodes: [...p.replicas],
      isrNodes: [...(p.isr.length > 0 ? p.isr : p.replicas.filter((r) => live.has(r)))],
      offlineReplicas: p.replicas.filter((r) => !live.has(r)),
    };
  });
  return {
    errorCode: ErrorCode.NONE,
    name: topic.name,
    topicId: toKafkaUuid(topic.topicId),
    isInternal: topic.internal,
    partitions,
    topicAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
  };
}

/**
 * The image may name this node as leader after it has stopped serving (deposed, isolated from the
 * quorum, or handing leadership over) until the next LeaderElected is applied. A node never claims
 * a leadership it does not exercise: it answers LEADER_NOT_AVAILABLE, so the client asks again
 * instead of sending produce requests here.
 *
 * Cut off from the quorum (left out of the broker list), it names another replica instead: a new
 * leader can only be one of them, and a wrong guess answers NOT_LEADER_OR_FOLLOWER, which sends the client
 * to Metadata again, now over a broker of the majority side. An error here would not do: kafkajs
 * rejects a whole Metadata response with a partition error, keeps its old broker list, and stays
 * connected to this node only.
 */
function claimableLeader(broker: BrokerContext, listed: boolean, topic: string, partition: PartitionImage): number {
  if (partition.leader !== broker.nodeId) return partition.leader;
  if (!listed) return partition.replicas.find((r) => r !== broker.nodeId) ?? NO_LEADER;
  return broker.replica(topic, partition.partition)?.serving === undefined ? NO_LEADER : partition.leader;
}

/**
 * Election timeouts (of the configured, un-randomised length) without a `__meta` leader after which
 * a node takes itself to be cut off from the quorum: a randomised timeout is at most two, and an
 * ordinary election ends within one more.
 */
const CUT_OFF_ELECTION_TIMEOUTS = 3;

/**
 * A node on the minority side of a partition keeps an image from before the cut: it may name
 * itself leader of partitions it no longer serves (they answer LEADER_NOT_AVAILABLE, see
 * claimableLeader), and it knows no newer leaders. A client whose only connection is to it would
 * ask it again forever (kafkajs refreshes metadata over a connected broker). So such a node leaves
 * itself out of the broker list: clients drop their connection to it and ask the other brokers,
 * which know the new leaders (Kafka's Metadata likewise lists only brokers not fenced by the
 * controller). A cluster of one is never cut off.
 */
function cutOff(broker: BrokerContext, image: MetadataImage): boolean {
  const timeoutMs = broker.config.raftElectionTicks * broker.config.raftTickMs;
  return image.brokers.size > 1 && broker.metaLeaderlessMs() >= CUT_OFF_ELECTION_TIMEOUTS * timeoutMs;
}

function brokerEntries(broker: BrokerContext, image: MetadataImage): BrokerEntry[] {
  const entries: BrokerEntry[] = [...image.brokers.values()].map((b) => ({ nodeId: b.brokerId, host: b.kafkaHost, port: b.kafkaPort, rack: b.rack }));
  if (cutOff(broker, image)) {
    const others = entries.filter((b) => b.nodeId !== broker.nodeId);
    if (others.length > 0) return others.sort((a, b) => a.nodeId - b.nodeId);
  }
  if (!entries.some((b) => b.nodeId === broker.nodeId)) {
    // Not registered yet (start-up): clients must still be able to reach this node.
    const self = broker.config.kafkaAdvertised;
    entries.push({ nodeId: broker.nodeId, host: self.host, port: self.port, rack: broker.config.rack });
  }
  return entries.sort((a, b) => a.nodeId - b.nodeId);
}
