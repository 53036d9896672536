import { ErrorCode, KafkaError } from '../../../util/errors.js';
import { ApiKey, type FindCoordinatorResponseCoordinator as Coordinator } from '../../protocol/generated/index.js';
import type { ApiHandler } from '../../server/index.js';
import type { BrokerContext } from '../context.js';

const FIND_TIMEOUT_MS = 10_000;
const KEY_TYPE_GROUP = 0;

/**
 * FindCoordinator: a group's coordinator is the leader of its `__consumer_offsets` partition. The
 * topic is created on first use. v4+ batches keys; older versions carry one key at the top level.
 */
export function findCoordinatorHandler(broker: BrokerContext): ApiHandler<typeof ApiKey.FindCoordinator> {
  return {
    apiKey: ApiKey.FindCoordinator,
    minVersion: 0,
    maxVersion: 4,
    handle: async (request, ctx) => {
      const keys = ctx.apiVersion >= 4 ? request.coordinatorKeys : [request.key];
      const coordinators = await Promise.all(keys.map((key) => find(broker, key, request.keyType)));
      const first = coordinators[0] ?? answer('', ErrorCode.COORDINATOR_NOT_AVAILABLE, null);
      return {
        throttleTimeMs: 0,
        errorCode: first.errorCode,
        errorMessage: first.errorMessage,
        nodeId: first.nodeId,
        host: first.host,
        port: first.port,
        coordinators,
      };
    },
  };
}

async function find(broker: BrokerContext, key: string, keyType: number): Promise<Coordinator> {
  if (keyType !== KEY_TYPE_GROUP) return answer(key, ErrorCode.COORDINATOR_NOT_AVAILABLE, 'transaction coordinators are not supported');
  if (key.length === 0) return answer(key, ErrorCode.INVALID_GROUP_ID, 'empty group id');
  try {
    const nodeId = await broker.findGroupCoordinator(key, FIND_TIMEOUT_MS);
    const info = broker.image().brokers.get(nodeId);
    if (info === undefined) return answer(key, ErrorCode.COORDINATOR_NOT_AVAILABLE, `coordinator ${nodeId} is not registered`);
    return { key, nodeId, host: info.kafkaHost, port: info.kafkaPort, errorCode: ErrorCode.NONE, errorMessage: null };
  } catch (err) {
    const code = err instanceof KafkaError ? err.code : ErrorCode.COORDINATOR_NOT_AVAILABLE;
    // Any failure to find one is retriable for the client.
    const retriable = code === ErrorCode.INVALID_GROUP_ID ? code : ErrorCode.COORDINATOR_NOT_AVAILABLE;
    return answer(key, retriable, err instanceof Error ? err.message : null);
  }
}

function answer(key: string, errorCode: number, errorMessage: string | null): Coordinator {
  return { key, nodeId: -1, host: '', port: -1, errorCode, errorMessage };
}
