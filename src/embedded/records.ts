import { decodeBatch, type RecordHeader } from '../kafka/record-batch/index.js';
import type { ChronikNode } from '../node/node.js';
import type { PartitionReplica } from '../node/partition/replica.js';
import { topicByName } from '../state/index.js';
import { ErrorCode, KafkaError } from '../util/errors.js';
import { EntryType } from '../wal/index.js';
import { EmbeddedClusterError } from './errors.js';
import { leaderOf } from './events.js';

/** One record as stored in a partition (committed, i.e. below the high watermark). */
export interface StoredRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: readonly RecordHeader[];
}

/** Bytes read from the log per step: bounds memory per read, not the total. */
const READ_CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * Every committed record of the topic (or of one partition), in offset order per partition, read
 * straight from a replica's log — the leader's when it is up, else any live replica's. Control
 * records (transaction markers) are skipped, as a consumer would.
 */
export async function readRecords(live: readonly ChronikNode[], topic: string, partition?: number): Promise<StoredRecord[]> {
  const via = live[0];
  if (via === undefined) throw new EmbeddedClusterError('no node is running');
  const image = topicByName(via.meta.image, topic);
  if (image === undefined) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `unknown topic ${topic}`);
  const partitions = partition === undefined ? image.partitions.map((p) => p.partition) : [partition];
  const out: StoredRecord[] = [];
  for (const p of partitions) {
    if (image.partitions[p] === undefined) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${topic} has no partition ${p}`);
    const replica = pickReplica(live, via, topic, p);
    if (replica === undefined) throw new EmbeddedClusterError(`no live replica of ${topic}-${p}`, { code: ErrorCode.REPLICA_NOT_AVAILABLE });
    out.push(...(await readReplica(replica, topic, p)));
  }
  return out;
}

function pickReplica(live: readonly ChronikNode[], via: ChronikNode, topic: string, partition: number): PartitionReplica | undefined {
  const leader = leaderOf(via.meta.image, topic, partition);
  const preferred = live.find((n) => n.config.nodeId === leader)?.partitions.replica(topic, partition);
  if (preferred !== undefined) return preferred;
  for (const node of live) {
    const replica = node.partitions.replica(topic, partition);
    if (replica !== undefined) return replica;
  }
  return undefined;
}

async function readReplica(replica: PartitionReplica, topic: string, partition: number): Promise<StoredRecord[]> {
  const log = replica.wal;
  const last = replica.appliedEntryIndex;
  const out: StoredRecord[] = [];
  let next = log.firstIndex;
  while (next <= last) {
    const entries = await log.read(next, last + 1, READ_CHUNK_BYTES);
    const tail = entries.at(-1);
    if (tail === undefined) break;
    for (const entry of entries) {
      if (entry.type !== EntryType.KAFKA_BATCH) continue;
      const batch = decodeBatch(Buffer.from(entry.data.buffer, entry.data.byteOffset, entry.data.byteLength));
      if (batch.header.isControl) continue;
      if (batch.records === null) throw new EmbeddedClusterError(`${topic}-${partition} batch at offset ${batch.header.baseOffset}: ${batch.reason}`);
      for (const r of batch.records) out.push({ topic, partition, ...r });
    }
    next = tail.index + 1;
  }
  return out;
}
