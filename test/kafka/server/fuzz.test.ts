import { describe, expect, it } from 'vitest';
import {
  ApiKey,
  ApiVersionsRequestCodec,
  HeartbeatRequestCodec,
  HeartbeatResponseCodec,
  ListOffsetsResponseCodec,
  MetadataRequestCodec,
  ProduceRequestCodec,
  ProduceResponseCodec,
  encodeRequestFrame,
  type MessageCodec,
} from '../../../src/kafka/protocol/index.js';
import { noopMetrics } from '../../../src/kafka/server/metrics.js';
import { startKafkaServer } from '../../../src/kafka/server/server.js';
import { capturingLogger, registryWithApiVersions, requestFrame } from './harness.js';
import { metadataTestHandler } from './metadata-test-handler.js';
import { RawClient } from './raw-client.js';

const SEED = Number(process.env['CHRONIK_FUZZ_SEED'] ?? 0xc0ffee);
const CONNECTIONS = 2000;
const FRAMES_PER_CONNECTION = 5;
const PARALLEL = 50;
const MAX_REQUEST_BYTES = 64 * 1024;
const SENTINEL = -777;

/** mulberry32: a tiny seeded PRNG so a failure reproduces from the printed seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SERVED: { apiKey: number; min: number; max: number; codec: MessageCodec<unknown>; body: unknown }[] = [
  { apiKey: ApiKey.ApiVersions, min: 0, max: 3, codec: ApiVersionsRequestCodec as MessageCodec<unknown>, body: ApiVersionsRequestCodec.defaults() },
  { apiKey: ApiKey.Metadata, min: 0, max: 12, codec: MetadataRequestCodec as MessageCodec<unknown>, body: { ...MetadataRequestCodec.defaults(), topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'fuzz' }] } },
  { apiKey: ApiKey.Heartbeat, min: 0, max: 4, codec: HeartbeatRequestCodec as MessageCodec<unknown>, body: { ...HeartbeatRequestCodec.defaults(), groupId: 'g', memberId: 'm' } },
  { apiKey: ApiKey.Produce, min: 3, max: 9, codec: ProduceRequestCodec as MessageCodec<unknown>, body: { ...ProduceRequestCodec.defaults(), acks: 1, topicData: [{ name: 't', partitionData: [{ index: 0, records: Buffer.alloc(70, 7) }] }] } },
];

function sized(payload: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeInt32BE(payload.length);
  return Buffer.concat([head, payload]);
}

function randomBytes(rand: () => number, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(rand() * 256);
  return b;
}

/** One fuzz frame; kinds that end the stream (oversized, negative size) only come last. */
function fuzzFrame(rand: () => number, last: boolean): Buffer {
  const pick = SERVED[Math.floor(rand() * SERVED.length)] ?? SERVED[0];
  if (pick === undefined) throw new Error('no APIs');
  const inRange = rand() < 0.9;
  const version = inRange ? pick.min + Math.floor(rand() * (pick.max - pick.min + 1)) : pick.max + 1 + Math.floor(rand() * 100);
  const header = { apiKey: pick.apiKey, apiVersion: version, correlationId: Math.floor(rand() * 1e6), clientId: rand() < 0.1 ? null : 'fuzz' };
  // Well-formed requests keep most connections alive long enough to reach the malformed ones.
  if (!last && inRange && rand() < 0.6) return encodeRequestFrame(header, pick.codec.encode(pick.body, version));
  const kind = Math.floor(rand() * (last ? 6 : 4));
  switch (kind) {
    case 0:
      return sized(randomBytes(rand, Math.floor(rand() * 200)));
    case 1:
      return encodeRequestFrame(header, [randomBytes(rand, Math.floor(rand() * 100))]);
    case 2: {
      if (version < pick.min || version > pick.max) return encodeRequestFrame(header, []);
      const full = encodeRequestFrame(header, pick.codec.encode(pick.body, version)).subarray(4);
      return sized(full.subarray(0, Math.floor(rand() * full.length)));
    }
    case 3: {
      if (version < pick.min || version > pick.max) return encodeRequestFrame(header, []);
      const frame = encodeRequestFrame(header, pick.codec.encode(pick.body, version));
      const at = 4 + Math.floor(rand() * (frame.length - 4));
      frame[at] = Math.floor(rand() * 256);
      return frame;
    }
    case 4: {
      const head = Buffer.alloc(4);
      head.writeInt32BE(MAX_REQUEST_BYTES + 1 + Math.floor(rand() * 1e9));
      return head;
    }
    default: {
      const head = Buffer.alloc(4);
      head.writeInt32BE(-1 - Math.floor(rand() * 1e6));
      return head;
    }
  }
}

