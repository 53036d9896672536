import { ErrorCode } from '../../util/errors.js';
import type { CoordinatorContext } from './context.js';
import type { Group } from './group.js';
import { EMPTY_BYTES, memberMetadata } from './member.js';
import type { GroupRecord } from './records.js';
import { appendErrorCode } from './results.js';
import type { DescribedGroup, ListedGroup } from './types.js';

export function describeGroup(groupId: string, group: Group | undefined): DescribedGroup {
  if (group === undefined) {
    // Kafka describes an unknown group as Dead with no error.
    return { groupId, errorCode: ErrorCode.NONE, state: 'Dead', protocolType: '', protocolName: '', members: [] };
  }
  const stable = group.is('Stable') && group.protocolName !== null;
  const protocolName = group.protocolName ?? '';
  return {
    groupId,
    errorCode: ErrorCode.NONE,
    state: group.state,
    protocolType: group.protocolType ?? '',
    protocolName: stable ? protocolName : '',
    members: [...group.members.values()].map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      // Metadata and assignments are only meaningful once the generation is settled.
      metadata: stable ? (memberMetadata(m, protocolName) ?? EMPTY_BYTES) : EMPTY_BYTES,
      assignment: stable ? m.assignment : EMPTY_BYTES,
    })),
  };
}

export function listedGroup(group: Group): ListedGroup {
  return { groupId: group.groupId, protocolType: group.protocolType ?? '', state: group.state };
}

/**
 * Deletes an empty group: it turns Dead at once (so no member can join meanwhile), then tombstones
 * for its offsets and metadata are committed. If the write fails the group is Empty again.
 */
export async function deleteGroup(ctx: CoordinatorContext, group: Group): Promise<number> {
  if (group.is('Dead')) return ErrorCode.GROUP_ID_NOT_FOUND;
  if (!group.is('Empty')) return ErrorCode.NON_EMPTY_GROUP;
  group.transitionTo('Dead', ctx.clock.now());
  const records: GroupRecord[] = [];
  for (const [topic, byPartition] of group.offsets) {
    for (const partition of byPartition.keys()) records.push({ kind: 'offset-tombstone', groupId: group.groupId, topic, partition });
  }
  records.push({ kind: 'group-tombstone', groupId: group.groupId });
  try {
    await ctx.log.append(group.partition, records);
  } catch (error: unknown) {
    ctx.logger.warn({ groupId: group.groupId, err: error }, 'deleting group failed');
    group.reviveAfterFailedDelete(ctx.clock.now());
    return appendErrorCode(error, 'group');
  }
  group.timers.clearAll();
  ctx.logger.info({ groupId: group.groupId, offsets: records.length - 1 }, 'group deleted');
  return ErrorCode.NONE;
}
