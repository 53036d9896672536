import type { BrokerConfig } from '../../config/index.js';
import { effectiveTopicConfig } from '../../kafka/handlers/configs/index.js';
import type { MetadataImage, TopicImage } from '../../state/index.js';
import type { RetentionLimits } from './policy.js';

/**
 * A topic's retention limits with the precedence DescribeConfigs shows (topic config, cluster-wide
 * dynamic broker config, this node's settings, Kafka's default), or undefined when the topic's
 * cleanup.policy has no "delete" (a compacted-only topic keeps its history).
 */
export function retentionLimits(image: MetadataImage, topic: TopicImage, config: BrokerConfig): RetentionLimits | undefined {
  const value = (name: string): string | undefined => effectiveTopicConfig(image, topic, config, name);
  const policy = (value('cleanup.policy') ?? 'delete').split(',').map((s) => s.trim());
  if (!policy.includes('delete')) return undefined;
  return { retentionMs: numberOr(value('retention.ms'), config.retentionMs), retentionBytes: numberOr(value('retention.bytes'), config.retentionBytes) };
}

function numberOr(text: string | undefined, fallback: number): number {
  const n = text === undefined ? NaN : Number(text);
  return Number.isSafeInteger(n) ? n : fallback;
}
