import { ErrorCode } from '../../util/errors.js';
import { ApiKey } from '../protocol/generated/index.js';
import type { ApiHandler } from '../server/index.js';
import type { BrokerContext } from './context.js';

const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;

/** DescribeCluster: the registered brokers, the cluster id and the `__meta` leader as controller. */
export function describeClusterHandler(broker: BrokerContext): ApiHandler<typeof ApiKey.DescribeCluster> {
  return {
    apiKey: ApiKey.DescribeCluster,
    minVersion: 0,
    maxVersion: 1,
    handle: () => ({
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      endpointType: 1,
      clusterId: broker.config.clusterId,
      controllerId: broker.nodeId,
      brokers: [...broker.image().brokers.values()].map((b) => ({ brokerId: b.brokerId, host: b.kafkaHost, port: b.kafkaPort, rack: b.rack })),
      clusterAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
    }),
  };
}
