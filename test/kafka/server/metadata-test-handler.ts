import { ApiKey, type MetadataResponse } from '../../../src/kafka/protocol/index.js';
import type { ApiHandler } from '../../../src/kafka/server/registry.js';

/** Test-only Metadata: one broker (this server), no topics; enough for clients to finish connecting. */
export function metadataTestHandler(port: () => number): ApiHandler<typeof ApiKey.Metadata> {
  return {
    apiKey: ApiKey.Metadata,
    minVersion: 0,
    maxVersion: 12,
    handle: (): MetadataResponse => ({
      throttleTimeMs: 0,
      brokers: [{ nodeId: 1, host: '127.0.0.1', port: port(), rack: null }],
      clusterId: 'chronik-test',
      controllerId: 1,
      topics: [],
      clusterAuthorizedOperations: -2147483648,
    }),
  };
}
