import { describe, expect, it } from 'vitest';
import {
  ApiKey,
  ApiVersionsRequestCodec,
  ApiVersionsResponseCodec,
  FetchRequestCodec,
  HeartbeatRequestCodec,
  HeartbeatResponseCodec,
  ListOffsetsRequestCodec,
  ProduceRequestCodec,
  ProduceResponseCodec,
  type FetchResponse,
  type HeartbeatResponse,
} from '../../../src/kafka/protocol/index.js';
import type { HandlerRegistry } from '../../../src/kafka/server/registry.js';
import { noopMetrics } from '../../../src/kafka/server/metrics.js';
import { deferred, oneFetchResponse, registryWithApiVersions, requestFrame, responseOf, testServers } from './harness.js';

const apiVersionsRequest = {
  ...ApiVersionsRequestCodec.defaults(),
  clientSoftwareName: 'raw',
  clientSoftwareVersion: '1',
};

function apiVersionsFrame(version: number, correlationId: number): Buffer {
  return requestFrame(ApiVersionsRequestCodec, ApiKey.ApiVersions, version, correlationId, apiVersionsRequest);
}

function heartbeatFrame(correlationId: number, groupId: string): Buffer {
  const body = { ...HeartbeatRequestCodec.defaults(), groupId, memberId: 'm' };
  return requestFrame(HeartbeatRequestCodec, ApiKey.Heartbeat, 4, correlationId, body);
}

/**
 * Registers a Heartbeat handler that parks each request on a gate named by its group id;
 * `started` resolves once `count` are parked. `settle` runs after the gate opens (for chains of
 * different depths).
 */
function gatedHeartbeats(registry: HandlerRegistry, count: number, settle?: (groupId: string) => Promise<void>): { gates: Map<string, ReturnType<typeof deferred<void>>>; started: Promise<void> } {
  const gates = new Map<string, ReturnType<typeof deferred<void>>>();
  const started = deferred<void>();
  registry.register({
    apiKey: ApiKey.Heartbeat,
    minVersion: 0,
    maxVersion: 4,
    async handle(request): Promise<HeartbeatResponse> {
      const gate = deferred<void>();
      gates.set(request.groupId, gate);
      if (gates.size === count) started.resolve();
      await gate.promise;
      await settle?.(request.groupId);
      return { throttleTimeMs: 0, errorCode: Number(request.groupId) };
    },
  });
  return { gates, started: started.promise };
}

