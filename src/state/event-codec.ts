import { MetaDecodeError, UnsupportedMetaVersionError } from './errors.js';
import { LATEST_EVENT_VERSION, type MetaEvent, type MetaEventType, type PartitionAssignment } from './events.js';
import {
  asObject,
  bool,
  arr,
  int,
  intArray,
  nullableInt,
  nullableStr,
  parseJson,
  str,
  strArray,
  strRecord,
  topicId,
  type JsonObject,
} from './json-fields.js';

/**
 * Events travel in the `__meta` Raft log as: one format byte, then the payload. Format 1 is UTF-8
 * JSON. The format byte lets a later binary encoding coexist with entries already in logs; the
 * per-event `v` versions each event's fields independently of the format.
 */
export const EVENT_FORMAT_JSON = 1;

/** Bounds what a decoder will even try to parse: a `__meta` entry is small, garbage may not be. */
export const MAX_EVENT_BYTES = 16 * 1024 * 1024;

const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

export function encodeEvent(event: MetaEvent): Uint8Array {
  const json = utf8.encode(JSON.stringify(event));
  const out = new Uint8Array(1 + json.length);
  out[0] = EVENT_FORMAT_JSON;
  out.set(json, 1);
  return out;
}

export function decodeEvent(bytes: Uint8Array): MetaEvent {
  if (bytes.length < 2) throw new MetaDecodeError(`event of ${bytes.length} bytes is too short`);
  if (bytes.length > MAX_EVENT_BYTES) throw new MetaDecodeError(`event of ${bytes.length} bytes is too large`);
  const format = bytes[0];
  if (format !== EVENT_FORMAT_JSON) throw new MetaDecodeError(`unknown event format ${String(format)}`);
  let text: string;
  try {
    text = utf8Strict.decode(bytes.subarray(1));
  } catch (cause) {
    throw new MetaDecodeError('event is not valid UTF-8', { cause });
  }
  return eventFromJson(parseJson(text, 'event'));
}

function isEventType(type: string): type is MetaEventType {
  return Object.prototype.hasOwnProperty.call(LATEST_EVENT_VERSION, type);
}

/** Validates a parsed event and returns a fresh, well-typed copy (unknown fields are dropped). */
export function eventFromJson(value: unknown): MetaEvent {
  const o = asObject(value, 'event');
  const type = str(o, 'type', 'event');
  if (!isEventType(type)) throw new MetaDecodeError(`unknown event type ${JSON.stringify(type)}`);
  const v = int(o, 'v', type);
  if (v < 1) throw new MetaDecodeError(`${type}: invalid version ${v}`);
  if (v > LATEST_EVENT_VERSION[type]) throw new UnsupportedMetaVersionError(`event ${type}`, v, LATEST_EVENT_VERSION[type]);
  return EVENT_READERS[type](o, type);
}

function partitionList(o: JsonObject, path: string): PartitionAssignment[] {
  return arr(o, 'partitions', path).map((p, i) => {
    const at = `${path}.partitions[${i}]`;
    const po = asObject(p, at);
    return { partition: int(po, 'partition', at), replicas: intArray(po, 'replicas', at) };
  });
}

type Reader = (o: JsonObject, path: string) => MetaEvent;

const EVENT_READERS: Readonly<Record<MetaEventType, Reader>> = {
  ClusterInitialized: (o, p) => ({ type: 'ClusterInitialized', v: 1, clusterId: str(o, 'clusterId', p) }),
  BrokerUnregistered: (o, p) => ({ type: 'BrokerUnregistered', v: 1, brokerId: int(o, 'brokerId', p) }),
  BrokerRegistered: (o, p) => ({
    type: 'BrokerRegistered',
    v: 1,
    brokerId: int(o, 'brokerId', p),
    kafkaHost: str(o, 'kafkaHost', p),
    kafkaPort: int(o, 'kafkaPort', p),
    raftHost: str(o, 'raftHost', p),
    raftPort: int(o, 'raftPort', p),
    rack: nullableStr(o, 'rack', p),
    incarnation: str(o, 'incarnation', p),
  }),
  TopicCreated: (o, p) => ({
    type: 'TopicCreated',
    v: 1,
    topicId: topicId(o, 'topicId', p),
    name: str(o, 'name', p),
    internal: bool(o, 'internal', p),
    partitions: partitionList(o, p),
    configs: strRecord(o, 'configs', p),
  }),
  PartitionsAdded: (o, p) => ({
    type: 'PartitionsAdded',
    v: 1,
    topicId: topicId(o, 'topicId', p),
    partitions: partitionList(o, p),
  }),
  TopicDeleted: (o, p) => ({ type: 'TopicDeleted', v: 1, topicId: topicId(o, 'topicId', p) }),
  TopicConfigChanged: (o, p) => ({
    type: 'TopicConfigChanged',
    v: 1,
    topicId: topicId(o, 'topicId', p),
    set: strRecord(o, 'set', p),
    deleted: strArray(o, 'deleted', p),
  }),
  BrokerConfigChanged: (o, p) => ({
    type: 'BrokerConfigChanged',
    v: 1,
    brokerId: nullableInt(o, 'brokerId', p),
    set: strRecord(o, 'set', p),
    deleted: strArray(o, 'deleted', p),
  }),
  LeaderElected: (o, p) => ({
    type: 'LeaderElected',
    v: 1,
    topicId: topicId(o, 'topicId', p),
    partition: int(o, 'partition', p),
    leaderId: int(o, 'leaderId', p),
    leaderEpoch: int(o, 'leaderEpoch', p),
  }),
  LeaderTransferred: (o, p) => ({
    type: 'LeaderTransferred',
    v: 1,
    topicId: topicId(o, 'topicId', p),
    partition: int(o, 'partition', p),
    fromLeaderId: int(o, 'fromLeaderId', p),
    fromEpoch: int(o, 'fromEpoch', p),
    toLeaderId: int(o, 'toLeaderId', p),
  }),
  IsrChanged: (o, p) => ({
    type: 'IsrChanged',
    v: 1,
    topicId: topicId(o, 'topicId', p),
    partition: int(o, 'partition', p),
    isr: intArray(o, 'isr', p),
    leaderEpoch: int(o, 'leaderEpoch', p),
  }),
  ProducerIdBlockAllocated: (o, p) => ({
    type: 'ProducerIdBlockAllocated',
    v: 1,
    brokerId: int(o, 'brokerId', p),
    firstProducerId: int(o, 'firstProducerId', p),
    size: int(o, 'size', p),
  }),
};
