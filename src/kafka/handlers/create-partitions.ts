import { ErrorCode, KafkaError } from '../../util/errors.js';
import { ApiKey, type CreatePartitionsRequest, type CreatePartitionsResponse } from '../protocol/generated/index.js';
import type { ApiHandler, RequestContext } from '../server/index.js';
import type { BrokerContext } from './context.js';

/** CreatePartitions: decided on the `__meta` leader; like CreateTopics it returns once the new partitions have leaders here. */
export function createPartitionsHandler(broker: BrokerContext): ApiHandler<typeof ApiKey.CreatePartitions> {
  return {
    apiKey: ApiKey.CreatePartitions,
    minVersion: 0,
    maxVersion: 3,
    handle: (request, ctx) => handleCreatePartitions(broker, request, ctx),
  };
}

async function handleCreatePartitions(broker: BrokerContext, request: CreatePartitionsRequest, ctx: RequestContext): Promise<CreatePartitionsResponse> {
  const timeoutMs = Math.min(Math.max(request.timeoutMs, 1), broker.config.requestTimeoutMaxMs);
  try {
    const outcome = await broker.executeMeta(
      {
        type: 'CreatePartitions',
        validateOnly: request.validateOnly,
        topics: request.topics.map((t) => ({ name: t.name, count: t.count, assignments: t.assignments === null ? null : t.assignments.map((a) => a.brokerIds) })),
      },
      timeoutMs,
    );
    const results = outcome.results.map((r) => ({ name: r.name, errorCode: r.errorCode, errorMessage: r.errorMessage }));
    const grown = results.filter((r) => r.errorCode === ErrorCode.NONE).map((r) => r.name);
    if (!request.validateOnly && grown.length > 0) {
      await broker.waitForLeaders(grown, timeoutMs, ctx.signal).catch(() => {
        for (const r of results) if (grown.includes(r.name)) Object.assign(r, { errorCode: ErrorCode.REQUEST_TIMED_OUT, errorMessage: 'new partitions have no leader yet' });
      });
    }
    return { throttleTimeMs: 0, results };
  } catch (err) {
    const errorCode = err instanceof KafkaError ? err.code : ErrorCode.UNKNOWN_SERVER_ERROR;
    const errorMessage = err instanceof Error ? err.message : String(err);
    return { throttleTimeMs: 0, results: request.topics.map((t) => ({ name: t.name, errorCode, errorMessage })) };
  }
}
