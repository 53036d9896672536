import { MetaDecodeError } from './errors.js';
import type { ConfigMap } from './events.js';
import { emptyImage, type BrokerInfo, type MetadataImage, type PartitionImage, type TopicImage } from './image.js';
import { asObject, int, type JsonObject } from './json-fields.js';
import { PMap } from './pmap.js';
import { addTopic } from './topic-index.js';
import { isTopicId } from './topic-id.js';

/**
 * Rebuilds an image from the canonical snapshot JSON (see image-codec.ts), checking every field
 * and the image's invariants, since a snapshot arrives from disk or from another node.
 */

function fail(path: string, what: string): never {
  throw new MetaDecodeError(`image ${path}: expected ${what}`);
}

function tuple(v: unknown, n: number, path: string): readonly unknown[] {
  if (!Array.isArray(v) || v.length !== n) fail(path, `an array of ${n}`);
  return v;
}

function list(v: unknown, path: string): readonly unknown[] {
  if (!Array.isArray(v)) fail(path, 'an array');
  return v;
}

function int_(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) fail(path, 'a safe integer');
  return v;
}

function str_(v: unknown, path: string): string {
  if (typeof v !== 'string') fail(path, 'a string');
  return v;
}

function ints(v: unknown, path: string): readonly number[] {
  return Object.freeze(list(v, path).map((x, i) => int_(x, `${path}[${i}]`)));
}

function configs(v: unknown, path: string): ConfigMap {
  const pairs = list(v, path).map((p, i): [string, string] => {
    const [k, x] = tuple(p, 2, `${path}[${i}]`);
    return [str_(k, `${path}[${i}][0]`), str_(x, `${path}[${i}][1]`)];
  });
  return Object.freeze(Object.fromEntries(pairs));
}

function broker(v: unknown, path: string): BrokerInfo {
  const [id, kh, kp, rh, rp, rack, inc] = tuple(v, 7, path);
  return Object.freeze({
    brokerId: int_(id, `${path}.brokerId`),
    kafkaHost: str_(kh, `${path}.kafkaHost`),
    kafkaPort: int_(kp, `${path}.kafkaPort`),
    raftHost: str_(rh, `${path}.raftHost`),
    raftPort: int_(rp, `${path}.raftPort`),
    rack: rack === null ? null : str_(rack, `${path}.rack`),
    incarnation: str_(inc, `${path}.incarnation`),
  });
}

function partition(v: unknown, index: number, path: string): PartitionImage {
  // Six elements while a transferred leader is provisional (image-codec.ts), else five.
  const [replicas, isr, leader, leaderEpoch, isrEpoch, transferredFrom] = tuple(v, Array.isArray(v) && v.length === 6 ? 6 : 5, path);
  return Object.freeze({
    partition: index,
    replicas: ints(replicas, `${path}.replicas`),
    isr: ints(isr, `${path}.isr`),
    leader: int_(leader, `${path}.leader`),
    leaderEpoch: int_(leaderEpoch, `${path}.leaderEpoch`),
    isrEpoch: int_(isrEpoch, `${path}.isrEpoch`),
    transferredFrom: transferredFrom === undefined ? -1 : int_(transferredFrom, `${path}.transferredFrom`),
  });
}

function topic(v: unknown, path: string): TopicImage {
  const [id, name, internal, cfg, parts] = tuple(v, 5, path);
  if (typeof internal !== 'boolean') fail(`${path}.internal`, 'a boolean');
  if (!isTopicId(str_(id, `${path}.topicId`))) fail(`${path}.topicId`, 'a canonical non-zero UUID');
  return Object.freeze({
    topicId: str_(id, `${path}.topicId`),
    name: str_(name, `${path}.name`),
    internal,
    configs: configs(cfg, `${path}.configs`),
    partitions: Object.freeze(list(parts, `${path}.partitions`).map((p, i) => partition(p, i, `${path}.partitions[${i}]`))),
  });
}

type TopicIndexes = Pick<MetadataImage, 'topicsById' | 'topicIdsByName' | 'topicNamesByCollisionKey' | 'partitionTotal'>;

function topicMaps(o: JsonObject): TopicIndexes {
  const empty = emptyImage();
  let indexes: TopicIndexes = empty;
  list(o['topics'], 'topics').forEach((t, i) => {
    const parsed = topic(t, `topics[${i}]`);
    if (indexes.topicsById.has(parsed.topicId) || indexes.topicIdsByName.has(parsed.name)) fail(`topics[${i}]`, 'a unique topic');
    indexes = addTopic(indexes, parsed);
  });
  return {
    topicsById: indexes.topicsById,
    topicIdsByName: indexes.topicIdsByName,
    topicNamesByCollisionKey: indexes.topicNamesByCollisionKey,
    partitionTotal: indexes.partitionTotal,
  };
}

function brokerMaps(o: JsonObject): Pick<MetadataImage, 'brokers' | 'brokerConfigs'> {
  const brokers = PMap.from(list(o['brokers'], 'brokers').map((b, i) => {
    const info = broker(b, `brokers[${i}]`);
    return [info.brokerId, info] as const;
  }));
  const brokerConfigs = PMap.from(list(o['brokerConfigs'], 'brokerConfigs').map((e, i) => {
    const [id, c] = tuple(e, 2, `brokerConfigs[${i}]`);
    return [int_(id, `brokerConfigs[${i}][0]`), configs(c, `brokerConfigs[${i}][1]`)] as const;
  }));
  return { brokers, brokerConfigs };
}

export function imageFromJson(value: unknown, checkVersion: (v: number) => void): MetadataImage {
  const o = asObject(value, 'image');
  const v = int(o, 'v', 'image');
  if (v < 1) fail('v', 'a version ≥ 1');
  checkVersion(v);
  return Object.freeze({
    ...emptyImage(),
    appliedIndex: int(o, 'appliedIndex', 'image'),
    appliedTerm: int(o, 'appliedTerm', 'image'),
    clusterId: o['clusterId'] === null ? null : str_(o['clusterId'], 'clusterId'),
    nextProducerId: int(o, 'nextProducerId', 'image'),
    clusterConfig: configs(o['clusterConfig'], 'clusterConfig'),
    ...topicMaps(o),
    ...brokerMaps(o),
  });
}