async function fuzzConnection(port: number, rand: () => number): Promise<void> {
  const frames: Buffer[] = [];
  for (let i = 0; i < FRAMES_PER_CONNECTION; i++) frames.push(fuzzFrame(rand, i === FRAMES_PER_CONNECTION - 1));
  const c = await RawClient.connect(port);
  const abrupt = rand() < 0.05;
  const bytes = Buffer.concat(frames);
  if (abrupt) {
    // A client that dies mid-frame.
    c.send(bytes.subarray(0, Math.floor(rand() * bytes.length)));
    c.destroy();
    return;
  }
  c.send(bytes);
  const sentinel = requestFrame(ApiVersionsRequestCodec, ApiKey.ApiVersions, 0, SENTINEL, ApiVersionsRequestCodec.defaults());
  c.send(sentinel);
  await c.until(() => c.closed || c.frames.some((f) => f.readInt32BE(0) === SENTINEL), 10_000, 'close or sentinel response');
  c.destroy();
}

describe('server fuzz', () => {
  it(`survives ${CONNECTIONS * FRAMES_PER_CONNECTION} random, truncated, corrupted and oversized frames`, async () => {
    console.log(`server fuzz seed ${SEED}`);
    const registry = registryWithApiVersions();
    const { logger, lines } = capturingLogger();
    let port = 0;
    registry.register(metadataTestHandler(() => port));
    registry.register({ apiKey: ApiKey.Heartbeat, minVersion: 0, maxVersion: 4, handle: () => HeartbeatResponseCodec.defaults() });
    registry.register({
      apiKey: ApiKey.Produce,
      minVersion: 3,
      maxVersion: 9,
      noResponse: (r) => r.acks === 0,
      handle: () => ProduceResponseCodec.defaults(),
    });
    registry.register({ apiKey: ApiKey.ListOffsets, minVersion: 0, maxVersion: 9, handle: () => ListOffsetsResponseCodec.defaults() });
    let answered = 0;
    const metrics = { ...noopMetrics, requestCompleted: () => void answered++ };
    const server = await startKafkaServer({ host: '127.0.0.1', port: 0, logger, registry, metrics, maxRequestBytes: MAX_REQUEST_BYTES });
    port = server.address.port;
    try {
      const rand = prng(SEED);
      for (let i = 0; i < CONNECTIONS; i += PARALLEL) {
        const batch: Promise<void>[] = [];
        for (let j = 0; j < PARALLEL; j++) batch.push(fuzzConnection(port, prng(Math.floor(rand() * 2 ** 32))));
        await Promise.all(batch);
      }
      const fresh = await RawClient.connect(port);
      fresh.send(requestFrame(ApiVersionsRequestCodec, ApiKey.ApiVersions, 3, 1, ApiVersionsRequestCodec.defaults()));
      await fresh.waitFrames(1);
      expect((fresh.frames[0] as Buffer).readInt32BE(0)).toBe(1);
      fresh.destroy();
    } finally {
      await server.close();
    }
    // Every close was for a typed reason; nothing crashed a handler or hit an untyped error.
    const closes = lines.filter((l) => l.msg === 'closing connection' && l.level >= 40);
    console.log(`server fuzz: ${answered} requests handled, ${closes.length} connections closed for bad input`);
    expect(closes.length).toBeGreaterThan(CONNECTIONS / 2);
    expect(answered).toBeGreaterThan(CONNECTIONS / 2);
    const types = new Set(closes.map((l) => l.err?.type));
    for (const t of types) expect(['ProtocolDecodeError', 'UnsupportedRequestError', 'FrameTooLargeError']).toContain(t);
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);
  });
});
