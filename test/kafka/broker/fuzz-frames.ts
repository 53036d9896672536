import {
  ApiKey,
  ApiVersionsRequestCodec,
  CreateTopicsRequestCodec,
  FetchRequestCodec,
  MetadataRequestCodec,
  ProduceRequestCodec,
  encodeRequestFrame,
  type MessageCodec,
} from '../../../src/kafka/protocol/index.js';
import { buildRecordBatch } from '../../../src/kafka/record-batch/index.js';

/** mulberry32: a tiny seeded PRNG so a failure reproduces from the printed seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Target {
  readonly apiKey: number;
  readonly min: number;
  readonly max: number;
  readonly codec: MessageCodec<unknown>;
  readonly body: unknown;
}

/**
 * The APIs fuzzed against a full node, each with a valid body aimed at a sacrificial topic: Produce
 * a real record batch, Fetch from offset 0 with a short wait, Metadata of known and unknown topics,
 * CreateTopics with validate_only (a mutated byte may still create one small topic, no more).
 */
export function targets(topic: string): Target[] {
  const batch = buildRecordBatch({ records: [{ key: Buffer.from('fk'), value: Buffer.from('fuzz-value') }] });
  const t = (apiKey: number, min: number, max: number, codec: MessageCodec<unknown>, body: unknown): Target => ({ apiKey, min, max, codec, body });
  return [
    t(ApiKey.Produce, 3, 9, ProduceRequestCodec as MessageCodec<unknown>, { ...ProduceRequestCodec.defaults(), acks: 1, timeoutMs: 1000, topicData: [{ name: topic, partitionData: [{ index: 0, records: batch }] }] }),
    t(ApiKey.Fetch, 4, 12, FetchRequestCodec as MessageCodec<unknown>, {
      ...FetchRequestCodec.defaults(),
      maxWaitMs: 50,
      minBytes: 1,
      maxBytes: 65536,
      topics: [{ topic, topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 65536, replicaDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAA' }] }],
    }),
    t(ApiKey.Metadata, 0, 12, MetadataRequestCodec as MessageCodec<unknown>, { ...MetadataRequestCodec.defaults(), topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: topic }, { topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'fuzz-unknown' }] }),
    t(ApiKey.CreateTopics, 0, 7, CreateTopicsRequestCodec as MessageCodec<unknown>, { ...CreateTopicsRequestCodec.defaults(), validateOnly: true, timeoutMs: 1000, topics: [{ name: 'fuzz-new', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }] }),
    t(ApiKey.ApiVersions, 0, 3, ApiVersionsRequestCodec as MessageCodec<unknown>, ApiVersionsRequestCodec.defaults()),
  ];
}

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

function sizeOnly(size: number): Buffer {
  const head = Buffer.alloc(4);
  head.writeInt32BE(size);
  return head;
}

/**
 * One fuzz frame: valid, random bytes, a valid header with a garbage body, a truncated body, a
 * valid frame with one byte changed, or (only as a connection's last frame, since they end the
 * stream) an oversized or negative size.
 */
export function fuzzFrame(rand: () => number, apis: readonly Target[], last: boolean, maxRequestBytes: number): Buffer {
  const pick = apis[Math.floor(rand() * apis.length)] as Target;
  const inRange = rand() < 0.9;
  const version = inRange ? pick.min + Math.floor(rand() * (pick.max - pick.min + 1)) : pick.max + 1 + Math.floor(rand() * 100);
  const header = { apiKey: pick.apiKey, apiVersion: version, correlationId: Math.floor(rand() * 1e6), clientId: rand() < 0.1 ? null : 'fuzz' };
  const valid = (): Buffer => encodeRequestFrame(header, inRange ? pick.codec.encode(pick.body, version) : []);
  if (!last && inRange && rand() < 0.5) return valid();
  switch (Math.floor(rand() * (last ? 6 : 4))) {
    case 0:
      return sized(randomBytes(rand, Math.floor(rand() * 300)));
    case 1:
      return encodeRequestFrame(header, [randomBytes(rand, Math.floor(rand() * 200))]);
    case 2: {
      const full = valid().subarray(4);
      return sized(full.subarray(0, Math.floor(rand() * full.length)));
    }
    case 3: {
      const frame = valid();
      if (frame.length > 4) frame[4 + Math.floor(rand() * (frame.length - 4))] = Math.floor(rand() * 256);
      return frame;
    }
    case 4:
      return sizeOnly(maxRequestBytes + 1 + Math.floor(rand() * 1e9));
    default:
      return sizeOnly(-1 - Math.floor(rand() * 1e6));
  }
}
