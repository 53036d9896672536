import { readFileSync } from 'node:fs';
import { envName, isSettingName, SETTINGS, type SettingName, type SettingSpec } from './schema.js';

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

export interface PeerSpec extends HostPort {
  readonly id: number;
}

/** The validated, typed configuration of one node. Built once at start-up and passed down. */
export interface BrokerConfig {
  readonly nodeId: number;
  readonly clusterId: string;
  readonly kafkaListen: HostPort;
  readonly kafkaAdvertised: HostPort;
  readonly raftListen: HostPort;
  readonly adminListen: HostPort;
  /** Network fault injection on the admin listener (tests and soak runs only). */
  readonly adminFaultsEnable: boolean;
  /** Every voter of the static cluster, this node included. */
  readonly peers: readonly PeerSpec[];
  readonly dataDir: string;
  readonly logLevel: LogLevel;
  readonly rack: string | null;
  readonly autoCreateTopics: boolean;
  readonly numPartitions: number;
  /** `undefined`: min(3, brokers), decided when a topic is created. */
  readonly defaultReplicationFactor: number | undefined;
  readonly minInsyncReplicas: number;
  readonly messageMaxBytes: number;
  readonly socketRequestMaxBytes: number;
  readonly segmentBytes: number;
  readonly retentionMs: number;
  readonly retentionBytes: number;
  readonly retentionCheckIntervalMs: number;
  readonly messageTimestampType: 'CreateTime' | 'LogAppendTime';
  readonly offsetsTopicPartitions: number;
  readonly offsetsTopicReplicationFactor: number;
  readonly groupInitialRebalanceDelayMs: number;
  readonly groupMinSessionTimeoutMs: number;
  readonly groupMaxSessionTimeoutMs: number;
  readonly raftTickMs: number;
  readonly raftElectionTicks: number;
  readonly raftHeartbeatTicks: number;
  readonly raftQuiesce: boolean;
  readonly fsync: boolean;
  /** The WAL's redo journal for multi-log sync rounds (docs/wal-format.md, "The redo journal"). */
  readonly walJournal: boolean;
  readonly requestTimeoutMaxMs: number;
  readonly autoLeaderRebalance: boolean;
  readonly leaderImbalanceCheckIntervalMs: number;
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
const LOG_LEVELS: readonly string[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Raw settings by name, as strings; later sources override earlier ones. */
export type RawSettings = Partial<Record<SettingName, string>>;

export interface ConfigSources {
  /** Parsed config file contents (JSON object of setting name → value). */
  file?: Record<string, unknown>;
  env?: Readonly<Record<string, string | undefined>>;
  flags?: RawSettings;
  /** Programmatic overrides (embedded use); highest precedence. */
  overrides?: RawSettings;
}

/**
 * Merges the sources in order of precedence (file < env < flags < overrides) and validates the
 * result. An unknown key or an invalid value is a ConfigError naming its source, never a silent default.
 */
export function buildConfig(sources: ConfigSources): BrokerConfig {
  const raw: RawSettings = {};
  if (sources.file !== undefined) Object.assign(raw, fromFile(sources.file));
  if (sources.env !== undefined) Object.assign(raw, fromEnv(sources.env));
  if (sources.flags !== undefined) Object.assign(raw, sources.flags);
  if (sources.overrides !== undefined) Object.assign(raw, sources.overrides);
  return resolve(raw);
}

export function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new ConfigError(`cannot read config file ${path}`, { cause });
  }
  if (/\.ya?ml$/i.test(path)) return parseFlatYaml(path, text);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new ConfigError(`config file ${path} is not valid JSON`, { cause });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`config file ${path} must hold a JSON object of settings`);
  }
  return parsed as Record<string, unknown>;
}

const MAX_CONFIG_LINES = 10_000;

/**
 * Settings are a flat map, so a YAML config file is read as `name: value` lines: `#` comments,
 * blank lines, and values optionally in single or double quotes. Anything else (nesting, lists,
 * anchors) is refused with the line number rather than half-understood.
 */
