import { describe, expect, it } from 'vitest';
import { ConfigSource, describeTopicConfigs, topicConfigDefaults, topicConfigProblem, topicConfigValue } from '../../src/state/topic-configs.js';
import { topicCollisionKey, topicNameProblem } from '../../src/state/topic-name.js';
import type { ConfigChange, MetaCommand } from '../../src/state/commands.js';
import { decide } from '../../src/state/decide.js';
import { topicByName } from '../../src/state/image.js';
import { ErrorCode, KafkaError } from '../../src/util/errors.js';
import { counterCtx, imageWithBrokers, run } from './helpers.js';

describe('topic config table', () => {
  it('has Kafka\'s defaults for every supported config, each valid under its own check', () => {
    expect(Object.fromEntries(Object.entries(topicConfigDefaults).map(([k, d]) => [k, d.value]))).toEqual({
      'retention.ms': '604800000',
      'retention.bytes': '-1',
      'segment.bytes': '1073741824',
      'cleanup.policy': 'delete',
      'message.timestamp.type': 'CreateTime',
      'min.insync.replicas': '1',
      'max.message.bytes': '1048588',
    });
    for (const [name, d] of Object.entries(topicConfigDefaults)) {
      expect(topicConfigProblem(name, d.value)).toBeUndefined();
      expect(d.source).toBe(ConfigSource.DEFAULT_CONFIG);
      expect(d.documentation.length).toBeGreaterThan(10);
    }
  });

  it('checks values by type and range', () => {
    expect(topicConfigProblem('retention.ms', '9007199254740991')).toBeUndefined();
    expect(topicConfigProblem('retention.ms', '9007199254740992')).toMatch(/outside/);
    expect(topicConfigProblem('retention.ms', '1e3')).toMatch(/not an integer/);
    expect(topicConfigProblem('segment.bytes', '2147483648')).toMatch(/outside/);
    expect(topicConfigProblem('cleanup.policy', 'compact, delete')).toBeUndefined();
    expect(topicConfigProblem('cleanup.policy', 'compact,')).toMatch(/not one of/);
    expect(topicConfigProblem('toString', '1')).toMatch(/unknown topic config/);
    expect(topicConfigProblem('retention.ms', null)).toMatch(/no value/);
  });

  it('describes a topic: explicit values override defaults and say so', () => {
    const entries = describeTopicConfigs({ 'retention.ms': '5' });
    expect(entries.map((e) => e.name)).toEqual([...Object.keys(topicConfigDefaults)].sort());
    expect(entries.find((e) => e.name === 'retention.ms')).toMatchObject({ value: '5', isDefault: false, source: ConfigSource.DYNAMIC_TOPIC_CONFIG });
    expect(entries.find((e) => e.name === 'segment.bytes')).toMatchObject({ value: '1073741824', isDefault: true, source: ConfigSource.DEFAULT_CONFIG });
    expect(topicConfigValue({ 'retention.ms': '5' }, 'retention.ms')).toBe('5');
    expect(topicConfigValue({}, 'cleanup.policy')).toBe('delete');
    expect(topicConfigValue({}, 'nope')).toBeUndefined();
  });
});

describe('topic names', () => {
  it('follows Kafka\'s rules and collision key', () => {
    expect(topicNameProblem('ok-name_1.x')).toBeUndefined();
    expect(topicNameProblem('')).toMatch(/empty/);
    expect(topicNameProblem('..')).toMatch(/cannot be/);
    expect(topicNameProblem('x'.repeat(250))).toMatch(/longer than 249/);
    expect(topicNameProblem('a+b')).toMatch(/characters/);
    expect(topicCollisionKey('a.b_c')).toBe('a_b_c');
  });
});

