import type { ListGroupsResult, OffsetFetchRequest, OffsetFetchResult } from '../../kafka/groups/index.js';

/** Groups exported with their own `group` label; the rest only count in `omittedGroups`. */
export const MAX_LAG_GROUPS = 100;
/**
 * Committed offsets examined per scrape. A node coordinating thousands of groups with many
 * partitions each must not turn a scrape into a long synchronous walk; groups beyond the budget
 * count as omitted.
 */
export const MAX_LAG_OFFSETS = 100_000;

/** The read-only part of the group coordinator the lag exporter uses (its own public API). */
export interface LagCoordinator {
  listGroups(): Promise<ListGroupsResult>;
  fetchOffsets(req: OffsetFetchRequest): Promise<OffsetFetchResult>;
}

export interface GroupLagReading {
  /** At most MAX_LAG_GROUPS groups, largest lag first (ties by group id, so idle groups keep a stable set). */
  readonly groups: readonly { group: string; lag: number }[];
  /** Committed partitions whose high watermark is not known here (no local replica of them). */
  readonly unknownPartitions: number;
  /** Groups coordinated here but not exported (beyond MAX_LAG_GROUPS or the offsets budget). */
  readonly omittedGroups: number;
}

/**
 * Consumer lag of the groups this node coordinates: for each committed partition, the high
 * watermark of the local replica (leader or follower; a follower's trails the leader's by about a
 * heartbeat) minus the committed offset, summed per group. Read at scrape time, nothing on the hot path.
 */
export async function readGroupLag(coordinator: LagCoordinator, highWatermark: (topic: string, partition: number) => number | undefined): Promise<GroupLagReading> {
  const listed = (await coordinator.listGroups()).groups.filter((g) => g.state !== 'Dead').map((g) => g.groupId);
  listed.sort();
  const groups: { group: string; lag: number }[] = [];
  let unknownPartitions = 0;
  let budget = MAX_LAG_OFFSETS;
  for (const group of listed) {
    if (budget <= 0) break;
    const fetched = await coordinator.fetchOffsets({ groupId: group, topics: null });
    if (fetched.errorCode !== 0) continue;
    let lag = 0;
    for (const t of fetched.topics) {
      for (const p of t.partitions) {
        budget--;
        if (p.offset < 0) continue;
        const hw = highWatermark(t.topic, p.partition);
        if (hw === undefined) unknownPartitions++;
        else lag += Math.max(0, hw - p.offset);
      }
    }
    groups.push({ group, lag });
  }
  groups.sort((a, b) => b.lag - a.lag || (a.group < b.group ? -1 : a.group > b.group ? 1 : 0));
  const exported = groups.slice(0, MAX_LAG_GROUPS);
  return { groups: exported, unknownPartitions, omittedGroups: listed.length - exported.length };
}
