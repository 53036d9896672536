import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { afterEach } from 'vitest';
import type { MessageCodec } from '../../../src/kafka/protocol/codec.js';
import { FetchResponseCodec, type FetchResponse } from '../../../src/kafka/protocol/index.js';
import { encodeRequestFrame, responseHeaderIsFlexible } from '../../../src/kafka/protocol/header.js';
import { apiVersionsHandler } from '../../../src/kafka/server/api-versions.js';
import { HandlerRegistry } from '../../../src/kafka/server/registry.js';
import { startKafkaServer, type KafkaServer, type KafkaServerOptions } from '../../../src/kafka/server/server.js';
import { RawClient } from './raw-client.js';

export interface LogLine {
  level: number;
  msg: string;
  reason?: string;
  err?: { type?: string; message?: string };
}

/** A pino logger whose JSON lines are kept for assertions. */
export function capturingLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') lines.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

export function registryWithApiVersions(): HandlerRegistry {
  const registry = new HandlerRegistry();
  registry.register(apiVersionsHandler(registry));
  return registry;
}

export function requestFrame<T>(
  codec: MessageCodec<T>,
  apiKey: number,
  apiVersion: number,
  correlationId: number,
  body: T,
): Buffer {
  return encodeRequestFrame({ apiKey, apiVersion, correlationId, clientId: 'test' }, codec.encode(body, apiVersion));
}

export function responseOf<T>(codec: MessageCodec<T>, apiKey: number, apiVersion: number, frame: Buffer): { correlationId: number; body: T } {
  const headerBytes = responseHeaderIsFlexible(apiKey, apiVersion) ? 5 : 4;
  return { correlationId: frame.readInt32BE(0), body: codec.decode(frame.subarray(headerBytes), apiVersion) };
}

/** A promise with its resolve exposed, for handlers that tests complete in a chosen order. */
export function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve: (v: T) => void = () => {};
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** A Fetch response with one partition carrying `records` (for handlers that return big responses). */
export function oneFetchResponse(records: Buffer): FetchResponse {
  return {
    ...FetchResponseCodec.defaults(),
    responses: [{ topic: 't', topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions: [{
      partitionIndex: 0, errorCode: 0, highWatermark: 1, lastStableOffset: 1, logStartOffset: 0,
      divergingEpoch: { epoch: -1, endOffset: -1 }, currentLeader: { leaderId: -1, leaderEpoch: -1 },
      snapshotId: { endOffset: -1, epoch: -1 }, abortedTransactions: null, preferredReadReplica: -1, records,
    }] }],
  };
}

/**
 * A server on an ephemeral port with a capturing logger; `client()` connects a RawClient. Both are
 * closed by the test's `cleanups` (run in reverse order after each test).
 */
export async function startTestServer(
  registry: HandlerRegistry,
  cleanups: Array<() => Promise<void> | void>,
  extra: Partial<KafkaServerOptions> = {},
): Promise<{ server: KafkaServer; lines: LogLine[]; client: () => Promise<RawClient> }> {
  const { logger, lines } = capturingLogger();
  const server = await startKafkaServer({ host: '127.0.0.1', port: 0, logger, registry, ...extra });
  cleanups.push(() => server.close());
  const client = async (): Promise<RawClient> => {
    const c = await RawClient.connect(server.address.port);
    cleanups.push(() => c.destroy());
    return c;
  };
  return { server, lines, client };
}

/**
 * For a describe block: registers an afterEach that closes what the block's tests started (in
 * reverse order) and returns the start function (startTestServer bound to those cleanups).
 */
export function testServers(): (registry: HandlerRegistry, extra?: Partial<KafkaServerOptions>) => ReturnType<typeof startTestServer> {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  return (registry, extra = {}) => startTestServer(registry, cleanups, extra);
}
