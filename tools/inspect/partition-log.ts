/**
 * Finding one partition's log in a data dir by topic name. Partition logs are named
 * `p.<topic>-<partition>.<first 8 chars of the topic id>` (src/node/partition/manager.ts), so a
 * deleted and re-created topic leaves two logs with the same name: the operator then picks one
 * with --topic-id (its prefix is enough).
 */
import { UsageError } from './errors.js';
import type { LogTarget } from './target.js';

/** Length of the topic-id prefix in a partition log id. */
const TOPIC_ID_CHARS = 8;

export interface PartitionLogRef {
  log: LogTarget;
  topic: string;
  partition: number;
  /** The first 8 characters of the topic id, from the log's name. */
  topicIdPrefix: string;
}

/** The topic-id prefix of `logId` when it is a log of this topic and partition. */
function topicIdPrefixOf(logId: string, topic: string, partition: number): string | undefined {
  const head = `p.${topic}-${partition}.`;
  if (!logId.startsWith(head)) return undefined;
  const rest = logId.slice(head.length);
  return rest.length === TOPIC_ID_CHARS ? rest : undefined;
}

/** Every log of `topic`'s partition `partition` in the data dir (one per topic id). */
export function partitionLogs(logs: readonly LogTarget[], topic: string, partition: number): PartitionLogRef[] {
  const out: PartitionLogRef[] = [];
  for (const log of logs) {
    const topicIdPrefix = topicIdPrefixOf(log.logId, topic, partition);
    if (topicIdPrefix !== undefined) out.push({ log, topic, partition, topicIdPrefix });
  }
  return out;
}

function matchesTopicId(ref: PartitionLogRef, topicId: string): boolean {
  const wanted = topicId.toLowerCase();
  const mine = ref.topicIdPrefix.toLowerCase();
  return wanted.startsWith(mine) || mine.startsWith(wanted);
}

/** The one log to read, or a usage error that lists the candidates. */
export function pickPartitionLog(logs: readonly LogTarget[], topic: string, partition: number, topicId: string | undefined): PartitionLogRef {
  const all = partitionLogs(logs, topic, partition);
  const candidates = topicId === undefined ? all : all.filter((r) => matchesTopicId(r, topicId));
  const only = candidates[0];
  if (candidates.length === 1 && only !== undefined) return only;
  if (all.length === 0) throw new UsageError(`no log of ${topic}-${partition} in this data dir (this node may hold no replica of it)`);
  const ids = all.map((r) => r.topicIdPrefix).join(', ');
  if (candidates.length === 0) throw new UsageError(`no log of ${topic}-${partition} with topic id ${topicId ?? ''}; topic ids found: ${ids}`);
  throw new UsageError(`several topics named ${topic} have a log of partition ${partition} (topic ids ${ids}); choose one with --topic-id`);
}
