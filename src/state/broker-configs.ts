import { integer, topicConfigDefaults } from './topic-configs.js';
import { MAX_PARTITIONS_PER_TOPIC } from './decide-common.js';

/**
 * The dynamic broker configs Chronik accepts (AlterBrokerConfigs, cluster-wide or per broker):
 * the defaults for new topics, and the broker synonyms of the topic configs (log.retention.ms
 * for retention.ms, …), checked exactly like the topic config they stand for. Unknown names are
 * refused: a config Chronik would silently ignore is worse than an error.
 */
type Check = (value: string) => string | undefined;

function synonymChecks(): [string, Check][] {
  return Object.values(topicConfigDefaults).map((d) => [d.brokerSynonym, d.check]);
}

export const brokerConfigChecks: ReadonlyMap<string, Check> = new Map<string, Check>([
  ['num.partitions', integer(1, MAX_PARTITIONS_PER_TOPIC)],
  ['default.replication.factor', integer(1, 32767)],
  ...synonymChecks(),
]);

/** Returns why name=value is not an acceptable dynamic broker config, or undefined. */
export function brokerConfigProblem(name: string, value: string | null): string | undefined {
  const check = brokerConfigChecks.get(name);
  if (check === undefined) return `unknown or non-dynamic broker config "${name}"`;
  if (value === null) return `broker config "${name}" has no value`;
  const problem = check(value);
  return problem === undefined ? undefined : `invalid value for ${name}: ${problem}`;
}
