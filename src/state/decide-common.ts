import { ErrorCode, KafkaError } from '../util/errors.js';
import type { PlacementBroker } from './assignment.js';
import type { DecideContext } from './commands.js';
import type { ConfigMap } from './events.js';
import type { MetadataImage } from './image.js';
import { topicConfigProblem } from './topic-configs.js';

/** Kafka caps nothing here, but everything must be bounded: a request cannot ask for more. */
export const MAX_PARTITIONS_PER_TOPIC = 10_000;

export function kafkaError(code: number, message: string): KafkaError {
  return new KafkaError(code, message);
}

/** Registered brokers that are live, with their racks, ascending by id. */
export function liveBrokers(image: MetadataImage, ctx: DecideContext): PlacementBroker[] {
  const out: PlacementBroker[] = [];
  for (const b of image.brokers.values()) {
    if (ctx.liveBrokers === undefined || ctx.liveBrokers.has(b.brokerId)) out.push({ id: b.brokerId, rack: b.rack });
  }
  return out.sort((a, b) => a.id - b.id);
}

/**
 * The brokers to place `replicationFactor` replicas on: the live ones when there are enough;
 * otherwise every registered broker, so that a cluster with a node down can still create a fully
 * replicated topic (Raft needs only a majority to serve it; the down replica catches up later).
 * `preferLive` then moves a live replica to the front of each list, so the preferred leader can
 * campaign at once.
 */
export function placementBrokers(image: MetadataImage, ctx: DecideContext, replicationFactor: number): PlacementBroker[] {
  const live = liveBrokers(image, ctx);
  return live.length >= replicationFactor ? live : liveBrokers(image, { newTopicId: ctx.newTopicId });
}

export function preferLive<T extends { readonly replicas: readonly number[] }>(assignments: readonly T[], ctx: DecideContext): T[] {
  const live = ctx.liveBrokers;
  if (live === undefined) return [...assignments];
  return assignments.map((a) => {
    const first = a.replicas.findIndex((b) => live.has(b));
    if (first <= 0) return a;
    const replicas = [a.replicas[first] as number, ...a.replicas.filter((_, i) => i !== first)];
    return { ...a, replicas };
  });
}

/** Checks a list of (name, value) configs; the first bad one becomes INVALID_CONFIG. */
export function checkConfigs(configs: Readonly<Record<string, string | null>>): KafkaError | undefined {
  for (const [name, value] of Object.entries(configs)) {
    const problem = topicConfigProblem(name, value);
    if (problem !== undefined) return kafkaError(ErrorCode.INVALID_CONFIG, problem);
  }
  return undefined;
}

/** Checks one partition's replica list against the registered brokers. */
export function replicaListProblem(replicas: readonly number[], image: MetadataImage): string | undefined {
  if (replicas.length === 0) return 'a partition has no replicas';
  if (new Set(replicas).size !== replicas.length) return `duplicate replicas in [${replicas.join(', ')}]`;
  const unknown = replicas.find((b) => !image.brokers.has(b));
  return unknown === undefined ? undefined : `broker ${unknown} is not registered`;
}

/** Reads an integer cluster config (dynamic, cluster-wide) with a fallback. */
export function clusterIntConfig(image: MetadataImage, name: string, fallback: number): number {
  const raw = image.clusterConfig[name];
  const n = raw === undefined ? NaN : Number(raw);
  return Number.isSafeInteger(n) && n > 0 ? n : fallback;
}

/** The resulting change of a config alteration: what to set and which keys to delete. */
export interface ConfigPatch {
  readonly set: Record<string, string>;
  readonly deleted: string[];
}

/** Drops sets to the current value and deletes of unset keys, so an event is only a real change. */
export function withoutNoOps(current: ConfigMap, patch: ConfigPatch): ConfigPatch {
  const has = (k: string): boolean => Object.prototype.hasOwnProperty.call(current, k);
  return {
    set: Object.fromEntries(Object.entries(patch.set).filter(([k, v]) => !has(k) || current[k] !== v)),
    deleted: patch.deleted.filter(has),
  };
}
