import { topicById, type TopicRef } from '../../state/index.js';
import { ErrorCode, KafkaError } from '../../util/errors.js';
import { ApiKey, type DeleteTopicsRequest, type DeleteTopicsResponse } from '../protocol/generated/index.js';
import type { ApiHandler } from '../server/index.js';
import type { BrokerContext } from './context.js';
import { fromKafkaUuid, toKafkaUuid, ZERO_UUID_KAFKA } from './uuid.js';

/** DeleteTopics by name (v0–5) or id (v6+), decided on the `__meta` leader. */
export function deleteTopicsHandler(broker: BrokerContext): ApiHandler<typeof ApiKey.DeleteTopics> {
  return {
    apiKey: ApiKey.DeleteTopics,
    minVersion: 0,
    maxVersion: 6,
    handle: async (request) => handleDeleteTopics(broker, request),
  };
}

async function handleDeleteTopics(broker: BrokerContext, request: DeleteTopicsRequest): Promise<DeleteTopicsResponse> {
  const refs: TopicRef[] =
    request.topics.length > 0
      ? request.topics.map((t) => (t.name !== null ? { name: t.name } : { topicId: fromKafkaUuid(t.topicId) }))
      : request.topicNames.map((name) => ({ name }));
  const timeoutMs = Math.min(Math.max(request.timeoutMs, 1), broker.config.requestTimeoutMaxMs);
  try {
    const outcome = await broker.executeMeta({ type: 'DeleteTopics', topics: refs }, timeoutMs);
    return {
      throttleTimeMs: 0,
      responses: outcome.results.map((r) => ({
        name: r.name === '' && r.topicId !== null ? (topicById(broker.image(), r.topicId)?.name ?? null) : r.name,
        topicId: r.topicId === null ? ZERO_UUID_KAFKA : toKafkaUuid(r.topicId),
        errorCode: r.errorCode,
        errorMessage: r.errorMessage,
      })),
    };
  } catch (err) {
    const errorCode = err instanceof KafkaError ? err.code : ErrorCode.UNKNOWN_SERVER_ERROR;
    const errorMessage = err instanceof Error ? err.message : String(err);
    return {
      throttleTimeMs: 0,
      responses: refs.map((r) => ({ name: 'name' in r ? r.name : null, topicId: 'topicId' in r ? toKafkaUuid(r.topicId) : ZERO_UUID_KAFKA, errorCode, errorMessage })),
    };
  }
}