describe('kafka connection server', () => {
  const start = testServers();

  it('answers ApiVersions v0-v3 with exactly the registered ranges and a v0 response header', async () => {
    const registry = registryWithApiVersions();
    registry.register({ apiKey: ApiKey.Heartbeat, minVersion: 0, maxVersion: 4, handle: () => HeartbeatResponseCodec.defaults() });
    const { client } = await start(registry);
    const c = await client();
    for (let v = 0; v <= 3; v++) c.send(apiVersionsFrame(v, 100 + v));
    await c.waitFrames(4);
    for (let v = 0; v <= 3; v++) {
      const frame = c.frames[v] as Buffer;
      // The ApiVersions response header is always v0: the body starts right after the correlation id.
      expect(frame.readInt32BE(0)).toBe(100 + v);
      const body = ApiVersionsResponseCodec.decode(frame.subarray(4), v);
      expect(body.apiKeys).toEqual([
        { apiKey: 12, minVersion: 0, maxVersion: 4 },
        { apiKey: 18, minVersion: 0, maxVersion: 3 },
      ]);
      expect(body.errorCode).toBe(0);
    }
  });

  it('answers an unknown ApiVersions version with error 35 in a v0-shaped body', async () => {
    const { client } = await start(registryWithApiVersions());
    const c = await client();
    // A v127 request from a future client: header v2, a body we cannot know.
    const frame = apiVersionsFrame(3, 7);
    frame.writeInt16BE(127, 6);
    c.send(frame);
    await c.waitFrames(1);
    const response = c.frames[0] as Buffer;
    expect(response.readInt32BE(0)).toBe(7);
    const body = ApiVersionsResponseCodec.decode(response.subarray(4), 0);
    expect(body.errorCode).toBe(35);
    expect(body.apiKeys).toEqual([{ apiKey: 18, minVersion: 0, maxVersion: 3 }]);
    expect(response.length).toBe(4 + 2 + 4 + 6);
    // Even a header without the tagged-field byte (an old-style header on a future version) is answered.
    const v1Header = requestFrame(ApiVersionsRequestCodec, ApiKey.ApiVersions, 0, 6, ApiVersionsRequestCodec.defaults());
    v1Header.writeInt16BE(127, 6);
    c.send(v1Header);
    await c.waitFrames(2);
    expect((c.frames[1] as Buffer).readInt32BE(0)).toBe(6);
    expect(ApiVersionsResponseCodec.decode((c.frames[1] as Buffer).subarray(4), 0).errorCode).toBe(35);
    c.frames.splice(1, 1);
    // The connection stays usable: the client retries with a version we serve.
    c.send(apiVersionsFrame(3, 8));
    await c.waitFrames(2);
    expect((c.frames[1] as Buffer).readInt32BE(0)).toBe(8);
  });

  it('answers pipelined requests in request order when handlers finish out of order', async () => {
    const registry = registryWithApiVersions();
    const { gates, started } = gatedHeartbeats(registry, 5);
    const { client } = await start(registry);
    const c = await client();
    c.send(Buffer.concat([1, 2, 3, 4, 5].map((i) => heartbeatFrame(i, String(i)))));
    await started;
    for (const id of ['5', '3', '4', '1', '2']) gates.get(id)?.resolve();
    await c.waitFrames(5);
    const decoded = c.frames.map((f) => responseOf(HeartbeatResponseCodec, ApiKey.Heartbeat, 4, f));
    expect(decoded.map((d) => d.correlationId)).toEqual([1, 2, 3, 4, 5]);
    expect(decoded.map((d) => d.body.errorCode)).toEqual([1, 2, 3, 4, 5]);
  });

  it('writes the responses settled in one turn with one socket write, in request order', async () => {
    const registry = registryWithApiVersions();
    // Chains of different depths, as real handlers have: those released together settle in one turn.
    const { gates, started } = gatedHeartbeats(registry, 6, async (groupId) => {
      for (let i = 0; i < Number(groupId); i++) await Promise.resolve();
    });
    const writes: number[] = [];
    const { client } = await start(registry, { metrics: { ...noopMetrics, bytesSent: (n: number) => void writes.push(n) } });
    const c = await client();
    c.send(Buffer.concat([1, 2, 3, 4, 5, 6].map((i) => heartbeatFrame(i, String(i)))));
    await started;
    for (const id of ['4', '6', '1']) gates.get(id)?.resolve();
    await c.waitFrames(1);
    // Only the head's response may leave: 2 and 3 are still running.
    expect(writes).toHaveLength(1);
    // The head (2) settles first: writing at each completion would take three writes here.
    for (const id of ['2', '3', '5']) gates.get(id)?.resolve();
    await c.waitFrames(6);
    const decoded = c.frames.map((f) => responseOf(HeartbeatResponseCodec, ApiKey.Heartbeat, 4, f));
    expect(decoded.map((d) => d.correlationId)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(writes).toHaveLength(2);
    expect(writes.reduce((a, b) => a + b, 0)).toBe(c.frames.reduce((a, f) => a + f.length + 4, 0));
  });

  it('a drain writes the in-flight responses, settled after it began, before the FIN', async () => {
    const registry = registryWithApiVersions();
    const { gates, started } = gatedHeartbeats(registry, 3);
    const { client, server } = await start(registry);
    const c = await client();
    c.send(Buffer.concat([1, 2, 3].map((i) => heartbeatFrame(i, String(i)))));
    await started;
    const drained = server.drain(10_000);
    for (const gate of gates.values()) gate.resolve();
    const report = await drained;
    await c.waitClosed();
    expect(report).toMatchObject({ connections: 1, forced: 0 });
    const decoded = c.frames.map((f) => responseOf(HeartbeatResponseCodec, ApiKey.Heartbeat, 4, f));
    expect(decoded.map((d) => [d.correlationId, d.body.errorCode])).toEqual([[1, 1], [2, 2], [3, 3]]);
  });

  it('sends nothing for no-response requests and does not hold later responses behind them', async () => {
    const registry = registryWithApiVersions();
    const handled: number[] = [];
    const never = deferred<never>();
    registry.register({
      apiKey: ApiKey.Produce,
      minVersion: 3,
      maxVersion: 9,
      noResponse: (request) => request.acks === 0,
      async handle(request) {
        handled.push(request.acks);
        // An acks=0 produce that never completes must not block the responses after it.
        if (request.acks === 0) await never.promise;
        return { ...ProduceResponseCodec.defaults(), throttleTimeMs: 0 };
      },
    });
    const { client } = await start(registry);
    const c = await client();
    const produce = (acks: number, id: number): Buffer =>
      requestFrame(ProduceRequestCodec, ApiKey.Produce, 9, id, { ...ProduceRequestCodec.defaults(), acks, timeoutMs: 1000 });
    c.send(Buffer.concat([produce(0, 1), apiVersionsFrame(3, 2), produce(1, 3), produce(0, 4), apiVersionsFrame(0, 5)]));
    await c.waitFrames(3);
    expect(c.frames.map((f) => f.readInt32BE(0))).toEqual([2, 3, 5]);
    expect(handled).toEqual([0, 1, 0]);
  });

  it('closes only the connection that sends an oversized frame', async () => {
    const { client, lines } = await start(registryWithApiVersions(), { maxRequestBytes: 1024 });
    const bad = await client();
    const good = await client();
    const header = Buffer.alloc(4);
    header.writeInt32BE(4096);
    bad.send(header);
    await bad.waitClosed();
    good.send(apiVersionsFrame(2, 9));
    await good.waitFrames(1);
    expect(good.closed).toBe(false);
    expect((good.frames[0] as Buffer).readInt32BE(0)).toBe(9);
    const warn = lines.find((l) => l.level === 40 && l.msg === 'closing connection');
    expect(warn?.reason).toMatch(/4096 bytes exceeds the limit of 1024/);
  });

  it('closes a connection that sends a malformed request, leaving others working', async () => {
    const { client, lines } = await start(registryWithApiVersions());
    const bad = await client();
    const good = await client();
    // ApiVersions v3 whose compact client software name claims 200 bytes that are not there.
    const frame = Buffer.from([0, 0, 0, 12, 0, 18, 0, 3, 0, 0, 0, 1, 0xff, 0xff, 0, 201]);
    bad.send(frame);
    await bad.waitClosed();
    good.send(apiVersionsFrame(3, 1));
    await good.waitFrames(1);
    expect(lines.some((l) => l.level === 40 && l.err?.type === 'ProtocolDecodeError')).toBe(true);
  });

  it('closes the connection on an unknown API key or an unserved version', async () => {
    const { client, lines } = await start(registryWithApiVersions());
    const unknownKey = await client();
    unknownKey.send(requestFrame(HeartbeatRequestCodec, ApiKey.Heartbeat, 4, 1, HeartbeatRequestCodec.defaults()));
    await unknownKey.waitClosed();
    expect(lines.some((l) => l.reason === 'API key 12 is not served')).toBe(true);
    const unknownNumber = await client();
    const frame = apiVersionsFrame(0, 1);
    frame.writeInt16BE(999, 4);
    unknownNumber.send(frame);
    await unknownNumber.waitClosed();
  });

  it('turns a throwing handler into UNKNOWN_SERVER_ERROR, or a close when the schema has no error code', async () => {
    const registry = registryWithApiVersions();
    registry.register({
      apiKey: ApiKey.Heartbeat,
      minVersion: 0,
      maxVersion: 4,
      handle: () => Promise.reject(new Error('boom')),
    });
    registry.register({
      apiKey: ApiKey.ListOffsets,
      minVersion: 0,
      maxVersion: 9,
      handle: () => {
        throw new Error('sync boom');
      },
    });
    const { client, lines } = await start(registry);
    const c = await client();
    c.send(heartbeatFrame(1, 'g'));
    await c.waitFrames(1);
    expect(responseOf(HeartbeatResponseCodec, ApiKey.Heartbeat, 4, c.frames[0] as Buffer).body.errorCode).toBe(-1);
    expect(lines.filter((l) => l.level === 50 && l.msg === 'handler failed')).toHaveLength(1);
    c.send(requestFrame(ListOffsetsRequestCodec, ApiKey.ListOffsets, 5, 2, ListOffsetsRequestCodec.defaults()));
    await c.waitClosed();
    expect(lines.filter((l) => l.level === 50 && l.msg === 'handler failed')).toHaveLength(2);
  });

  it('stops admitting requests beyond the in-flight bound until responses drain', async () => {
    const registry = registryWithApiVersions();
    const gates: ReturnType<typeof deferred<void>>[] = [];
    const twoStarted = deferred<void>();
    registry.register({
      apiKey: ApiKey.Heartbeat,
      minVersion: 0,
      maxVersion: 4,
      async handle() {
        const gate = deferred<void>();
        gates.push(gate);
        if (gates.length === 2) twoStarted.resolve();
        await gate.promise;
        return { throttleTimeMs: 0, errorCode: 0 };
      },
    });
    const { client } = await start(registry, { maxInFlightPerConnection: 2 });
    const c = await client();
    c.send(Buffer.concat([1, 2, 3, 4, 5].map((i) => heartbeatFrame(i, 'g'))));
    await twoStarted.promise;
    // All five frames arrived in one write; without the bound all five handlers would have started.
    expect(gates).toHaveLength(2);
    for (let released = 0; released < 5; released++) {
      await c.until(() => gates.length > released, 5000, `handler ${released + 1}`);
      gates[released]?.resolve();
      await c.waitFrames(released + 1);
      expect(gates.length).toBeLessThanOrEqual(released + 3);
    }
    expect(c.frames.map((f) => f.readInt32BE(0))).toEqual([1, 2, 3, 4, 5]);
  });

  it('stops admitting requests beyond the in-flight byte bound until one is answered, acks=0 ones included', async () => {
    const registry = registryWithApiVersions();
    const gates: ReturnType<typeof deferred<void>>[] = [];
    const events: string[] = [];
    const threeStarted = deferred<void>();
    const probeAdmitted = deferred<void>();
    registry.register({
      apiKey: ApiKey.Produce,
      minVersion: 3,
      maxVersion: 9,
      noResponse: (request) => request.acks === 0,
      async handle() {
        const gate = deferred<void>();
        gates.push(gate);
        if (gates.length === 3) threeStarted.resolve();
        await gate.promise;
        return { ...ProduceResponseCodec.defaults(), throttleTimeMs: 0 };
      },
    });
    registry.register({
      apiKey: ApiKey.Heartbeat,
      minVersion: 0,
      maxVersion: 4,
      handle: (): HeartbeatResponse => {
        events.push('probe admitted');
        probeAdmitted.resolve();
        return { throttleTimeMs: 0, errorCode: 0 };
      },
    });
    // ~300 KB of records per frame: under a 700 KB bound the third is still admitted (600 KB in
    // flight), then reading pauses.
    const { client } = await start(registry, { maxInFlightBytesPerConnection: 700_000 });
    const c = await client();
    const records = Buffer.alloc(300_000, 7);
    const produce = (id: number, acks: number): Buffer => requestFrame(ProduceRequestCodec, ApiKey.Produce, 9, id, {
      ...ProduceRequestCodec.defaults(), acks, timeoutMs: 1000,
      topicData: [{ name: 't', partitionData: [{ index: 0, records }] }],
    });
    c.send(Buffer.concat([produce(1, 0), produce(2, 1), produce(3, 1)]));
    await threeStarted.promise;
    c.send(heartbeatFrame(4, 'g'));
    // A round trip on another connection: the probe's bytes were sent first, so an unbounded
    // connection would have admitted it by now.
    const other = await client();
    other.send(apiVersionsFrame(3, 9));
    await other.waitFrames(1);
    expect(events).toEqual([]);
    // The first request is acks=0: its handler ending (no response) releases its bytes.
    gates[0]?.resolve();
    await probeAdmitted.promise;
    gates[1]?.resolve();
    gates[2]?.resolve();
    await c.waitFrames(3);
    expect(c.frames.map((f) => f.readInt32BE(0))).toEqual([2, 3, 4]);
    expect(gates).toHaveLength(3);
  });

  it('enforces max connections and the idle timeout, and close() leaves nothing open', async () => {
    const { server, client } = await start(registryWithApiVersions(), { maxConnections: 1, idleTimeoutMs: 300 });
    const first = await client();
    first.send(apiVersionsFrame(0, 1));
    await first.waitFrames(1);
    const second = await client();
    await second.waitClosed();
    expect(first.closed).toBe(false);
    await first.waitClosed(3000);
    await server.close();
    expect(server.connectionCount()).toBe(0);
  });

  it('stops admitting requests while the socket is backpressured, resuming on drain', async () => {
    const registry = registryWithApiVersions();
    const records = Buffer.alloc(1024 * 1024, 1);
    const events: string[] = [];
    const blocked = deferred<void>();
    registry.register({
      apiKey: ApiKey.Fetch,
      minVersion: 4,
      maxVersion: 11,
      handle(): FetchResponse {
        events.push('handle');
        return oneFetchResponse(records);
      },
    });
    const metrics = {
      ...noopMetrics,
      writeBackpressure(isBlocked: boolean): void {
        events.push(isBlocked ? 'blocked' : 'drained');
        if (isBlocked) blocked.resolve();
      },
    };
    const { client } = await start(registry, { metrics });
    const c = await client();
    c.socket.pause();
    const count = 32;
    const fetch = (id: number): Buffer => requestFrame(FetchRequestCodec, ApiKey.Fetch, 11, id, FetchRequestCodec.defaults());
    c.send(Buffer.concat(Array.from({ length: count }, (_, i) => fetch(i))));
    await blocked.promise;
    // All 32 requests arrived together; a server ignoring backpressure would have run them all by now.
    expect(events.filter((e) => e === 'handle').length).toBeLessThan(count);
    c.socket.resume();
    await c.waitFrames(count, 20_000);
    expect(c.frames.map((f) => f.readInt32BE(0))).toEqual(Array.from({ length: count }, (_, i) => i));
    // Never a request admitted between a block and the drain that ends it.
    let isBlocked = false;
    for (const e of events) {
      if (e === 'handle') expect(isBlocked).toBe(false);
      else isBlocked = e === 'blocked';
    }
  });

  it('closes the connection when a no-response request fails, since the client cannot be told otherwise', async () => {
    const registry = registryWithApiVersions();
    registry.register({
      apiKey: ApiKey.Produce,
      minVersion: 3,
      maxVersion: 9,
      noResponse: (request) => request.acks === 0,
      handle: () => Promise.reject(new Error('disk full')),
    });
    const { client, lines } = await start(registry);
    const c = await client();
    c.send(requestFrame(ProduceRequestCodec, ApiKey.Produce, 9, 1, { ...ProduceRequestCodec.defaults(), acks: 0 }));
    await c.waitClosed();
    expect(c.frames).toHaveLength(0);
    expect(lines.some((l) => l.level === 50 && l.reason === 'Produce handler failed on a request without response')).toBe(true);
  });

  it('answers thousands of pipelined requests from one write, in order', async () => {
    const { client } = await start(registryWithApiVersions());
    const c = await client();
    const count = 5000;
    c.send(Buffer.concat(Array.from({ length: count }, (_, i) => apiVersionsFrame(i % 3, i))));
    await c.waitFrames(count, 20_000);
    expect(c.frames.every((f, i) => f.readInt32BE(0) === i)).toBe(true);
  });

  it('aborts the handlers of a connection when it closes, and reports metrics', async () => {
    const registry = registryWithApiVersions();
    const aborted = deferred<string>();
    const started = deferred<void>();
    registry.register({
      apiKey: ApiKey.Heartbeat,
      minVersion: 0,
      maxVersion: 4,
      handle: (_request, ctx) =>
        new Promise<HeartbeatResponse>((_resolve, reject) => {
          ctx.signal.addEventListener('abort', () => {
            aborted.resolve(`${ctx.clientId}@${ctx.connectionId}`);
            reject(new Error('aborted'));
          });
          started.resolve();
        }),
    });
    const seen: { apiKey: number; version: number; errorCode: number }[] = [];
    let bytesIn = 0;
    let bytesOut = 0;
    let open = 0;
    const metrics = {
      connectionOpened: () => void open++,
      connectionClosed: () => void open--,
      bytesReceived: (n: number) => void (bytesIn += n),
      bytesSent: (n: number) => void (bytesOut += n),
      writeBackpressure: () => {},
      requestCompleted: (apiKey: number, version: number, errorCode: number, latencyMs: number) => {
        expect(latencyMs).toBeGreaterThanOrEqual(0);
        seen.push({ apiKey, version, errorCode });
      },
    };
    const { client, server } = await start(registry, { metrics });
    const c = await client();
    const first = apiVersionsFrame(3, 1);
    c.send(first);
    await c.waitFrames(1);
    expect(seen).toEqual([{ apiKey: 18, version: 3, errorCode: 0 }]);
    expect(bytesIn).toBe(first.length);
    expect(bytesOut).toBe((c.frames[0] as Buffer).length + 4);
    expect(open).toBe(1);
    const hb = heartbeatFrame(2, 'g');
    c.send(hb);
    await started.promise;
    c.destroy();
    expect(await aborted.promise).toBe('test@1');
    await server.close();
    expect(open).toBe(0);
    expect(seen).toHaveLength(1); // the aborted heartbeat completed after its connection was gone
  });

  it('rejects ApiVersions v3 with invalid client software fields as INVALID_REQUEST, like Kafka', async () => {
    const { client } = await start(registryWithApiVersions());
    const c = await client();
    const bad = { clientSoftwareName: 'bad name!', clientSoftwareVersion: '1.0' };
    c.send(requestFrame(ApiVersionsRequestCodec, ApiKey.ApiVersions, 3, 1, bad));
    c.send(requestFrame(ApiVersionsRequestCodec, ApiKey.ApiVersions, 3, 2, { clientSoftwareName: 'confluent-kafka-python', clientSoftwareVersion: '1.7.0-rdkafka-2.0.2' }));
    await c.waitFrames(2);
    const rejected = ApiVersionsResponseCodec.decode((c.frames[0] as Buffer).subarray(4), 3);
    expect(rejected.errorCode).toBe(42);
    expect(rejected.apiKeys).toEqual([]);
    expect(ApiVersionsResponseCodec.decode((c.frames[1] as Buffer).subarray(4), 3).errorCode).toBe(0);
  });
});