describe('cluster-wide defaults (AlterBrokerConfigs and broker synonyms)', () => {
  const ctx = counterCtx();
  const base = run(imageWithBrokers([1, 2, 3]), { type: 'CreateTopics', validateOnly: false, topics: [{ name: 'orders', numPartitions: 1, replicationFactor: 1 }] }, ctx).image;
  const alter = (brokerId: number | null, ops: ConfigChange[], validateOnly = false): MetaCommand => ({ type: 'AlterBrokerConfigs', brokerId, validateOnly, ops });

  it('a cluster-wide synonym becomes the topic default, below explicit topic values', () => {
    const { image } = run(base, alter(null, [{ name: 'log.retention.ms', op: 'set', value: '1000' }, { name: 'num.partitions', op: 'set', value: '4' }]), ctx);
    const orders = topicByName(image, 'orders');
    const entries = describeTopicConfigs(orders?.configs ?? {}, image.clusterConfig);
    expect(entries.find((e) => e.name === 'retention.ms')).toMatchObject({ value: '1000', source: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG, isDefault: false });
    expect(topicConfigValue({ 'retention.ms': '5' }, 'retention.ms', image.clusterConfig)).toBe('5');
    const overridden = describeTopicConfigs({ 'retention.ms': '5' }, image.clusterConfig).find((e) => e.name === 'retention.ms');
    expect(overridden?.synonyms).toEqual([
      { name: 'retention.ms', value: '5', source: ConfigSource.DYNAMIC_TOPIC_CONFIG },
      { name: 'log.retention.ms', value: '1000', source: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG },
      { name: 'log.retention.ms', value: '604800000', source: ConfigSource.DEFAULT_CONFIG },
    ]);
    const created = run(image, { type: 'CreateTopics', validateOnly: false, topics: [{ name: 'more', numPartitions: -1, replicationFactor: 1 }] }, ctx).image;
    expect(topicByName(created, 'more')?.partitions).toHaveLength(4);
    const reset = run(image, alter(null, [{ name: 'log.retention.ms', op: 'delete', value: null }]), ctx).image;
    expect(topicConfigValue({}, 'retention.ms', reset.clusterConfig)).toBe('604800000');
  });

  it('incremental append on a topic starts from the cluster-wide list', () => {
    const { image } = run(base, alter(null, [{ name: 'log.cleanup.policy', op: 'set', value: 'compact' }]), ctx);
    const d = decide({ type: 'AlterTopicConfigs', topicName: 'orders', validateOnly: false, change: { mode: 'incremental', ops: [{ name: 'cleanup.policy', op: 'append', value: 'delete' }] } }, image, ctx);
    expect(d instanceof KafkaError ? null : d.events[0]).toMatchObject({ set: { 'cleanup.policy': 'compact,delete' } });
  });

  it('validates broker configs: unknown names, bad values, list ops, unknown brokers, duplicates', () => {
    const code = (cmd: MetaCommand): number => {
      const d = decide(cmd, base, ctx);
      return d instanceof KafkaError ? d.code : ErrorCode.NONE;
    };
    expect(code(alter(null, [{ name: 'auto.create.topics.enable', op: 'set', value: 'true' }]))).toBe(ErrorCode.INVALID_CONFIG);
    expect(code(alter(null, [{ name: 'num.partitions', op: 'set', value: '0' }]))).toBe(ErrorCode.INVALID_CONFIG);
    expect(code(alter(null, [{ name: 'default.replication.factor', op: 'set', value: null }]))).toBe(ErrorCode.INVALID_CONFIG);
    expect(code(alter(null, [{ name: 'log.segment.bytes', op: 'set', value: '10' }]))).toBe(ErrorCode.INVALID_CONFIG);
    expect(code(alter(null, [{ name: 'log.cleanup.policy', op: 'append', value: 'compact' }]))).toBe(ErrorCode.INVALID_CONFIG);
    expect(code(alter(null, [{ name: 'nope', op: 'delete', value: null }]))).toBe(ErrorCode.INVALID_CONFIG);
    expect(code(alter(9, [{ name: 'num.partitions', op: 'set', value: '2' }]))).toBe(ErrorCode.INVALID_REQUEST);
    expect(code(alter(null, [{ name: 'num.partitions', op: 'set', value: '2' }, { name: 'num.partitions', op: 'delete', value: null }]))).toBe(ErrorCode.INVALID_REQUEST);
    const perBroker = decide(alter(2, [{ name: 'message.max.bytes', op: 'set', value: '100' }]), base, ctx);
    expect(perBroker instanceof KafkaError ? null : perBroker.events).toEqual([
      { type: 'BrokerConfigChanged', v: 1, brokerId: 2, set: { 'message.max.bytes': '100' }, deleted: [] },
    ]);
    const dry = decide(alter(null, [{ name: 'num.partitions', op: 'set', value: '2' }], true), base, ctx);
    expect(dry instanceof KafkaError ? null : dry.events).toEqual([]);
  });
});
