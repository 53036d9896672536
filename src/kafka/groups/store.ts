import type { Group } from './group.js';
import { memberMetadata, EMPTY_BYTES } from './member.js';
import type { GroupMetadataRecord } from './records.js';

/**
 * The durable image of a group's membership. `assignments` overrides the members' current ones
 * (the leader's SyncGroup is persisted before it is applied).
 */
export function groupMetadataRecord(
  group: Group,
  nowMs: number,
  assignments?: ReadonlyMap<string, Uint8Array>,
): GroupMetadataRecord {
  const protocolName = group.protocolName;
  return {
    kind: 'group',
    groupId: group.groupId,
    protocolType: group.protocolType,
    generationId: group.generationId,
    protocolName,
    leaderId: group.members.size === 0 ? null : group.leaderId,
    stateTimestampMs: nowMs,
    members: [...group.members.values()].map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      rebalanceTimeoutMs: m.rebalanceTimeoutMs,
      sessionTimeoutMs: m.sessionTimeoutMs,
      subscription: (protocolName === null ? undefined : memberMetadata(m, protocolName)) ?? EMPTY_BYTES,
      assignment: assignments?.get(m.memberId) ?? m.assignment,
    })),
  };
}
