import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ApiKey,
  FetchRequestCodec,
  FetchResponseCodec,
  HeartbeatRequestCodec,
  HeartbeatResponseCodec,
  ListOffsetsRequestCodec,
  ListOffsetsResponseCodec,
  type FetchResponse,
  type HeartbeatResponse,
  type ListOffsetsResponse,
} from '../../src/kafka/protocol/index.js';
import { noopMetrics, startKafkaServer, type KafkaServer } from '../../src/kafka/server/index.js';
import { capturingLogger, deferred, registryWithApiVersions, requestFrame, responseOf } from '../kafka/server/harness.js';
import { RawClient } from '../kafka/server/raw-client.js';

/**
 * KafkaServer.drain on real TCP: requests already admitted when the drain starts are answered
 * (a long poll at once, through its AbortSignal; a slow one when it finishes), nothing new is
 * admitted or accepted, and each connection then ends with a FIN after its responses.
 */
const HEARTBEAT_V = 4;
const LIST_OFFSETS_V = 5;

function heartbeat(correlationId: number): Buffer {
  return requestFrame(HeartbeatRequestCodec, ApiKey.Heartbeat, HEARTBEAT_V, correlationId, { ...HeartbeatRequestCodec.defaults(), groupId: 'g', memberId: 'm' });
}

function listOffsets(correlationId: number): Buffer {
  return requestFrame(ListOffsetsRequestCodec, ApiKey.ListOffsets, LIST_OFFSETS_V, correlationId, ListOffsetsRequestCodec.defaults());
}

/** Resolves true if a TCP connect to the port is refused, false if it connects (bounded). */
async function refused(port: number): Promise<boolean> {
  const socket = connect(port, '127.0.0.1');
  const outcome = await new Promise<boolean>((resolve) => {
    socket.once('connect', () => resolve(false));
    socket.once('error', () => resolve(true));
  });
  socket.destroy();
  return outcome;
}

/** Tracks how the server ended the connection: an orderly FIN ('end') or an error such as a reset. */
function watchEnd(c: RawClient): { fin: boolean; error: Error | undefined } {
  const seen: { fin: boolean; error: Error | undefined } = { fin: false, error: undefined };
  c.socket.on('end', () => (seen.fin = true));
  c.socket.on('error', (err) => (seen.error = err));
  return seen;
}

