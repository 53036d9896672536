import { GroupCoordinator } from '../../../src/kafka/groups/coordinator.js';
import type { GroupCoordinatorConfig } from '../../../src/kafka/groups/config.js';
import { InMemoryGroupLog } from '../../../src/kafka/groups/log.js';
import type {
  GroupProtocol,
  JoinGroupRequest,
  JoinGroupResult,
  SyncGroupResult,
} from '../../../src/kafka/groups/types.js';
import { silentLogger } from '../../../src/util/logger.js';
import { drainMicrotasks, VirtualTime } from './virtual-time.js';

export const NUM_PARTITIONS = 4;

export const TEST_CONFIG: Partial<GroupCoordinatorConfig> = {
  numPartitions: NUM_PARTITIONS,
  initialRebalanceDelayMs: 100,
  minSessionTimeoutMs: 1_000,
  maxSessionTimeoutMs: 60_000,
};

export interface Harness {
  readonly time: VirtualTime;
  readonly log: InMemoryGroupLog;
  readonly coordinator: GroupCoordinator;
}

/** A coordinator on virtual time that owns every partition of an (initially empty or given) log. */
export async function startCoordinator(
  config: Partial<GroupCoordinatorConfig> = {},
  shared?: { time: VirtualTime; log: InMemoryGroupLog },
): Promise<Harness> {
  const time = shared?.time ?? new VirtualTime();
  const log = shared?.log ?? new InMemoryGroupLog();
  let next = 0;
  const coordinator = new GroupCoordinator({
    log,
    clock: time,
    scheduler: time,
    logger: silentLogger(),
    config: { ...TEST_CONFIG, ...config },
    newMemberId: (clientId) => `${clientId}-${++next}`,
  });
  for (let p = 0; p < (config.numPartitions ?? NUM_PARTITIONS); p++) await coordinator.loadPartition(p, log.records(p));
  return { time, log, coordinator };
}

/** Consumer-protocol subscription bytes (int16 version, topic array) so metadata looks real. */
export function subscription(topics: readonly string[], userData = ''): Uint8Array {
  const parts: Buffer[] = [Buffer.from([0, 1]), int32(topics.length)];
  for (const t of topics) parts.push(str(t));
  parts.push(int32(userData.length), Buffer.from(userData));
  return Buffer.concat(parts);
}

function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}

function str(s: string): Buffer {
  const b = Buffer.alloc(2);
  b.writeInt16BE(Buffer.byteLength(s));
  return Buffer.concat([b, Buffer.from(s)]);
}

export function protocols(topics: readonly string[] = ['orders'], names: readonly string[] = ['range']): GroupProtocol[] {
  return names.map((name) => ({ name, metadata: subscription(topics, name) }));
}

export function joinRequest(overrides: Partial<JoinGroupRequest> = {}): JoinGroupRequest {
  return {
    groupId: 'g',
    memberId: '',
    groupInstanceId: null,
    protocolType: 'consumer',
    protocols: protocols(),
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 30_000,
    clientId: 'c',
    clientHost: '/127.0.0.1',
    requireKnownMemberId: false,
    ...overrides,
  };
}

/** Resolves the promise state without waiting: 'pending' if it has not settled after a drain. */
export async function peek<T>(promise: Promise<T>): Promise<T | 'pending'> {
  let value: T | 'pending' = 'pending';
  void promise.then((v) => {
    value = v;
  });
  await drainMicrotasks();
  return value;
}

export interface JoinedGroup {
  readonly generationId: number;
  readonly leaderId: string;
  readonly memberIds: string[];
  readonly joins: JoinGroupResult[];
  readonly syncs: SyncGroupResult[];
}

/**
 * Joins `clientIds` concurrently (each first obtaining a member id), lets the leader assign each
 * member the bytes of its own id, and syncs everyone. Returns once the group is Stable.
 */
export async function formGroup(
  h: Harness,
  clientIds: readonly string[],
  groupId = 'g',
  overrides: Partial<JoinGroupRequest> = {},
): Promise<JoinedGroup> {
  const pending = clientIds.map((clientId) => h.coordinator.joinGroup(joinRequest({ groupId, clientId, ...overrides })));
  // Past the initial rebalance delay (and its one extension for members that arrived during it).
  await h.time.advance(1_000);
  const joins = await Promise.all(pending);
  const first = joins[0];
  if (first === undefined) throw new Error('no members');
  const memberIds = joins.map((j) => j.memberId);
  const syncs = await Promise.all(
    joins.map((j) =>
      h.coordinator.syncGroup({
        groupId,
        generationId: j.generationId,
        memberId: j.memberId,
        groupInstanceId: null,
        protocolType: 'consumer',
        protocolName: j.protocolName,
        assignments: j.memberId === j.leaderId ? j.members.map((m) => ({ memberId: m.memberId, assignment: Buffer.from(`assign:${m.memberId}`) })) : [],
      }),
    ),
  );
  return { generationId: first.generationId, leaderId: first.leaderId, memberIds, joins, syncs };
}
