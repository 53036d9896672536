import { ConfigError, isSettingName, type LogLevel, type RawSettings, type SettingName } from '../config/index.js';
import type { Logger } from '../util/logger.js';

export type StorageMode = 'disk' | 'memory';

/** Options of `startChronik()`; every field is optional. */
export interface StartChronikOptions {
  /** Nodes of the cluster, ids 0..nodes-1 (default 1; at most 9). 3 = a real 3-node Raft cluster. */
  readonly nodes?: number;
  /** Kafka port of node 0; node i listens on port + i. Default 0: an ephemeral port per node. */
  readonly port?: number;
  /** Keep data here (node i in `<dataDir>/node-i`; kept after stop). Default: a fresh temp dir, removed on stop. */
  readonly dataDir?: string;
  /** 'disk' (default): segments and LevelDB on disk. 'memory': both in memory, gone on stop. */
  readonly storage?: StorageMode;
  /** Log level of the cluster's logger (default 'silent'). Ignored when `logger` is given. */
  readonly logLevel?: LogLevel;
  /** A pino logger to use instead of building one; each node logs through a child `{ nodeId }`. */
  readonly logger?: Logger;
  /** Any broker setting by its name (`'num.partitions': 3`), over the test-friendly defaults. */
  readonly settings?: Readonly<Record<string, string | number | boolean>>;
  /** Bound on start-up (and on each restartNode) until every broker is registered. Default 30 s. */
  readonly startTimeoutMs?: number;
}

export interface ResolvedOptions {
  readonly nodes: number;
  readonly port: number;
  readonly dataDir: string | undefined;
  readonly storage: StorageMode;
  readonly logLevel: LogLevel;
  readonly logger: Logger | undefined;
  readonly settings: RawSettings;
  readonly startTimeoutMs: number;
}

export const MAX_NODES = 9;
const DEFAULT_START_TIMEOUT_MS = 30_000;

/** Settings the embedded cluster owns per node: it derives them from `nodes`, `port` and `dataDir`. */
const OWNED: ReadonlySet<SettingName> = new Set<SettingName>(['node.id', 'kafka.listen', 'kafka.advertised', 'raft.listen', 'raft.peers', 'data.dir', 'log.level', 'admin.listen']);

/**
 * Defaults chosen for tests, each a setting a user can override:
 * - group.initial.rebalance.delay.ms 0: a consumer group's first join completes at once instead of
 *   after Kafka's 3 s (the delay only batches joins of members starting together);
 * - offsets.topic.num.partitions 4: `__consumer_offsets` is created on the first group operation,
 *   and 4 Raft groups start far faster than Kafka's 50.
 * Durability is not relaxed: `wal.fsync` stays on, so an acknowledged message survives killNode and
 * restartNode as it would survive a crash in production.
 */
export const TEST_DEFAULTS: RawSettings = {
  'group.initial.rebalance.delay.ms': '0',
  'offsets.topic.num.partitions': '4',
};

export function resolveOptions(options: StartChronikOptions): ResolvedOptions {
  const nodes = options.nodes ?? 1;
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > MAX_NODES) throw new ConfigError(`startChronik: nodes must be 1..${MAX_NODES}, got ${nodes}`);
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port + nodes - 1 > 65_535) throw new ConfigError(`startChronik: port ${port} is not a valid base port for ${nodes} node(s)`);
  const storage = options.storage ?? 'disk';
  if (storage !== 'disk' && storage !== 'memory') throw new ConfigError(`startChronik: storage must be 'disk' or 'memory'`);
  if (storage === 'memory' && options.dataDir !== undefined) throw new ConfigError(`startChronik: dataDir cannot be combined with storage: 'memory'`);
  const startTimeoutMs = options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
  if (!(startTimeoutMs > 0 && startTimeoutMs <= 2 ** 31 - 1)) throw new ConfigError(`startChronik: startTimeoutMs out of range`);
  return {
    nodes,
    port,
    dataDir: options.dataDir,
    storage,
    logLevel: options.logLevel ?? 'silent',
    logger: options.logger,
    settings: { ...TEST_DEFAULTS, ...userSettings(options.settings ?? {}) },
    startTimeoutMs,
  };
}

function userSettings(settings: Readonly<Record<string, string | number | boolean>>): RawSettings {
  const raw: RawSettings = {};
  for (const [name, value] of Object.entries(settings)) {
    if (!isSettingName(name)) throw new ConfigError(`startChronik: unknown setting '${name}'`);
    if (OWNED.has(name)) throw new ConfigError(`startChronik: setting '${name}' is set per node by startChronik (use nodes, port, dataDir or logLevel)`);
    raw[name] = String(value);
  }
  return raw;
}
