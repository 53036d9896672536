import { describe, expect, it } from 'vitest';
import { buildConfig } from '../../../src/config/index.js';
import { describeBroker } from '../../../src/kafka/handlers/configs/broker-view.js';
import { brokerTarget } from '../../../src/kafka/handlers/configs/resource.js';
import { effectiveTopicConfig, topicConfigView } from '../../../src/kafka/handlers/configs/index.js';
import { ConfigSource, emptyImage, PMap, randomTopicId, type MetadataImage, type TopicImage } from '../../../src/state/index.js';
import { retentionLimits } from '../../../src/node/retention/index.js';
import { KafkaError } from '../../../src/util/errors.js';

/** The config views the handlers and retention share, on hand-built images: precedence and sources. */
const config = buildConfig({ overrides: { 'node.id': '3', 'log.retention.ms': '86400000', 'log.segment.bytes': '65536' } });

function topic(configs: Record<string, string>): TopicImage {
  return { topicId: randomTopicId(), name: 't', internal: false, configs, partitions: [] };
}

function image(clusterConfig: Record<string, string>, brokerConfigs: [number, Record<string, string>][] = []): MetadataImage {
  return { ...emptyImage(), clusterConfig, brokerConfigs: PMap.from(brokerConfigs) };
}

describe('topic config view', () => {
  it('topic value > cluster-wide dynamic > this node’s setting > Kafka default, with synonyms in that order', () => {
    const bare = topicConfigView(image({}), topic({}), config);
    expect(bare.find((e) => e.name === 'retention.ms')).toMatchObject({ value: '86400000', source: ConfigSource.STATIC_BROKER_CONFIG, isDefault: false });
    expect(bare.find((e) => e.name === 'retention.bytes')).toMatchObject({ value: '-1', source: ConfigSource.DEFAULT_CONFIG, isDefault: true });

    const cluster = topicConfigView(image({ 'log.retention.ms': '5000' }), topic({}), config).find((e) => e.name === 'retention.ms');
    expect(cluster).toMatchObject({ value: '5000', source: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG });
    expect(cluster?.synonyms.map((s) => [s.name, s.value, s.source])).toEqual([
      ['log.retention.ms', '5000', ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG],
      ['log.retention.ms', '86400000', ConfigSource.STATIC_BROKER_CONFIG],
      ['log.retention.ms', '604800000', ConfigSource.DEFAULT_CONFIG],
    ]);

    const own = topicConfigView(image({ 'log.retention.ms': '5000' }), topic({ 'retention.ms': '42' }), config).find((e) => e.name === 'retention.ms');
    expect(own).toMatchObject({ value: '42', source: ConfigSource.DYNAMIC_TOPIC_CONFIG });
    expect(own?.synonyms.map((s) => s.source)).toEqual([1, 3, 4, 5]);
  });

  it('retention reads the same effective values, and skips compact-only topics', () => {
    expect(effectiveTopicConfig(image({}), topic({}), config, 'segment.bytes')).toBe('65536');
    expect(retentionLimits(image({ 'log.retention.bytes': '1000' }), topic({}), config)).toEqual({ retentionMs: 86_400_000, retentionBytes: 1000 });
    expect(retentionLimits(image({}), topic({ 'retention.ms': '-1' }), config)).toEqual({ retentionMs: -1, retentionBytes: -1 });
    expect(retentionLimits(image({}), topic({ 'cleanup.policy': 'compact' }), config)).toBeUndefined();
    expect(retentionLimits(image({}), topic({ 'cleanup.policy': 'compact,delete' }), config)).toBeDefined();
  });
});

describe('broker config view', () => {
  it('layers per-broker dynamic over cluster-wide dynamic over the static setting; static-only names are read-only', () => {
    const img = image({ 'log.retention.ms': '7000', 'num.partitions': '4' }, [[3, { 'log.retention.ms': '9000' }]]);
    const entries = new Map(describeBroker(brokerTarget('3', 3), img, config, true).map((e) => [e.name, e]));
    expect(entries.get('log.retention.ms')).toMatchObject({ value: '9000', configSource: ConfigSource.DYNAMIC_BROKER_CONFIG, readOnly: false });
    expect(entries.get('log.retention.ms')?.synonyms.map((s) => [s.value, s.source])).toEqual([
      ['9000', ConfigSource.DYNAMIC_BROKER_CONFIG],
      ['7000', ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG],
      ['86400000', ConfigSource.STATIC_BROKER_CONFIG],
    ]);
    expect(entries.get('num.partitions')).toMatchObject({ value: '4', configSource: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG });
    expect(entries.get('broker.id')).toMatchObject({ value: '3', readOnly: true, configSource: ConfigSource.STATIC_BROKER_CONFIG });
    expect(entries.get('log.dirs')?.readOnly).toBe(true);
    // The cluster-default resource (empty name) shows only the cluster-wide dynamic values.
    expect(describeBroker(brokerTarget('', 3), img, config, false).map((e) => [e.name, e.value])).toEqual([
      ['log.retention.ms', '7000'],
      ['num.partitions', '4'],
    ]);
  });

  it('a broker resource must name this broker (or be empty)', () => {
    expect(() => brokerTarget('4', 3)).toThrow(KafkaError);
    expect(() => brokerTarget('three', 3)).toThrow(/not a broker id/);
    expect(brokerTarget('3', 3)).toEqual({ kind: 'broker', brokerId: 3 });
  });
});
