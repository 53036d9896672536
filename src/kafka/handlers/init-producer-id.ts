import { ErrorCode, KafkaError } from '../../util/errors.js';
import { ApiKey } from '../protocol/generated/index.js';
import type { ApiHandler } from '../server/index.js';
import type { BrokerContext } from './context.js';

/**
 * InitProducerId for idempotent producers: ids come from blocks allocated through `__meta`
 * (durable and replicated), so no two brokers ever hand out the same id. Transactions are not
 * supported yet: a transactional id is refused clearly.
 */
export function initProducerIdHandler(broker: BrokerContext): ApiHandler<typeof ApiKey.InitProducerId> {
  return {
    apiKey: ApiKey.InitProducerId,
    minVersion: 0,
    maxVersion: 4,
    handle: async (request) => {
      if (request.transactionalId !== null) {
        return { throttleTimeMs: 0, errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, producerId: -1, producerEpoch: -1 };
      }
      try {
        return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId: await broker.allocateProducerId(), producerEpoch: 0 };
      } catch (err) {
        const errorCode = err instanceof KafkaError ? err.code : ErrorCode.UNKNOWN_SERVER_ERROR;
        return { throttleTimeMs: 0, errorCode: errorCode === ErrorCode.REQUEST_TIMED_OUT ? ErrorCode.COORDINATOR_NOT_AVAILABLE : errorCode, producerId: -1, producerEpoch: -1 };
      }
    },
  };
}
