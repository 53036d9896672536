import type { MetadataImage, TopicImage } from './image.js';
import { topicCollisionKey } from './topic-name.js';

/**
 * Adding and removing a topic touches every index of it together (by id, by name, by collision
 * key, the partition total), so the indexes cannot drift apart. Used by evolve and by the snapshot
 * decoder.
 */
type TopicIndexes = Pick<MetadataImage, 'topicsById' | 'topicIdsByName' | 'topicNamesByCollisionKey' | 'partitionTotal'>;

export function addTopic(image: TopicIndexes, topic: TopicImage): TopicIndexes {
  const key = topicCollisionKey(topic.name);
  const names = image.topicNamesByCollisionKey.get(key) ?? [];
  return {
    topicsById: image.topicsById.set(topic.topicId, topic),
    topicIdsByName: image.topicIdsByName.set(topic.name, topic.topicId),
    topicNamesByCollisionKey: image.topicNamesByCollisionKey.set(key, Object.freeze([...names, topic.name])),
    partitionTotal: image.partitionTotal + topic.partitions.length,
  };
}

export function removeTopic(image: TopicIndexes, topic: TopicImage): TopicIndexes {
  const key = topicCollisionKey(topic.name);
  const names = (image.topicNamesByCollisionKey.get(key) ?? []).filter((n) => n !== topic.name);
  return {
    topicsById: image.topicsById.delete(topic.topicId),
    topicIdsByName: image.topicIdsByName.delete(topic.name),
    topicNamesByCollisionKey:
      names.length === 0 ? image.topicNamesByCollisionKey.delete(key) : image.topicNamesByCollisionKey.set(key, Object.freeze(names)),
    partitionTotal: image.partitionTotal - topic.partitions.length,
  };
}
