/**
 * The broker's settings: one table that drives parsing of the config file, `CHRONIK_*` environment
 * variables and command-line flags, validation, defaults and `--help`. Where a setting mirrors a
 * Kafka broker setting it keeps Kafka's name and default.
 */
export type SettingType = 'int' | 'bool' | 'string' | 'hostport' | 'peers' | 'level';

export interface SettingSpec {
  readonly type: SettingType;
  /** Default as a string in the setting's own syntax; `undefined` means "derived" (see config.ts). */
  readonly defaultValue: string | undefined;
  readonly doc: string;
  /** Inclusive bounds for ints. */
  readonly min?: number;
  readonly max?: number;
  /** Short command-line flag name, when the setting has one (`--data-dir`). */
  readonly flag?: string;
}

const MiB = 1024 * 1024;

export const SETTINGS = {
  'node.id': { type: 'int', defaultValue: '0', min: 0, max: 65_535, flag: 'node-id', doc: 'This node\'s id, unique in the cluster.' },
  'cluster.id': { type: 'string', defaultValue: 'chronik', doc: 'Cluster id; nodes of another cluster are refused.' },
  'kafka.listen': { type: 'hostport', defaultValue: '127.0.0.1:9092', flag: 'kafka', doc: 'Address the Kafka listener binds.' },
  'kafka.advertised': { type: 'hostport', defaultValue: undefined, flag: 'advertised', doc: 'Address clients are told to use (default: the listen address).' },
  'raft.listen': { type: 'hostport', defaultValue: undefined, flag: 'raft', doc: 'Address for node-to-node Raft traffic (default: Kafka port + 100).' },
  'raft.peers': { type: 'peers', defaultValue: '', flag: 'peers', doc: 'Static cluster voters: id@host:port,... (empty: a cluster of one).' },
  'admin.listen': { type: 'hostport', defaultValue: undefined, flag: 'admin', doc: 'HTTP admin listener for /metrics, /healthz, /readyz (default: Kafka port + 1000).' },
  'admin.faults.enable': { type: 'bool', defaultValue: 'false', doc: 'Expose POST/DELETE /v1/faults/links (network fault injection) on the admin listener. Fault testing only; never in production.' },
  'data.dir': { type: 'string', defaultValue: './data', flag: 'data-dir', doc: 'Data directory (segments, index, Raft state).' },
  'log.level': { type: 'level', defaultValue: 'info', flag: 'log-level', doc: 'Log level: fatal, error, warn, info, debug, trace or silent.' },
  'broker.rack': { type: 'string', defaultValue: '', flag: 'rack', doc: 'Rack of this broker, for rack-aware replica placement.' },
  'auto.create.topics.enable': { type: 'bool', defaultValue: 'true', doc: 'Create a topic when a client asks Metadata for an unknown one.' },
  'num.partitions': { type: 'int', defaultValue: '1', min: 1, max: 100_000, doc: 'Default partition count of new topics.' },
  'default.replication.factor': { type: 'int', defaultValue: undefined, min: 1, max: 255, doc: 'Default replication factor of new topics (default: min(3, brokers)).' },
  'min.insync.replicas': { type: 'int', defaultValue: '1', min: 1, max: 255, doc: 'Minimum in-sync replicas for acks=all.' },
  'message.max.bytes': { type: 'int', defaultValue: String(1_048_588), min: 0, max: 1024 * MiB, doc: 'Largest record batch a topic accepts.' },
  'socket.request.max.bytes': { type: 'int', defaultValue: String(100 * MiB), min: 1024, max: 2047 * MiB, doc: 'Largest request frame; checked before allocating.' },
  'log.segment.bytes': { type: 'int', defaultValue: String(1024 * MiB), min: 14, max: 2047 * MiB, doc: 'Segment size before rolling.' },
  'log.retention.ms': { type: 'int', defaultValue: String(7 * 24 * 3600 * 1000), min: -1, doc: 'Default topic retention by time (-1: forever).' },
  'log.retention.bytes': { type: 'int', defaultValue: '-1', min: -1, doc: 'Default topic retention by size per partition (-1: unlimited).' },
  'log.retention.check.interval.ms': { type: 'int', defaultValue: '300000', min: 1, doc: 'How often the retention pass looks for deletable segments.' },
  'log.message.timestamp.type': { type: 'string', defaultValue: 'CreateTime', doc: 'CreateTime or LogAppendTime.' },
  'offsets.topic.num.partitions': { type: 'int', defaultValue: '50', min: 1, max: 1000, doc: 'Partitions of __consumer_offsets.' },
  'offsets.topic.replication.factor': { type: 'int', defaultValue: '3', min: 1, max: 255, doc: 'Replication of __consumer_offsets (capped by the broker count).' },
  'group.initial.rebalance.delay.ms': { type: 'int', defaultValue: '3000', min: 0, max: 300_000, doc: 'Delay of the first rebalance of an empty group.' },
  'group.min.session.timeout.ms': { type: 'int', defaultValue: '6000', min: 1, doc: 'Smallest session timeout a member may ask for.' },
  'group.max.session.timeout.ms': { type: 'int', defaultValue: '1800000', min: 1, doc: 'Largest session timeout a member may ask for.' },
  'raft.tick.ms': { type: 'int', defaultValue: '100', min: 1, max: 10_000, doc: 'Raft tick interval.' },
  'raft.election.ticks': { type: 'int', defaultValue: '10', min: 2, max: 1000, doc: 'Election timeout in ticks (randomised up to twice this).' },
  // 3 (300 ms with 100 ms ticks): three heartbeats per minimum election timeout. Commits travel with
  // the appends sent on commit, and failover is set by peer-down or the election timeout, not by
  // this; what it sets is the idle cost (docs/raft-driver.md) and how soon a lost append is resent.
  'raft.heartbeat.ticks': { type: 'int', defaultValue: '3', min: 1, max: 100, doc: 'Heartbeat interval in ticks.' },
  // On: an idle group stops ticking and sending heartbeats (docs/raft-driver.md "Quiescence"); a
  // silent partition is then noticed by the node transport's idle timeout (2 s) instead.
  'raft.quiesce': { type: 'bool', defaultValue: 'true', doc: 'Let idle Raft groups go quiet (no ticks, no heartbeats) until traffic wakes them.' },
  'wal.fsync': { type: 'bool', defaultValue: 'true', doc: 'fdatasync before acknowledging. Turning it off is for benchmarks and tests only.' },
  'wal.journal': { type: 'bool', defaultValue: 'true', doc: 'Make a sync round that writes to several logs durable with one fdatasync of the node-wide redo journal (redone on open) instead of one per log.' },
  'request.timeout.max.ms': { type: 'int', defaultValue: '30000', min: 1, doc: 'Upper bound on any server-side wait of a request.' },
  'auto.leader.rebalance.enable': { type: 'bool', defaultValue: 'true', doc: 'Move partition leadership back to preferred leaders in the background.' },
  'leader.imbalance.check.interval.seconds': { type: 'int', defaultValue: '300', min: 1, max: 86_400, doc: 'How often the leader balancer runs.' },
} as const satisfies Record<string, SettingSpec>;

export type SettingName = keyof typeof SETTINGS;

export function isSettingName(name: string): name is SettingName {
  return Object.hasOwn(SETTINGS, name);
}

/** `kafka.listen` ⇄ `CHRONIK_KAFKA_LISTEN`. */
export function envName(name: SettingName): string {
  return `CHRONIK_${name.toUpperCase().replace(/\./g, '_')}`;
}
