import { byteLength } from '../protocol/codec.js';
import { ApiKey, ApiVersionsResponseCodec } from '../protocol/generated/index.js';
import { encodeResponsePrefix, readRequestHeader, responseHeaderIsFlexible, type RequestHeader } from '../protocol/header.js';
import { Reader } from '../protocol/reader.js';
import { inRange } from '../protocol/schema.js';
import { unsupportedApiVersionsResponse } from './api-versions.js';
import { UnsupportedRequestError } from './errors.js';
import type { HandlerRegistry, RegisteredHandler } from './registry.js';

export type DecodedFrame =
  | { readonly kind: 'request'; readonly header: RequestHeader; readonly handler: RegisteredHandler; readonly request: unknown }
  | { readonly kind: 'unsupported-api-versions'; readonly header: RequestHeader };

/**
 * Parses one request frame. Throws ProtocolDecodeError for malformed bytes and
 * UnsupportedRequestError for APIs or versions we do not serve; both close the connection, as in
 * Kafka. The one exception is an ApiVersions version we do not know, which gets an error response.
 */
export function decodeFrame(frame: Buffer, registry: HandlerRegistry): DecodedFrame {
  const r = new Reader(frame);
  const header = readRequestHeader(r);
  const handler = registry.get(header.apiKey);
  if (handler === undefined) throw new UnsupportedRequestError(`API key ${header.apiKey} is not served`);
  if (header.apiVersion < handler.minVersion || header.apiVersion > handler.maxVersion) {
    if (header.apiKey === ApiKey.ApiVersions) return { kind: 'unsupported-api-versions', header };
    throw new UnsupportedRequestError(
      `${handler.name} v${header.apiVersion} is not served (v${handler.minVersion}-${handler.maxVersion})`,
    );
  }
  return { kind: 'request', header, handler, request: handler.requestCodec.read(r, header.apiVersion) };
}

/** Size prefix, response header and body, the body's large payloads by reference. */
export function encodeResponse(handler: RegisteredHandler, header: RequestHeader, response: unknown): Buffer[] {
  const body = handler.responseCodec.encode(response, header.apiVersion);
  const flexible = responseHeaderIsFlexible(header.apiKey, header.apiVersion);
  body.unshift(encodeResponsePrefix(header.correlationId, flexible, byteLength(body)));
  return body;
}

export function encodeUnsupportedApiVersions(registry: HandlerRegistry, header: RequestHeader): Buffer[] {
  const body = ApiVersionsResponseCodec.encode(unsupportedApiVersionsResponse(registry), 0);
  body.unshift(encodeResponsePrefix(header.correlationId, false, byteLength(body)));
  return body;
}

/**
 * The response for a failed request: the handler's own, else the schema default with a top-level
 * errorCode where the response has one in this version, else undefined (the connection closes).
 */
export function errorResponse(handler: RegisteredHandler, version: number, request: unknown, code: number): unknown {
  if (handler.errorResponse !== undefined) return handler.errorResponse(request, code);
  const field = handler.responseCodec.spec.fields.find((f) => f.name === 'errorCode');
  if (field === undefined || !inRange(field.versions, version)) return undefined;
  const response = handler.responseCodec.defaults() as Record<string, unknown>;
  response['errorCode'] = code;
  return response;
}

/** The top-level error code of a response, for metrics; 0 when it has none. */
export function topLevelErrorCode(response: unknown): number {
  if (typeof response !== 'object' || response === null) return 0;
  const code = (response as { errorCode?: unknown }).errorCode;
  return typeof code === 'number' ? code : 0;
}
