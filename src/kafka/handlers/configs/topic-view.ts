import type { BrokerConfig } from '../../../config/index.js';
import { ConfigSource, describeTopicConfigs, topicConfigDefaults, type ConfigEntry, type ConfigSynonym, type MetadataImage, type TopicImage } from '../../../state/index.js';
import { staticBrokerValue } from './static-broker.js';

/**
 * A topic's configs as this node sees them: the image's view (topic value, cluster-wide dynamic
 * synonym, Kafka default) with this node's start-up settings slotted in between the dynamic
 * synonym and the default, as Kafka does with server.properties. Retention reads the same values,
 * so what DescribeConfigs shows is what the broker enforces.
 */
export function topicConfigView(image: MetadataImage, topic: TopicImage, config: BrokerConfig): ConfigEntry[] {
  return describeTopicConfigs(topic.configs, image.clusterConfig).map((e) => withStatic(e, config));
}

function withStatic(entry: ConfigEntry, config: BrokerConfig): ConfigEntry {
  const def = topicConfigDefaults[entry.name];
  if (def === undefined) return entry;
  const staticValue = staticBrokerValue(config, def.brokerSynonym);
  if (staticValue === undefined || staticValue === def.value) return entry;
  const synonym: ConfigSynonym = { name: def.brokerSynonym, value: staticValue, source: ConfigSource.STATIC_BROKER_CONFIG };
  const synonyms = [...entry.synonyms.filter((s) => s.source !== ConfigSource.DEFAULT_CONFIG), synonym, ...entry.synonyms.filter((s) => s.source === ConfigSource.DEFAULT_CONFIG)];
  if (entry.source !== ConfigSource.DEFAULT_CONFIG) return { ...entry, synonyms };
  return { ...entry, value: staticValue, source: ConfigSource.STATIC_BROKER_CONFIG, isDefault: false, synonyms };
}

/** The effective value of one topic config on this node (same precedence as topicConfigView). */
export function effectiveTopicConfig(image: MetadataImage, topic: TopicImage, config: BrokerConfig, name: string): string | undefined {
  return topicConfigView(image, topic, config).find((e) => e.name === name)?.value;
}
