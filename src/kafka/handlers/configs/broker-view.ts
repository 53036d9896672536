import type { BrokerConfig } from '../../../config/index.js';
import { brokerConfigChecks, ConfigSource, type MetadataImage } from '../../../state/index.js';
import type { DescribeConfigsResponseDescribeConfigsResourceResult as ConfigResult } from '../../protocol/generated/index.js';
import { KafkaConfigType, type BrokerTarget } from './resource.js';
import { staticBrokerConfigs } from './static-broker.js';

interface Layer {
  readonly value: string;
  readonly source: number;
}

/**
 * DescribeConfigs of a BROKER resource. For this broker: every start-up setting (read-only unless
 * it is one of the dynamic configs AlterConfigs accepts), overridden by the per-broker and then the
 * cluster-wide dynamic values in the image. For the cluster default (empty name): only the
 * cluster-wide dynamic values, as Kafka answers.
 */
export function describeBroker(target: BrokerTarget, image: MetadataImage, config: BrokerConfig, includeSynonyms: boolean): ConfigResult[] {
  const cluster = image.clusterConfig;
  if (target.kind === 'cluster') {
    return Object.entries(cluster)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([name, value]) => result(name, [{ value, source: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG }], KafkaConfigType.STRING, false, includeSynonyms));
  }
  const own = image.brokerConfigs.get(target.brokerId) ?? {};
  const statics = new Map(staticBrokerConfigs(config).map((s) => [s.name, s]));
  const names = new Set([...statics.keys(), ...Object.keys(cluster), ...Object.keys(own)]);
  return [...names].sort().map((name) => {
    const layers: Layer[] = [];
    if (Object.hasOwn(own, name)) layers.push({ value: own[name] as string, source: ConfigSource.DYNAMIC_BROKER_CONFIG });
    if (Object.hasOwn(cluster, name)) layers.push({ value: cluster[name] as string, source: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG });
    const s = statics.get(name);
    if (s !== undefined) layers.push({ value: s.value, source: ConfigSource.STATIC_BROKER_CONFIG });
    return result(name, layers, s?.configType ?? KafkaConfigType.STRING, !brokerConfigChecks.has(name), includeSynonyms);
  });
}

function result(name: string, layers: readonly Layer[], configType: number, readOnly: boolean, includeSynonyms: boolean): ConfigResult {
  const top = layers[0] ?? { value: '', source: ConfigSource.DEFAULT_CONFIG };
  return {
    name,
    value: top.value,
    readOnly,
    isDefault: top.source === ConfigSource.DEFAULT_CONFIG,
    configSource: top.source,
    isSensitive: false,
    synonyms: includeSynonyms ? layers.map((l) => ({ name, value: l.value, source: l.source })) : [],
    configType,
    documentation: null,
  };
}
