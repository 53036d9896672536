import { NO_LEADER, type MetadataImage, type TopicImage } from './image.js';
import { topicCollisionKey } from './topic-name.js';

/**
 * The structural invariants of an image (see docs/meta-events.md). `evolve` preserves them by
 * construction; this check exists for what does not come from `evolve` — snapshots decoded from
 * disk or another node — and for tests. Returns human-readable violations (empty: all hold).
 */
export function imageInvariantViolations(image: MetadataImage): string[] {
  const out: string[] = [];
  if (image.topicsById.size !== image.topicIdsByName.size) {
    out.push(`${image.topicsById.size} topics by id but ${image.topicIdsByName.size} by name`);
  }
  for (const [id, topic] of image.topicsById.entries()) {
    if (topic.topicId !== id) out.push(`topic ${id} is stored under another id`);
    if (image.topicIdsByName.get(topic.name) !== id) out.push(`topic ${topic.name} is not indexed by its name`);
    out.push(...topicViolations(topic));
  }
  out.push(...derivedViolations(image));
  for (const [id, broker] of image.brokers.entries()) {
    if (broker.brokerId !== id) out.push(`broker ${id} is stored under another id`);
  }
  if (image.nextProducerId < 0) out.push('nextProducerId is negative');
  return out;
}

function topicViolations(topic: TopicImage): string[] {
  const out: string[] = [];
  topic.partitions.forEach((p, i) => {
    const at = `${topic.name}-${i}`;
    if (p.partition !== i) out.push(`${at} is numbered ${p.partition}`);
    if (p.replicas.length === 0) out.push(`${at} has no replicas`);
    if (new Set(p.replicas).size !== p.replicas.length) out.push(`${at} has duplicate replicas`);
    if (!p.isr.every((b) => p.replicas.includes(b))) out.push(`${at} has an ISR member that is not a replica`);
    if (p.leader !== NO_LEADER && !p.replicas.includes(p.leader)) out.push(`${at} is led by a non-replica`);
    if (p.transferredFrom !== NO_LEADER && (!p.replicas.includes(p.transferredFrom) || p.transferredFrom === p.leader)) {
      out.push(`${at} was transferred from ${p.transferredFrom}, which is not another replica`);
    }
  });
  return out;
}

/** The derived indexes agree with the topics they index. */
function derivedViolations(image: MetadataImage): string[] {
  const out: string[] = [];
  const topics = image.topicsById.values();
  const total = topics.reduce((n, t) => n + t.partitions.length, 0);
  if (image.partitionTotal !== total) out.push(`partitionTotal ${image.partitionTotal} but ${total} partitions`);
  let indexed = 0;
  for (const [key, names] of image.topicNamesByCollisionKey.entries()) {
    indexed += names.length;
    for (const name of names) {
      if (topicCollisionKey(name) !== key || !image.topicIdsByName.has(name)) out.push(`collision index holds ${name} under ${key}`);
    }
  }
  if (indexed !== topics.length) out.push(`collision index holds ${indexed} names for ${topics.length} topics`);
  return out;
}
