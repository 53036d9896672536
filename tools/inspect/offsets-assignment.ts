/**
 * Where the `__consumer_offsets` partitions live, from this node's `__meta` image: leader, epoch and
 * replicas of each, and whether this data dir holds its log. Tells the operator which other
 * nodes' dirs to inspect for the groups this one cannot show. The image is as of this node's
 * saved commit index, so on a lagging node it can be behind the cluster's.
 */
import { join } from 'node:path';
import { partitionLogId } from '../../src/node/partition/manager.js';
import { topicByName, type MetadataImage } from '../../src/state/index.js';
import type { IndexDb } from './leveldb-copy.js';
import { readLogIndexState } from './index-reader.js';
import { replayMeta } from './meta.js';
import type { Target } from './target.js';

const META_LOG = '__meta';
const OFFSETS_TOPIC = '__consumer_offsets';

export interface OffsetsPartitionPlacement {
  partition: number;
  leader: number;
  leaderEpoch: number;
  replicas: readonly number[];
  isr: readonly number[];
  /** This data dir has a log of the partition (for the topic id the image names). */
  here: boolean;
}

export interface OffsetsPlacement {
  topicId: string;
  partitions: OffsetsPartitionPlacement[];
}

/** This node's `__meta` image as of its saved commit index; undefined when it has none or it is unreadable. */
export async function readMetaImage(target: Target, db: IndexDb | undefined): Promise<MetadataImage | undefined> {
  const log = target.logs.find((l) => l.logId === META_LOG);
  if (log === undefined) return undefined;
  const state = db === undefined ? undefined : await readLogIndexState(db, META_LOG);
  try {
    return (await replayMeta(log, db, join(target.path, 'raft'), state?.hardState?.commit)).image;
  } catch {
    // An unreadable __meta snapshot only costs the placement column; `meta` reports it properly.
    return undefined;
  }
}

/** Undefined when the dir has no readable `__meta` log or its image has no offsets topic yet. */
export async function offsetsPlacement(target: Target, db: IndexDb | undefined): Promise<OffsetsPlacement | undefined> {
  const image = await readMetaImage(target, db);
  if (image === undefined) return undefined;
  const topic = topicByName(image, OFFSETS_TOPIC);
  if (topic === undefined) return undefined;
  const logIds = new Set(target.logs.map((l) => l.logId));
  const partitions = topic.partitions.map((p) => ({
    partition: p.partition,
    leader: p.leader,
    leaderEpoch: p.leaderEpoch,
    replicas: p.replicas,
    isr: p.isr,
    here: logIds.has(partitionLogId(topic, p.partition)),
  }));
  return { topicId: topic.topicId, partitions };
}