describe('KafkaServer.drain', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  /** Heartbeat acts as a long poll (answers when its signal fires, else after 30 s); ListOffsets waits for the test. */
  async function start(): Promise<{ server: KafkaServer; lines: ReturnType<typeof capturingLogger>['lines']; polling: Promise<void>; slowStarted: Promise<void>; finishSlow: () => void; signals: AbortSignal[] }> {
    const registry = registryWithApiVersions();
    const polling = deferred<void>();
    const slowStarted = deferred<void>();
    const slow = deferred<void>();
    const signals: AbortSignal[] = [];
    registry.register({
      apiKey: ApiKey.Heartbeat,
      minVersion: 0,
      maxVersion: 4,
      handle: (_req, ctx) =>
        new Promise<HeartbeatResponse>((resolve) => {
          signals.push(ctx.signal);
          const timer = setTimeout(() => resolve({ ...HeartbeatResponseCodec.defaults(), errorCode: 7 }), 30_000);
          ctx.signal.addEventListener('abort', () => (clearTimeout(timer), resolve(HeartbeatResponseCodec.defaults())), { once: true });
          polling.resolve();
        }),
    });
    registry.register({
      apiKey: ApiKey.ListOffsets,
      minVersion: 0,
      maxVersion: 7,
      handle: async () => {
        slowStarted.resolve();
        await slow.promise;
        return ListOffsetsResponseCodec.defaults();
      },
    });
    const { logger, lines } = capturingLogger();
    const server = await startKafkaServer({ host: '127.0.0.1', port: 0, logger, registry });
    cleanups.push(() => server.close());
    return { server, lines, polling: polling.promise, slowStarted: slowStarted.promise, finishSlow: () => slow.resolve(), signals };
  }

  async function client(server: KafkaServer): Promise<RawClient> {
    const c = await RawClient.connect(server.address.port);
    cleanups.push(() => c.destroy());
    return c;
  }

  it('answers every admitted request in order, admits nothing new, refuses new connections, then ends each connection with a FIN', async () => {
    const { server, lines, polling, slowStarted, finishSlow, signals } = await start();
    const c = await client(server);
    const idle = await client(server);
    const cEnd = watchEnd(c);
    const idleEnd = watchEnd(idle);
    c.send(Buffer.concat([heartbeat(1), listOffsets(2)]));
    await Promise.all([polling, slowStarted]);
    expect(server.connectionCount()).toBe(2);

    const draining = server.drain(20_000);
    // The long poll was told to answer now; the idle connection has nothing to finish.
    expect(signals.map((s) => s.aborted)).toEqual([true]);
    expect(await refused(server.address.port)).toBe(true);
    await idle.waitClosed();
    expect(idleEnd).toEqual({ fin: true, error: undefined });
    // Sent after the drain began: never admitted, never answered.
    c.send(heartbeat(3));
    // The long poll answers at once; the connection stays open while the slow request is unanswered.
    await c.waitFrames(1);
    expect(c.closed).toBe(false);
    finishSlow();
    const report = await draining;
    await c.waitClosed();
    expect(c.frames.map((f) => f.readInt32BE(0))).toEqual([1, 2]);
    expect(responseOf(HeartbeatResponseCodec, ApiKey.Heartbeat, HEARTBEAT_V, c.frames[0] as Buffer).body.errorCode).toBe(0);
    expect(responseOf<ListOffsetsResponse>(ListOffsetsResponseCodec, ApiKey.ListOffsets, LIST_OFFSETS_V, c.frames[1] as Buffer).body.topics).toEqual([]);
    expect(cEnd).toEqual({ fin: true, error: undefined });
    expect(report).toMatchObject({ connections: 2, forced: 0 });
    expect(lines.find((l) => l.msg === 'kafka listener drained')).toBeDefined();
    // close() after a drain has nothing left to close and returns.
    await server.close();
    expect(server.connectionCount()).toBe(0);
  });

  it('closes a connection whose request is still unanswered at the bound, and counts it as forced', async () => {
    const { server, slowStarted, finishSlow } = await start();
    const c = await client(server);
    c.send(listOffsets(1));
    await slowStarted;
    const started = performance.now();
    const report = await server.drain(300);
    expect(report).toMatchObject({ connections: 1, forced: 1 });
    expect(performance.now() - started).toBeGreaterThanOrEqual(250);
    await c.waitClosed();
    expect(c.frames).toHaveLength(0);
    finishSlow();
    // A second drain reports the first one's outcome instead of starting over.
    expect(await server.drain(10)).toBe(report);
  });

  it('waits for a slow reader to take every response before the FIN', async () => {
    const registry = registryWithApiVersions();
    const records = Buffer.alloc(4 * 1024 * 1024, 7);
    // All three are admitted (their handlers wait), then answered at once: 12 MiB the client does
    // not read yet fill the socket buffers.
    const admitted = deferred<void>();
    const release = deferred<void>();
    let started = 0;
    registry.register({
      apiKey: ApiKey.Fetch,
      minVersion: 4,
      maxVersion: 11,
      handle: async (): Promise<FetchResponse> => {
        if (++started === 3) admitted.resolve();
        await release.promise;
        return fetchResponse(records);
      },
    });
    const blocked = deferred<void>();
    const metrics = { ...noopMetrics, writeBackpressure: (isBlocked: boolean) => isBlocked && blocked.resolve() };
    const { logger } = capturingLogger();
    const server = await startKafkaServer({ host: '127.0.0.1', port: 0, logger, registry, metrics });
    cleanups.push(() => server.close());
    const c = await client(server);
    const ended = watchEnd(c);
    c.socket.pause();
    c.send(Buffer.concat([0, 1, 2].map((id) => requestFrame(FetchRequestCodec, ApiKey.Fetch, 11, id, FetchRequestCodec.defaults()))));
    await admitted.promise;
    release.resolve();
    await blocked.promise;
    // Responses are stuck in the socket buffers: the drain must wait for the reader, not cut it off.
    const draining = server.drain(20_000);
    c.socket.resume();
    const report = await draining;
    await c.waitClosed();
    expect(report).toMatchObject({ connections: 1, forced: 0 });
    expect(c.frames.map((f) => f.readInt32BE(0))).toEqual([0, 1, 2]);
    // Every byte arrived (compared as buffers: a deep toEqual over 4 MiB would take minutes).
    for (const f of c.frames) {
      const got = responseOf(FetchResponseCodec, ApiKey.Fetch, 11, f).body.responses[0]?.partitions[0]?.records;
      expect(Buffer.isBuffer(got) && got.equals(records)).toBe(true);
    }
    expect(ended).toEqual({ fin: true, error: undefined });
  });

  it('drains a server with no connections at once', async () => {
    const { server } = await start();
    expect(await server.drain(10_000)).toMatchObject({ connections: 0, forced: 0 });
    expect(await refused(server.address.port)).toBe(true);
  });
});

function fetchResponse(records: Buffer): FetchResponse {
  const partition = {
    partitionIndex: 0,
    errorCode: 0,
    highWatermark: 1,
    lastStableOffset: 1,
    logStartOffset: 0,
    divergingEpoch: { epoch: -1, endOffset: -1 },
    currentLeader: { leaderId: -1, leaderEpoch: -1 },
    snapshotId: { endOffset: -1, epoch: -1 },
    abortedTransactions: null,
    preferredReadReplica: -1,
    records,
  };
  return { ...FetchResponseCodec.defaults(), responses: [{ topic: 't', topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions: [partition] }] };
}