export function parseFlatYaml(path: string, text: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const lines = text.split(/\r?\n/);
  if (lines.length > MAX_CONFIG_LINES) throw new ConfigError(`config file ${path} has more than ${MAX_CONFIG_LINES} lines`);
  for (const [i, raw] of lines.entries()) {
    const line = raw.replace(/\s+#.*$/, '').trimEnd();
    if (line.trim() === '' || line.trimStart().startsWith('#') || line === '---') continue;
    const match = /^([A-Za-z0-9_.-]+):\s*(.*)$/.exec(line);
    if (match === null || match[1] === undefined) throw new ConfigError(`config file ${path}:${i + 1}: expected 'name: value'`);
    const value = (match[2] ?? '').trim();
    if (value === '' || /^[[{&*!|>]/.test(value)) throw new ConfigError(`config file ${path}:${i + 1}: '${match[1]}' needs a plain value`);
    out[match[1]] = /^(['"]).*\1$/.test(value) ? value.slice(1, -1) : value;
  }
  return out;
}

function fromFile(file: Record<string, unknown>): RawSettings {
  const raw: RawSettings = {};
  for (const [key, value] of Object.entries(file)) {
    if (!isSettingName(key)) throw new ConfigError(`config file: unknown setting '${key}'`);
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw new ConfigError(`config file: setting '${key}' must be a string, number or boolean`);
    }
    raw[key] = String(value);
  }
  return raw;
}

function fromEnv(env: Readonly<Record<string, string | undefined>>): RawSettings {
  const known = new Map<string, SettingName>();
  for (const name of Object.keys(SETTINGS) as SettingName[]) known.set(envName(name), name);
  const raw: RawSettings = {};
  for (const [key, value] of Object.entries(env)) {
    if (!key.startsWith('CHRONIK_') || value === undefined) continue;
    const name = known.get(key);
    if (name === undefined) throw new ConfigError(`environment: unknown setting ${key}`);
    raw[name] = value;
  }
  return raw;
}

function value(raw: RawSettings, name: SettingName): string | undefined {
  return raw[name] ?? (SETTINGS[name] as SettingSpec).defaultValue;
}

function int(raw: RawSettings, name: SettingName): number {
  const text = value(raw, name);
  if (text === undefined) throw new ConfigError(`setting '${name}' is required`);
  return parseInt32(name, text);
}

function optionalInt(raw: RawSettings, name: SettingName): number | undefined {
  return value(raw, name) === undefined ? undefined : int(raw, name);
}

function parseInt32(name: SettingName, text: string): number {
  const spec: SettingSpec = SETTINGS[name];
  if (!/^-?\d+$/.test(text.trim())) throw new ConfigError(`setting '${name}': '${text}' is not an integer`);
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new ConfigError(`setting '${name}': ${text} is out of range`);
  if (spec.min !== undefined && n < spec.min) throw new ConfigError(`setting '${name}': ${n} is below ${spec.min}`);
  if (spec.max !== undefined && n > spec.max) throw new ConfigError(`setting '${name}': ${n} is above ${spec.max}`);
  return n;
}

function bool(raw: RawSettings, name: SettingName): boolean {
  const text = value(raw, name);
  if (text === 'true') return true;
  if (text === 'false') return false;
  throw new ConfigError(`setting '${name}': '${String(text)}' is not true or false`);
}

function str(raw: RawSettings, name: SettingName): string {
  const text = value(raw, name);
  if (text === undefined) throw new ConfigError(`setting '${name}' is required`);
  return text;
}

export function parseHostPort(name: string, text: string): HostPort {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:\s]+):(\d{1,5})$/.exec(text.trim());
  const port = match === null ? NaN : Number(match[2]);
  if (match === null || match[1] === undefined || !(port >= 0 && port <= 65_535)) {
    throw new ConfigError(`setting '${name}': '${text}' is not host:port`);
  }
  return { host: match[1].replace(/^\[|\]$/g, ''), port };
}

export function parsePeers(text: string): PeerSpec[] {
  if (text.trim() === '') return [];
  const peers = text.split(',').map((item) => {
    const at = item.indexOf('@');
    const id = at <= 0 ? NaN : Number(item.slice(0, at));
    if (!Number.isInteger(id) || id < 0) throw new ConfigError(`setting 'raft.peers': '${item}' is not id@host:port`);
    return { id, ...parseHostPort('raft.peers', item.slice(at + 1)) };
  });
  if (new Set(peers.map((p) => p.id)).size !== peers.length) {
    throw new ConfigError(`setting 'raft.peers': duplicate node ids in '${text}'`);
  }
  return peers;
}

function hostPortOr(raw: RawSettings, name: SettingName, fallback: HostPort): HostPort {
  const text = value(raw, name);
  return text === undefined ? fallback : parseHostPort(name, text);
}

function resolve(raw: RawSettings): BrokerConfig {
  const nodeId = int(raw, 'node.id');
  const kafkaListen = parseHostPort('kafka.listen', str(raw, 'kafka.listen'));
  const raftListen = hostPortOr(raw, 'raft.listen', offsetPort(kafkaListen, 100));
  const peers = resolvePeers(parsePeers(str(raw, 'raft.peers')), nodeId, raftListen);
  const logLevel = str(raw, 'log.level');
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`setting 'log.level': '${logLevel}' is not a log level`);
  const timestampType = str(raw, 'log.message.timestamp.type');
  if (timestampType !== 'CreateTime' && timestampType !== 'LogAppendTime') {
    throw new ConfigError(`setting 'log.message.timestamp.type': '${timestampType}' is not CreateTime or LogAppendTime`);
  }
  const rack = str(raw, 'broker.rack');
  const config: BrokerConfig = {
    nodeId,
    clusterId: str(raw, 'cluster.id'),
    kafkaListen,
    kafkaAdvertised: hostPortOr(raw, 'kafka.advertised', kafkaListen),
    raftListen,
    adminListen: hostPortOr(raw, 'admin.listen', offsetPort(kafkaListen, 1000)),
    adminFaultsEnable: bool(raw, 'admin.faults.enable'),
    peers,
    dataDir: str(raw, 'data.dir'),
    logLevel: logLevel as LogLevel,
    rack: rack === '' ? null : rack,
    autoCreateTopics: bool(raw, 'auto.create.topics.enable'),
    numPartitions: int(raw, 'num.partitions'),
    defaultReplicationFactor: optionalInt(raw, 'default.replication.factor'),
    minInsyncReplicas: int(raw, 'min.insync.replicas'),
    messageMaxBytes: int(raw, 'message.max.bytes'),
    socketRequestMaxBytes: int(raw, 'socket.request.max.bytes'),
    segmentBytes: int(raw, 'log.segment.bytes'),
    retentionMs: int(raw, 'log.retention.ms'),
    retentionBytes: int(raw, 'log.retention.bytes'),
    retentionCheckIntervalMs: int(raw, 'log.retention.check.interval.ms'),
    messageTimestampType: timestampType,
    offsetsTopicPartitions: int(raw, 'offsets.topic.num.partitions'),
    offsetsTopicReplicationFactor: int(raw, 'offsets.topic.replication.factor'),
    groupInitialRebalanceDelayMs: int(raw, 'group.initial.rebalance.delay.ms'),
    groupMinSessionTimeoutMs: int(raw, 'group.min.session.timeout.ms'),
    groupMaxSessionTimeoutMs: int(raw, 'group.max.session.timeout.ms'),
    raftTickMs: int(raw, 'raft.tick.ms'),
    raftElectionTicks: int(raw, 'raft.election.ticks'),
    raftHeartbeatTicks: int(raw, 'raft.heartbeat.ticks'),
    raftQuiesce: bool(raw, 'raft.quiesce'),
    fsync: bool(raw, 'wal.fsync'),
    walJournal: bool(raw, 'wal.journal'),
    requestTimeoutMaxMs: int(raw, 'request.timeout.max.ms'),
    autoLeaderRebalance: bool(raw, 'auto.leader.rebalance.enable'),
    leaderImbalanceCheckIntervalMs: int(raw, 'leader.imbalance.check.interval.seconds') * 1000,
  };
  if (config.raftHeartbeatTicks >= config.raftElectionTicks) {
    throw new ConfigError(`'raft.heartbeat.ticks' (${config.raftHeartbeatTicks}) must be below 'raft.election.ticks' (${config.raftElectionTicks})`);
  }
  return Object.freeze(config);
}

/** Port 0 (ephemeral) stays 0 for every derived listener. */
function offsetPort(base: HostPort, delta: number): HostPort {
  return { host: base.host, port: base.port === 0 ? 0 : base.port + delta };
}

/** An empty peer list means a cluster of one: this node alone, at its Raft address. */
function resolvePeers(peers: PeerSpec[], nodeId: number, raftListen: HostPort): PeerSpec[] {
  if (peers.length === 0) return [{ id: nodeId, ...raftListen }];
  if (!peers.some((p) => p.id === nodeId)) {
    throw new ConfigError(`setting 'raft.peers' does not list this node's id ${nodeId}`);
  }
  return peers;
}
