import { unreachable } from '../../util/assert.js';
import { ByteReader, ByteWriter, CorruptGroupRecordError } from './bytes.js';

/**
 * What the coordinator writes to its __consumer_offsets partition. Replaying the records of a
 * partition in order rebuilds every group it owns (offsets, and the membership that static members
 * and a failed-over coordinator need). Tombstones remove a group's metadata or one offset.
 */
export type GroupRecord = OffsetCommitRecord | OffsetTombstoneRecord | GroupMetadataRecord | GroupTombstoneRecord;

export interface OffsetCommitRecord {
  readonly kind: 'offset';
  readonly groupId: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly leaderEpoch: number;
  readonly metadata: string;
  readonly commitTimestampMs: number;
}

export interface OffsetTombstoneRecord {
  readonly kind: 'offset-tombstone';
  readonly groupId: string;
  readonly topic: string;
  readonly partition: number;
}

export interface PersistedMember {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  readonly rebalanceTimeoutMs: number;
  readonly sessionTimeoutMs: number;
  /** The member's metadata for the group's selected protocol. */
  readonly subscription: Uint8Array;
  readonly assignment: Uint8Array;
}

export interface GroupMetadataRecord {
  readonly kind: 'group';
  readonly groupId: string;
  readonly protocolType: string | null;
  readonly generationId: number;
  readonly protocolName: string | null;
  readonly leaderId: string | null;
  readonly stateTimestampMs: number;
  readonly members: readonly PersistedMember[];
}

export interface GroupTombstoneRecord {
  readonly kind: 'group-tombstone';
  readonly groupId: string;
}

/** Version byte in front of every record; decode rejects versions it does not know. */
export const GROUP_RECORD_FORMAT_VERSION = 1;

const TAG = { offset: 1, 'offset-tombstone': 2, group: 3, 'group-tombstone': 4 } as const;

/**
 * The compaction key of a record: a later record with the same key supersedes an earlier one, and
 * a tombstone lets compaction drop both.
 */
export function groupRecordKey(record: GroupRecord): string {
  switch (record.kind) {
    case 'offset':
    case 'offset-tombstone':
      return `offset\u0000${record.groupId}\u0000${record.topic}\u0000${record.partition}`;
    case 'group':
    case 'group-tombstone':
      return `group\u0000${record.groupId}`;
    default:
      return unreachable(record);
  }
}

export function isTombstone(record: GroupRecord): boolean {
  return record.kind === 'offset-tombstone' || record.kind === 'group-tombstone';
}

export function encodeGroupRecord(record: GroupRecord): Buffer {
  const w = new ByteWriter().int8(GROUP_RECORD_FORMAT_VERSION).int8(TAG[record.kind]).string(record.groupId);
  switch (record.kind) {
    case 'offset':
      w.string(record.topic).int32(record.partition).int64(record.offset).int32(record.leaderEpoch);
      return w.string(record.metadata).int64(record.commitTimestampMs).finish();
    case 'offset-tombstone':
      return w.string(record.topic).int32(record.partition).finish();
    case 'group':
      return encodeGroupMetadata(w, record).finish();
    case 'group-tombstone':
      return w.finish();
    default:
      return unreachable(record);
  }
}

function encodeGroupMetadata(w: ByteWriter, record: GroupMetadataRecord): ByteWriter {
  w.nullableString(record.protocolType).int32(record.generationId).nullableString(record.protocolName);
  w.nullableString(record.leaderId).int64(record.stateTimestampMs).int32(record.members.length);
  for (const m of record.members) {
    w.string(m.memberId).nullableString(m.groupInstanceId).string(m.clientId).string(m.clientHost);
    w.int32(m.rebalanceTimeoutMs).int32(m.sessionTimeoutMs).bytes(m.subscription).bytes(m.assignment);
  }
  return w;
}

export function decodeGroupRecord(bytes: Uint8Array): GroupRecord {
  const r = new ByteReader(bytes);
  const version = r.int8();
  if (version !== GROUP_RECORD_FORMAT_VERSION) {
    throw new CorruptGroupRecordError(`unknown group record format version ${version}`);
  }
  const tag = r.int8();
  const groupId = r.string();
  const record = decodeBody(r, tag, groupId);
  r.expectEnd();
  return record;
}

function decodeBody(r: ByteReader, tag: number, groupId: string): GroupRecord {
  switch (tag) {
    case TAG.offset:
      return {
        kind: 'offset',
        groupId,
        topic: r.string(),
        partition: r.int32(),
        offset: r.int64(),
        leaderEpoch: r.int32(),
        metadata: r.string(),
        commitTimestampMs: r.int64(),
      };
    case TAG['offset-tombstone']:
      return { kind: 'offset-tombstone', groupId, topic: r.string(), partition: r.int32() };
    case TAG.group:
      return decodeGroupMetadata(r, groupId);
    case TAG['group-tombstone']:
      return { kind: 'group-tombstone', groupId };
    default:
      throw new CorruptGroupRecordError(`unknown group record tag ${tag}`);
  }
}

function decodeGroupMetadata(r: ByteReader, groupId: string): GroupMetadataRecord {
  const protocolType = r.nullableString();
  const generationId = r.int32();
  const protocolName = r.nullableString();
  const leaderId = r.nullableString();
  const stateTimestampMs = r.int64();
  const count = r.int32();
  if (count < 0) throw new CorruptGroupRecordError(`negative member count ${count}`);
  const members: PersistedMember[] = [];
  for (let i = 0; i < count; i++) {
    members.push({
      memberId: r.string(),
      groupInstanceId: r.nullableString(),
      clientId: r.string(),
      clientHost: r.string(),
      rebalanceTimeoutMs: r.int32(),
      sessionTimeoutMs: r.int32(),
      subscription: r.bytes(),
      assignment: r.bytes(),
    });
  }
  return { kind: 'group', groupId, protocolType, generationId, protocolName, leaderId, stateTimestampMs, members };
}
