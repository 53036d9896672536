import type { ConfigMap } from './events.js';

/**
 * The topic configs Chronik understands, with Kafka's defaults. DescribeConfigs is answered from
 * this table; CreateTopics/AlterConfigs validate against it, refusing unknown names (as Kafka does)
 * so that a typo fails loudly instead of silently doing nothing.
 */

/** Kafka's DescribeConfigs ConfigSource values. */
export const ConfigSource = {
  DYNAMIC_TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
} as const;

export type ConfigType = 'long' | 'int' | 'list' | 'string';

export interface TopicConfigDef {
  readonly value: string;
  readonly type: ConfigType;
  readonly source: number;
  readonly isSensitive: boolean;
  readonly readOnly: boolean;
  readonly documentation: string;
  /** The cluster-wide broker config that supplies this topic config's default when set. */
  readonly brokerSynonym: string;
  /** Returns why the value is invalid, or undefined. */
  readonly check: (value: string) => string | undefined;
}

const INT32_MAX = 2 ** 31 - 1;

export function integer(min: number, max: number): (value: string) => string | undefined {
  return (value) => {
    if (!/^-?\d+$/.test(value)) return `"${value}" is not an integer`;
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < min || n > max) return `${value} is outside [${min}, ${max}]`;
    return undefined;
  };
}

function oneOf(allowed: readonly string[]): (value: string) => string | undefined {
  return (value) => (allowed.includes(value) ? undefined : `"${value}" is not one of ${allowed.join(', ')}`);
}

/** A comma-separated list whose items are each one of `allowed` (e.g. "compact,delete"). */
function listOf(allowed: readonly string[]): (value: string) => string | undefined {
  return (value) => {
    const items = value.split(',').map((s) => s.trim());
    const bad = items.find((i) => !allowed.includes(i));
    return bad === undefined ? undefined : `"${bad}" is not one of ${allowed.join(', ')}`;
  };
}

function def(
  value: string,
  type: ConfigType,
  brokerSynonym: string,
  check: TopicConfigDef['check'],
  documentation: string,
): TopicConfigDef {
  return Object.freeze({
    value,
    type,
    brokerSynonym,
    source: ConfigSource.DEFAULT_CONFIG,
    isSensitive: false,
    readOnly: false,
    documentation,
    check,
  });
}

export const topicConfigDefaults: Readonly<Record<string, TopicConfigDef>> = Object.freeze({
  'retention.ms': def('604800000', 'long', 'log.retention.ms', integer(-1, Number.MAX_SAFE_INTEGER),
    'How long a log segment is kept before it is eligible for deletion; -1 keeps it forever.'),
  'retention.bytes': def('-1', 'long', 'log.retention.bytes', integer(-1, Number.MAX_SAFE_INTEGER),
    'The size a partition may grow to before old segments are deleted; -1 means no limit.'),
  'segment.bytes': def('1073741824', 'int', 'log.segment.bytes', integer(14, INT32_MAX),
    'The size of a log segment file; retention and compaction work a segment at a time.'),
  'cleanup.policy': def('delete', 'list', 'log.cleanup.policy', listOf(['delete', 'compact']),
    'delete: discard old segments by time/size; compact: keep the latest value per key.'),
  'message.timestamp.type': def('CreateTime', 'string', 'log.message.timestamp.type', oneOf(['CreateTime', 'LogAppendTime']),
    'Whether record timestamps are the producer\'s (CreateTime) or the broker\'s append time.'),
  'min.insync.replicas': def('1', 'int', 'min.insync.replicas', integer(1, INT32_MAX),
    'With acks=all, the minimum number of in-sync replicas that must acknowledge a write.'),
  'max.message.bytes': def('1048588', 'int', 'message.max.bytes', integer(0, INT32_MAX),
    'The largest record batch size allowed in this topic.'),
});

/** Returns why this name=value is not a valid topic config, or undefined when it is. */
export function topicConfigProblem(name: string, value: string | null): string | undefined {
  const d = Object.prototype.hasOwnProperty.call(topicConfigDefaults, name) ? topicConfigDefaults[name] : undefined;
  if (d === undefined) return `unknown topic config "${name}"`;
  if (d.readOnly) return `topic config "${name}" is read-only`;
  if (value === null) return `topic config "${name}" has no value`;
  const problem = d.check(value);
  return problem === undefined ? undefined : `invalid value for ${name}: ${problem}`;
}

export interface ConfigEntry {
  readonly name: string;
  readonly value: string;
  readonly source: number;
  readonly isDefault: boolean;
  readonly isSensitive: boolean;
  readonly readOnly: boolean;
  readonly documentation: string;
  readonly type: ConfigType;
  /** DescribeConfigs synonyms, highest precedence first: topic value, broker synonym, default. */
  readonly synonyms: readonly ConfigSynonym[];
}

export interface ConfigSynonym {
  readonly name: string;
  readonly value: string;
  readonly source: number;
}

function synonymsOf(d: TopicConfigDef, name: string, configs: ConfigMap, clusterConfig: ConfigMap): ConfigSynonym[] {
  const out: ConfigSynonym[] = [];
  const explicit = own(configs, name);
  if (explicit !== undefined) out.push({ name, value: explicit, source: ConfigSource.DYNAMIC_TOPIC_CONFIG });
  const cluster = own(clusterConfig, d.brokerSynonym);
  if (cluster !== undefined) out.push({ name: d.brokerSynonym, value: cluster, source: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG });
  out.push({ name: d.brokerSynonym, value: d.value, source: ConfigSource.DEFAULT_CONFIG });
  return out;
}

function own(configs: ConfigMap, name: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(configs, name) ? configs[name] : undefined;
}

/** A topic config's value and where it comes from: the topic, the cluster-wide synonym, or the default. */
function resolve(d: TopicConfigDef, name: string, configs: ConfigMap, clusterConfig: ConfigMap): { value: string; source: number } {
  const explicit = own(configs, name);
  if (explicit !== undefined) return { value: explicit, source: ConfigSource.DYNAMIC_TOPIC_CONFIG };
  const cluster = own(clusterConfig, d.brokerSynonym);
  if (cluster !== undefined) return { value: cluster, source: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG };
  return { value: d.value, source: d.source };
}

/**
 * Every known config of a topic, sorted by name: its explicit value, else the cluster-wide broker
 * synonym (e.g. log.retention.ms), else Kafka's default. This is what DescribeConfigs answers.
 */
export function describeTopicConfigs(configs: ConfigMap, clusterConfig: ConfigMap = {}): ConfigEntry[] {
  return Object.entries(topicConfigDefaults)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, d]) => {
      const { value, source } = resolve(d, name, configs, clusterConfig);
      return {
        name,
        value,
        source,
        isDefault: source === ConfigSource.DEFAULT_CONFIG,
        isSensitive: d.isSensitive,
        readOnly: d.readOnly,
        documentation: d.documentation,
        type: d.type,
        synonyms: synonymsOf(d, name, configs, clusterConfig),
      };
    });
}

/** The effective value of one topic config (same precedence as above); undefined if unknown. */
export function topicConfigValue(configs: ConfigMap, name: string, clusterConfig: ConfigMap = {}): string | undefined {
  const d = Object.prototype.hasOwnProperty.call(topicConfigDefaults, name) ? topicConfigDefaults[name] : undefined;
  return d === undefined ? own(configs, name) : resolve(d, name, configs, clusterConfig).value;
}
