import type { CoordinatorContext } from './context.js';
import type { Group, OffsetEntry } from './group.js';
import { memberMetadata } from './member.js';
import { subscribedTopics } from './consumer-subscription.js';
import type { GroupRecord } from './records.js';

/**
 * Offset retention (`offsets.retention.minutes`, KIP-211), as Kafka applies it:
 * - an Empty group's offsets expire `retentionMs` after the group became Empty (or after the
 *   commit, for a group that only ever stored offsets);
 * - a live consumer group's offsets of topics no member subscribes to expire `retentionMs` after
 *   their commit;
 * - other live groups keep their offsets.
 * Returns the tombstones to write; an Empty group left without offsets is deleted too.
 */
export function expiredRecords(group: Group, nowMs: number, retentionMs: number): GroupRecord[] {
  const expired: GroupRecord[] = [];
  const base = retentionBase(group);
  if (base === null) return expired;
  for (const [topic, byPartition] of group.offsets) {
    for (const [partition, entry] of byPartition) {
      const from = base(topic, entry);
      if (from !== null && nowMs - from >= retentionMs) expired.push({ kind: 'offset-tombstone', groupId: group.groupId, topic, partition });
    }
  }
  if (group.is('Empty') && group.members.size === 0 && group.pendingMembers.size === 0 && expired.length === group.offsetCount) {
    expired.push({ kind: 'group-tombstone', groupId: group.groupId });
  }
  return expired;
}

type RetentionBase = (topic: string, entry: OffsetEntry) => number | null;

function retentionBase(group: Group): RetentionBase | null {
  if (group.is('Empty')) {
    // Offsets-only groups never had members: each offset ages from its own commit.
    if (group.protocolType === null) return (_topic, entry) => entry.commitTimestampMs;
    return (_topic, entry) => Math.max(group.stateTimestampMs, entry.commitTimestampMs);
  }
  if (group.is('Dead') || group.protocolType !== 'consumer' || group.protocolName === null) return null;
  const consumed = new Set<string>();
  for (const member of group.members.values()) {
    const metadata = memberMetadata(member, group.protocolName);
    const topics = metadata === undefined ? null : subscribedTopics(metadata);
    if (topics === null) return null;
    for (const t of topics) consumed.add(t);
  }
  return (topic, entry) => (consumed.has(topic) ? null : entry.commitTimestampMs);
}

/**
 * Writes the tombstones of one group's expired offsets and applies them once committed. Returns
 * true if the group itself was deleted (the caller forgets it).
 */
export async function applyRetention(ctx: CoordinatorContext, group: Group, records: readonly GroupRecord[]): Promise<boolean> {
  const deletesGroup = records.some((r) => r.kind === 'group-tombstone');
  if (deletesGroup) group.transitionTo('Dead', ctx.clock.now());
  try {
    await ctx.log.append(group.partition, records);
  } catch (error: unknown) {
    ctx.logger.warn({ groupId: group.groupId, err: error }, 'writing expired offsets failed; retried next round');
    if (deletesGroup) group.reviveAfterFailedDelete(ctx.clock.now());
    return false;
  }
  for (const r of records) if (r.kind === 'offset-tombstone') group.deleteOffset(r.topic, r.partition);
  if (deletesGroup) group.timers.clearAll();
  ctx.logger.info({ groupId: group.groupId, offsets: records.length - (deletesGroup ? 1 : 0), deleted: deletesGroup }, 'expired offsets');
  return deletesGroup;
}
