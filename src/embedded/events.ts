import { NO_LEADER, topicByName, type MetadataImage } from '../state/index.js';

/** A condition on the metadata image: a value other than undefined, null or false means "now". */
export type ClusterPredicate<T> = (image: MetadataImage) => T | undefined | null | false;

/** Named conditions for `cluster.waitFor`, each evaluated on the metadata image of live nodes. */
export type ClusterEvent =
  /** Every node of the cluster is registered (visible in Metadata). Resolves with the broker ids. */
  | { readonly type: 'brokers-registered' }
  /** Every partition of the topic has a leader. Resolves with the leaders by partition. */
  | { readonly type: 'topic-ready'; readonly topic: string }
  /** The topic is gone. Resolves with true. */
  | { readonly type: 'topic-deleted'; readonly topic: string }
  /** The partition has a leader (or, with `leader`, that node leads it). Resolves with the leader id. */
  | { readonly type: 'leader'; readonly topic: string; readonly partition: number; readonly leader?: number }
  /** The partition's leader is not `notLeader` any more (and some node leads). Resolves with the new leader. */
  | { readonly type: 'leader-changed'; readonly topic: string; readonly partition: number; readonly notLeader: number };

/** What `waitFor(event)` resolves with, by event type. */
export type ClusterEventValue<E extends ClusterEvent> = E['type'] extends 'leader' | 'leader-changed'
  ? number
  : E['type'] extends 'brokers-registered' | 'topic-ready'
    ? number[]
    : true;

/** Compiles a named event into an image predicate (pure). */
export function eventPredicate(event: ClusterEvent, nodeIds: readonly number[]): ClusterPredicate<unknown> {
  switch (event.type) {
    case 'brokers-registered':
      return (image) => (nodeIds.every((id) => image.brokers.has(id)) ? [...nodeIds] : undefined);
    case 'topic-ready':
      return (image) => {
        const topic = topicByName(image, event.topic);
        if (topic === undefined || topic.partitions.some((p) => p.leader === NO_LEADER)) return undefined;
        return topic.partitions.map((p) => p.leader);
      };
    case 'topic-deleted':
      return (image) => topicByName(image, event.topic) === undefined;
    case 'leader':
      return (image) => {
        const leader = leaderOf(image, event.topic, event.partition);
        if (leader === undefined || (event.leader !== undefined && leader !== event.leader)) return undefined;
        return leader;
      };
    case 'leader-changed':
      return (image) => {
        const leader = leaderOf(image, event.topic, event.partition);
        return leader === undefined || leader === event.notLeader ? undefined : leader;
      };
  }
}

/** The partition's leader in the image, undefined when there is none (or no such partition). */
export function leaderOf(image: MetadataImage, topic: string, partition: number): number | undefined {
  const p = topicByName(image, topic)?.partitions[partition];
  return p === undefined || p.leader === NO_LEADER ? undefined : p.leader;
}

/** Adapts a user predicate to the waiters' contract (undefined = not yet). */
export function toImagePredicate<T>(predicate: ClusterPredicate<T>): (image: MetadataImage) => T | undefined {
  return (image) => {
    const value = predicate(image);
    return value === null || value === false ? undefined : value;
  };
}
