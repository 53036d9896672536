import { describe, expect, it } from 'vitest';
import { ApiKey, FetchRequestCodec, HeartbeatRequestCodec, type FetchResponse, type HeartbeatResponse } from '../../../src/kafka/protocol/index.js';
import { noopMetrics } from '../../../src/kafka/server/metrics.js';
import { deferred, oneFetchResponse, registryWithApiVersions, requestFrame, testServers } from './harness.js';

/**
 * `RequestContext.afterResponse`: a handler that lends buffers to its response (Fetch reads from a
 * recycled pool) gets them back only once the socket is done with them, or the response is abandoned.
 */
describe('afterResponse', () => {
  const start = testServers();

  it('runs once the response is written, not while the socket still holds it, and then only once', async () => {
    const registry = registryWithApiVersions();
    // Larger than loopback socket buffers: the write cannot complete while the client reads nothing.
    const records = Buffer.alloc(32 * 1024 * 1024, 7);
    const events: string[] = [];
    const after = deferred<void>();
    const blocked = deferred<void>();
    registry.register({
      apiKey: ApiKey.Fetch,
      minVersion: 4,
      maxVersion: 11,
      handle(_request, ctx): FetchResponse {
        ctx.afterResponse(() => {
          events.push('after');
          after.resolve();
        });
        return oneFetchResponse(records);
      },
    });
    const metrics = { ...noopMetrics, writeBackpressure: (isBlocked: boolean) => (isBlocked ? blocked.resolve() : undefined) };
    const { client } = await start(registry, { metrics });
    const c = await client();
    c.socket.pause();
    c.send(requestFrame(FetchRequestCodec, ApiKey.Fetch, 11, 1, FetchRequestCodec.defaults()));
    await blocked.promise;
    expect(events).toEqual([]);
    c.socket.resume();
    await c.waitFrames(1, 20_000);
    await after.promise;
    expect(events).toEqual(['after']);
    expect(c.frames[0]?.length).toBeGreaterThan(records.length);
  });

  it('runs for a response abandoned when the connection closes, once its handler ends', async () => {
    const registry = registryWithApiVersions();
    const gate = deferred<void>();
    const started = deferred<void>();
    const after = deferred<void>();
    registry.register({
      apiKey: ApiKey.Heartbeat,
      minVersion: 0,
      maxVersion: 4,
      async handle(_request, ctx): Promise<HeartbeatResponse> {
        ctx.afterResponse(() => after.resolve());
        started.resolve();
        await gate.promise;
        return { throttleTimeMs: 0, errorCode: 0 };
      },
    });
    const { client } = await start(registry);
    const c = await client();
    c.send(requestFrame(HeartbeatRequestCodec, ApiKey.Heartbeat, 4, 1, { ...HeartbeatRequestCodec.defaults(), groupId: 'g', memberId: 'm' }));
    await started.promise;
    c.destroy();
    await c.until(() => c.socket.destroyed, 5_000, 'the client socket closed');
    gate.resolve();
    await after.promise;
  });
});
