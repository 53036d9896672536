import { describeTopicConfigs, type CreatableTopic } from '../../state/index.js';
import { ErrorCode, KafkaError } from '../../util/errors.js';
import {
  ApiKey,
  type CreateTopicsRequest,
  type CreateTopicsResponse,
  type CreateTopicsResponseCreatableTopicResult as TopicResult,
} from '../protocol/generated/index.js';
import type { ApiHandler, RequestContext } from '../server/index.js';
import type { BrokerContext } from './context.js';
import { toKafkaUuid, ZERO_UUID_KAFKA } from './uuid.js';

/**
 * CreateTopics is decided and committed on the `__meta` leader (forwarded there from any node) and
 * answers only when every new partition's LeaderElected is applied on THIS node, so a producer that
 * writes right after creating a topic never sees NOT_LEADER_OR_FOLLOWER. The wait is event-driven
 * and bounded by the request's timeout.
 */
export function createTopicsHandler(broker: BrokerContext): ApiHandler<typeof ApiKey.CreateTopics> {
  return {
    apiKey: ApiKey.CreateTopics,
    minVersion: 0,
    maxVersion: 7,
    handle: (request, ctx) => handleCreateTopics(broker, request, ctx),
  };
}

async function handleCreateTopics(broker: BrokerContext, request: CreateTopicsRequest, ctx: RequestContext): Promise<CreateTopicsResponse> {
  const timeoutMs = Math.min(Math.max(request.timeoutMs, 1), broker.config.requestTimeoutMaxMs);
  const topics: CreatableTopic[] = request.topics.map((t) => ({
    name: t.name,
    numPartitions: t.numPartitions,
    replicationFactor: t.replicationFactor,
    assignments: t.assignments.map((a) => ({ partition: a.partitionIndex, replicas: a.brokerIds })),
    configs: Object.fromEntries(t.configs.map((c) => [c.name, c.value])),
  }));
  let results: TopicResult[];
  try {
    const outcome = await broker.executeMeta({ type: 'CreateTopics', topics, validateOnly: request.validateOnly }, timeoutMs);
    results = outcome.results.map((r) => toResult(r, ctx.apiVersion));
  } catch (err) {
    const code = err instanceof KafkaError ? err.code : ErrorCode.UNKNOWN_SERVER_ERROR;
    const message = err instanceof Error ? err.message : String(err);
    return { throttleTimeMs: 0, topics: request.topics.map((t) => failed(t.name, code, message)) };
  }
  if (!request.validateOnly) await waitForLeaders(broker, results, timeoutMs, ctx.signal);
  return { throttleTimeMs: 0, topics: results };
}

async function waitForLeaders(broker: BrokerContext, results: TopicResult[], timeoutMs: number, signal: AbortSignal): Promise<void> {
  const created = results.filter((r) => r.errorCode === ErrorCode.NONE).map((r) => r.name);
  if (created.length === 0) return;
  try {
    await broker.waitForLeaders(created, timeoutMs, signal);
  } catch {
    for (const r of results) {
      if (created.includes(r.name)) Object.assign(r, { errorCode: ErrorCode.REQUEST_TIMED_OUT, errorMessage: 'leaders not elected within the timeout' });
    }
  }
}

interface WireResult {
  name: string;
  topicId: string | null;
  errorCode: number;
  errorMessage: string | null;
  extra?: unknown;
}

function toResult(r: WireResult, version: number): TopicResult {
  const extra = (r.extra ?? {}) as { numPartitions?: number; replicationFactor?: number; configs?: Record<string, string> };
  const configs =
    r.errorCode !== ErrorCode.NONE || version < 5
      ? null
      : describeTopicConfigs(extra.configs ?? {}).map((c) => ({
          name: c.name,
          value: c.value,
          readOnly: c.readOnly,
          configSource: c.source,
          isSensitive: c.isSensitive,
        }));
  return {
    name: r.name,
    topicId: r.topicId === null ? ZERO_UUID_KAFKA : toKafkaUuid(r.topicId),
    errorCode: r.errorCode,
    errorMessage: r.errorMessage,
    topicConfigErrorCode: ErrorCode.NONE,
    numPartitions: extra.numPartitions ?? -1,
    replicationFactor: extra.replicationFactor ?? -1,
    configs,
  };
}

function failed(name: string, errorCode: number, errorMessage: string): TopicResult {
  return toResult({ name, topicId: null, errorCode, errorMessage }, 0);
}
