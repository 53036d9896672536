import { ProtocolDecodeError } from './errors.js';
import { apiCodecs, ApiKey, type ApiKeyValue } from './generated/index.js';
import type { Reader } from './reader.js';
import { uvarintSize } from './writer.js';

export interface RequestHeader {
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly correlationId: number;
  /** Null when the client sent a null client id (or header v0, which has none). */
  readonly clientId: string | null;
}

export function isKnownApiKey(apiKey: number): apiKey is ApiKeyValue {
  return Object.hasOwn(apiCodecs, apiKey);
}

/**
 * Whether a request uses header v2 (flexible, with tagged fields). For a version newer than we know,
 * Kafka assumes the newest encoding, which is what lets it answer an ApiVersions request from a
 * newer client: the header still parses, only the body does not.
 */
export function requestHeaderIsFlexible(apiKey: number, apiVersion: number): boolean {
  if (!isKnownApiKey(apiKey)) return false;
  const codec = apiCodecs[apiKey].request;
  if (apiVersion > codec.maxVersion) return codec.isFlexible(codec.maxVersion);
  return codec.isFlexible(apiVersion);
}

/** Response header v1 has a tagged-field section; ApiVersions responses always use v0. */
export function responseHeaderIsFlexible(apiKey: number, apiVersion: number): boolean {
  if (apiKey === ApiKey.ApiVersions || !isKnownApiKey(apiKey)) return false;
  return apiCodecs[apiKey].response.isFlexible(apiVersion);
}

function skipTaggedFields(r: Reader): void {
  const count = r.count(r.uvarint(), 2);
  for (let i = 0; i < count; i++) {
    r.uvarint();
    r.skip(r.uvarint());
  }
}

/** An ApiVersions request newer than we know: its body is never read, only answered with error 35. */
function isFutureApiVersions(apiKey: number, apiVersion: number): boolean {
  return apiKey === ApiKey.ApiVersions && apiVersion > apiCodecs[ApiKey.ApiVersions].request.maxVersion;
}

/**
 * Whatever header a future client sends with an ApiVersions request we must answer it (KIP-511),
 * so a tagged-field section that does not parse is ignored rather than closing the connection.
 */
function skipTaggedFieldsLeniently(r: Reader): void {
  try {
    skipTaggedFields(r);
  } catch (err) {
    if (!(err instanceof ProtocolDecodeError)) throw err;
    r.pos = r.end;
  }
}

/**
 * Parses a request header (v1, or v2 for flexible versions) at the reader's cursor. The client id
 * is a classic int16-length string even in v2 so that any broker can read any ApiVersions header.
 * Header v0 (no client id) is used only by ControlledShutdown v0.
 */
export function readRequestHeader(r: Reader): RequestHeader {
  const apiKey = r.int16();
  const apiVersion = r.int16();
  const correlationId = r.int32();
  if (apiKey === ApiKey.ControlledShutdown && apiVersion === 0) return { apiKey, apiVersion, correlationId, clientId: null };
  const length = r.int16();
  if (length < -1) throw new ProtocolDecodeError(`invalid client id length ${length}`);
  const clientId = length === -1 ? null : r.utf8(length);
  if (requestHeaderIsFlexible(apiKey, apiVersion)) {
    if (isFutureApiVersions(apiKey, apiVersion)) skipTaggedFieldsLeniently(r);
    else skipTaggedFields(r);
  }
  return { apiKey, apiVersion, correlationId, clientId };
}

/** Size prefix plus response header, ready to precede the encoded body. */
export function encodeResponsePrefix(correlationId: number, flexible: boolean, bodyBytes: number): Buffer {
  const headerBytes = 4 + (flexible ? uvarintSize(0) : 0);
  const b = Buffer.allocUnsafe(4 + headerBytes);
  b.writeInt32BE(headerBytes + bodyBytes, 0);
  b.writeInt32BE(correlationId, 4);
  if (flexible) b[8] = 0;
  return b;
}

function headerV0Frame(header: RequestHeader, body: readonly Buffer[]): Buffer {
  const head = Buffer.allocUnsafe(12);
  head.writeInt32BE(8 + byteLengthOf(body), 0);
  head.writeInt16BE(header.apiKey, 4);
  head.writeInt16BE(header.apiVersion, 6);
  head.writeInt32BE(header.correlationId, 8);
  return Buffer.concat([head, ...body]);
}

function byteLengthOf(chunks: readonly Buffer[]): number {
  let n = 0;
  for (const c of chunks) n += c.length;
  return n;
}

/** Encodes a request frame (size, header, body); used by tests and by tools that speak to brokers. */
export function encodeRequestFrame(header: RequestHeader, body: readonly Buffer[]): Buffer {
  const flexible = requestHeaderIsFlexible(header.apiKey, header.apiVersion);
  if (header.apiKey === ApiKey.ControlledShutdown && header.apiVersion === 0) return headerV0Frame(header, body);
  const client = header.clientId === null ? null : Buffer.from(header.clientId, 'utf8');
  const headerBytes = 8 + 2 + (client?.length ?? 0) + (flexible ? 1 : 0);
  const head = Buffer.allocUnsafe(4 + headerBytes);
  head.writeInt32BE(headerBytes + byteLengthOf(body), 0);
  head.writeInt16BE(header.apiKey, 4);
  head.writeInt16BE(header.apiVersion, 6);
  head.writeInt32BE(header.correlationId, 8);
  head.writeInt16BE(client === null ? -1 : client.length, 12);
  if (client !== null) client.copy(head, 14);
  if (flexible) head[head.length - 1] = 0;
  return Buffer.concat([head, ...body]);
}
