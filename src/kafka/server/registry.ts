import { assert } from '../../util/assert.js';
import type { Logger } from '../../util/logger.js';
import type { MessageCodec } from '../protocol/codec.js';
import { apiCodecs, type ApiKeyValue, type ApiMessages } from '../protocol/generated/index.js';

/** What a handler knows about the request it serves. */
export interface RequestContext {
  readonly connectionId: number;
  readonly clientId: string | null;
  /** "host:port" of the client. */
  readonly clientAddress: string;
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly correlationId: number;
  /** The connection's child logger. */
  readonly logger: Logger;
  /**
   * Aborted when the connection closes or starts draining (graceful shutdown): long waits (fetch,
   * join) should stop. While draining, the response is still written, so a long poll answers with
   * what it has rather than failing.
   */
  readonly signal: AbortSignal;
  /**
   * Registers `fn` to run once the response has been handed to the socket (its write completed),
   * or once it never will be (the connection closed, the request gets no response). A handler
   * whose response carries borrowed buffers returns them here.
   */
  afterResponse(fn: () => void): void;
}

export type RequestOf<K extends ApiKeyValue> = ApiMessages[K]['request'];
export type ResponseOf<K extends ApiKeyValue> = ApiMessages[K]['response'];

/** One API's implementation; it receives version-free decoded requests. */
export interface ApiHandler<K extends ApiKeyValue> {
  readonly apiKey: K;
  readonly minVersion: number;
  readonly maxVersion: number;
  handle(request: RequestOf<K>, ctx: RequestContext): Promise<ResponseOf<K>> | ResponseOf<K>;
  /** True when the client expects no response (Produce with acks=0). */
  noResponse?(request: RequestOf<K>): boolean;
  /** The response Kafka sends when handling failed with errorCode; defaults to a top-level errorCode. */
  errorResponse?(request: RequestOf<K>, errorCode: number): ResponseOf<K>;
}

/** A registered handler with its types erased; the codecs guarantee the shapes line up. */
export interface RegisteredHandler {
  readonly apiKey: number;
  readonly name: string;
  readonly minVersion: number;
  readonly maxVersion: number;
  readonly requestCodec: MessageCodec<unknown>;
  readonly responseCodec: MessageCodec<unknown>;
  handle(request: unknown, ctx: RequestContext): unknown;
  noResponse(request: unknown): boolean;
  errorResponse: ((request: unknown, errorCode: number) => unknown) | undefined;
}

export interface ApiVersionRange {
  readonly apiKey: number;
  readonly minVersion: number;
  readonly maxVersion: number;
}

/** The APIs a server serves: one handler per API key, each for a contiguous version range. */
export class HandlerRegistry {
  private readonly handlers = new Map<number, RegisteredHandler>();

  register<K extends ApiKeyValue>(handler: ApiHandler<K>): void {
    const codecs = apiCodecs[handler.apiKey];
    assert(codecs !== undefined, `unknown API key ${handler.apiKey}`);
    assert(!this.handlers.has(handler.apiKey), `API ${codecs.name} registered twice`);
    assert(
      handler.minVersion >= codecs.request.minVersion &&
        handler.maxVersion <= codecs.request.maxVersion &&
        handler.minVersion <= handler.maxVersion,
      `${codecs.name} versions ${handler.minVersion}-${handler.maxVersion} outside the schema's`,
    );
    const { errorResponse, noResponse } = handler;
    this.handlers.set(handler.apiKey, {
      apiKey: handler.apiKey,
      name: codecs.name,
      minVersion: handler.minVersion,
      maxVersion: handler.maxVersion,
      requestCodec: codecs.request as MessageCodec<unknown>,
      responseCodec: codecs.response as MessageCodec<unknown>,
      handle: (request, ctx) => handler.handle(request as RequestOf<K>, ctx),
      noResponse: (request) => noResponse?.call(handler, request as RequestOf<K>) ?? false,
      errorResponse:
        errorResponse === undefined ? undefined : (request, code) => errorResponse.call(handler, request as RequestOf<K>, code),
    });
  }

  get(apiKey: number): RegisteredHandler | undefined {
    return this.handlers.get(apiKey);
  }

  /** What ApiVersions advertises: exactly the registered handlers' ranges, by API key. */
  ranges(): ApiVersionRange[] {
    return [...this.handlers.values()]
      .map((h) => ({ apiKey: h.apiKey, minVersion: h.minVersion, maxVersion: h.maxVersion }))
      .sort((a, b) => a.apiKey - b.apiKey);
  }
}
