import { createHash } from 'node:crypto';
import { MetaDecodeError, UnsupportedMetaVersionError } from './errors.js';
import type { ConfigMap, TopicId } from './events.js';
import type { BrokerInfo, MetadataImage, PartitionImage, TopicImage } from './image.js';
import { PMap } from './pmap.js';
import { imageFromJson } from './image-decode.js';
import { imageInvariantViolations } from './invariants.js';

/**
 * Snapshot encoding of the image (LevelDB snapshots, Raft InstallSnapshot) and the digest used to
 * compare nodes. The encoding is canonical: brokers and topics are sorted by id and configs are
 * sorted key/value pairs, so equal images encode to equal bytes whatever order they were built in.
 * Layout: one format byte (1 = UTF-8 JSON), then `{ v, ... }` with `v` the image schema version.
 */
export const IMAGE_FORMAT_JSON = 1;
export const IMAGE_VERSION = 1;
export const MAX_IMAGE_BYTES = 512 * 1024 * 1024;

const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

type Pairs = [string, string][];

function sortedPairs(c: ConfigMap): Pairs {
  return Object.entries(c).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function brokerJson(b: BrokerInfo): unknown[] {
  return [b.brokerId, b.kafkaHost, b.kafkaPort, b.raftHost, b.raftPort, b.rack, b.incarnation];
}

/** A sixth element only while a transferred leader is provisional, so older images encode (and digest) as before. */
function partitionJson(p: PartitionImage): unknown[] {
  const base = [p.replicas, p.isr, p.leader, p.leaderEpoch, p.isrEpoch];
  return p.transferredFrom === -1 ? base : [...base, p.transferredFrom];
}

function topicJson(t: TopicImage): unknown[] {
  return [t.topicId, t.name, t.internal, sortedPairs(t.configs), t.partitions.map(partitionJson)];
}

function sortedValues<K extends string | number, V>(map: PMap<K, V>): V[] {
  return [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
}

function imageJson(image: MetadataImage): unknown {
  return {
    v: IMAGE_VERSION,
    appliedIndex: image.appliedIndex,
    appliedTerm: image.appliedTerm,
    clusterId: image.clusterId,
    nextProducerId: image.nextProducerId,
    brokers: sortedValues(image.brokers).map(brokerJson),
    topics: sortedValues(image.topicsById).map(topicJson),
    clusterConfig: sortedPairs(image.clusterConfig),
    brokerConfigs: [...image.brokerConfigs.entries()]
      .sort(([a], [b]) => a - b)
      .map(([id, c]) => [id, sortedPairs(c)]),
  };
}

export function encodeImage(image: MetadataImage): Uint8Array {
  const json = utf8.encode(JSON.stringify(imageJson(image)));
  const out = new Uint8Array(1 + json.length);
  out[0] = IMAGE_FORMAT_JSON;
  out.set(json, 1);
  return out;
}

export function decodeImage(bytes: Uint8Array): MetadataImage {
  if (bytes.length < 2) throw new MetaDecodeError(`image of ${bytes.length} bytes is too short`);
  if (bytes.length > MAX_IMAGE_BYTES) throw new MetaDecodeError(`image of ${bytes.length} bytes is too large`);
  if (bytes[0] !== IMAGE_FORMAT_JSON) throw new MetaDecodeError(`unknown image format ${String(bytes[0])}`);
  let value: unknown;
  try {
    value = JSON.parse(utf8Strict.decode(bytes.subarray(1))) as unknown;
  } catch (cause) {
    throw new MetaDecodeError('image is not valid UTF-8 JSON', { cause });
  }
  const image = imageFromJson(value, (v) => {
    if (v > IMAGE_VERSION) throw new UnsupportedMetaVersionError('image', v, IMAGE_VERSION);
  });
  // A snapshot did not come from our own evolve: refuse one that breaks the image's invariants.
  const violations = imageInvariantViolations(image);
  if (violations.length > 0) throw new MetaDecodeError(`image breaks invariants: ${violations.slice(0, 5).join('; ')}`);
  return image;
}

/** sha256 (hex) of the canonical encoding: equal digests ⇔ equal images, including the applied index. */
export function digest(image: MetadataImage): string {
  return createHash('sha256').update(encodeImage(image)).digest('hex');
}

