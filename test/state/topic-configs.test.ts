import { describe, expect, it } from 'vitest';
import { ConfigSource, describeTopicConfigs, topicConfigDefaults, topicConfigProblem, topicConfigValue } from '../../src/state/topic-configs.js';
import { topicCollisionKey, topicNameProblem } from '../../src/state/topic-name.js';

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
