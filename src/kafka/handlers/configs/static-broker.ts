import type { BrokerConfig } from '../../../config/index.js';
import { KafkaConfigType } from './resource.js';

export interface StaticBrokerConfig {
  readonly name: string;
  readonly value: string;
  readonly configType: number;
}

function hostPort(h: { host: string; port: number }): string {
  return `PLAINTEXT://${h.host}:${h.port}`;
}

/**
 * This node's start-up settings under Kafka's broker config names, as DescribeConfigs shows them
 * for a BROKER resource (source STATIC_BROKER_CONFIG). Only settings with a Kafka counterpart are
 * listed: an operator's tooling looks for Kafka's names.
 */
export function staticBrokerConfigs(c: BrokerConfig): StaticBrokerConfig[] {
  const { STRING, INT, LONG, BOOLEAN } = KafkaConfigType;
  const rows: [string, string, number][] = [
    ['broker.id', String(c.nodeId), INT],
    ['node.id', String(c.nodeId), INT],
    ['broker.rack', c.rack ?? '', STRING],
    ['listeners', hostPort(c.kafkaListen), STRING],
    ['advertised.listeners', hostPort(c.kafkaAdvertised), STRING],
    ['log.dirs', c.dataDir, STRING],
    ['auto.create.topics.enable', String(c.autoCreateTopics), BOOLEAN],
    ['num.partitions', String(c.numPartitions), INT],
    ['default.replication.factor', String(c.defaultReplicationFactor ?? Math.min(3, Math.max(1, c.peers.length))), INT],
    ['min.insync.replicas', String(c.minInsyncReplicas), INT],
    ['message.max.bytes', String(c.messageMaxBytes), INT],
    ['socket.request.max.bytes', String(c.socketRequestMaxBytes), INT],
    ['log.segment.bytes', String(c.segmentBytes), INT],
    ['log.retention.ms', String(c.retentionMs), LONG],
    ['log.retention.bytes', String(c.retentionBytes), LONG],
    ['log.retention.check.interval.ms', String(c.retentionCheckIntervalMs), LONG],
    ['log.message.timestamp.type', c.messageTimestampType, STRING],
    ['log.cleanup.policy', 'delete', STRING],
    ['offsets.topic.num.partitions', String(c.offsetsTopicPartitions), INT],
    ['offsets.topic.replication.factor', String(c.offsetsTopicReplicationFactor), INT],
    ['group.initial.rebalance.delay.ms', String(c.groupInitialRebalanceDelayMs), INT],
    ['group.min.session.timeout.ms', String(c.groupMinSessionTimeoutMs), INT],
    ['group.max.session.timeout.ms', String(c.groupMaxSessionTimeoutMs), INT],
  ];
  return rows.map(([name, value, configType]) => ({ name, value, configType }));
}

/** The static value of one broker setting by its Kafka name, if this node has one. */
export function staticBrokerValue(c: BrokerConfig, name: string): string | undefined {
  return staticBrokerConfigs(c).find((r) => r.name === name)?.value;
}
