import { ErrorCode } from '../../util/errors.js';
import { ApiKey, type ApiVersionsResponse } from '../protocol/generated/index.js';
import type { ApiHandler, HandlerRegistry } from './registry.js';

export const API_VERSIONS_MIN = 0;
export const API_VERSIONS_MAX = 3;

/** KIP-511: client software name and version are validated; Kafka answers INVALID_REQUEST otherwise. */
const SOFTWARE_FIELD = /^[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?$/;

function isValidSoftwareField(value: string): boolean {
  return SOFTWARE_FIELD.test(value);
}

function response(registry: HandlerRegistry, errorCode: number): ApiVersionsResponse {
  return {
    errorCode,
    apiKeys: registry.ranges(),
    throttleTimeMs: 0,
    supportedFeatures: [],
    finalizedFeaturesEpoch: -1,
    finalizedFeatures: [],
    zkMigrationReady: false,
  };
}

/**
 * The ApiVersions handler: advertises exactly what the registry serves, read at request time so
 * handlers registered later are included.
 */
export function apiVersionsHandler(registry: HandlerRegistry): ApiHandler<typeof ApiKey.ApiVersions> {
  return {
    apiKey: ApiKey.ApiVersions,
    minVersion: API_VERSIONS_MIN,
    maxVersion: API_VERSIONS_MAX,
    handle: (request, ctx) =>
      ctx.apiVersion >= 3 && !(isValidSoftwareField(request.clientSoftwareName) && isValidSoftwareField(request.clientSoftwareVersion))
        ? { ...response(registry, ErrorCode.INVALID_REQUEST), apiKeys: [] }
        : response(registry, ErrorCode.NONE),
    errorResponse: (_request, errorCode) => response(registry, errorCode),
  };
}

/**
 * What Kafka answers to an ApiVersions version it does not know (KIP-511): a v0 body with
 * UNSUPPORTED_VERSION and the versions we do serve, so the client can retry with one of them.
 */
export function unsupportedApiVersionsResponse(registry: HandlerRegistry): ApiVersionsResponse {
  return response(registry, ErrorCode.UNSUPPORTED_VERSION);
}
