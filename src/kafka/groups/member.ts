import type { GroupProtocol, JoinGroupResult, SyncGroupResult } from './types.js';

export const EMPTY_BYTES: Uint8Array = new Uint8Array(0);

/** One member of a group, with the callbacks of its parked JoinGroup / SyncGroup requests. */
export interface MemberState {
  memberId: string;
  readonly groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  rebalanceTimeoutMs: number;
  sessionTimeoutMs: number;
  readonly protocolType: string;
  protocols: readonly GroupProtocol[];
  assignment: Uint8Array;
  /** Joined but has not yet received a join response: expired by the new-member timeout. */
  isNew: boolean;
  joinWaiter: ((result: JoinGroupResult) => void) | null;
  syncWaiter: ((result: SyncGroupResult) => void) | null;
}

export interface NewMember {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  readonly rebalanceTimeoutMs: number;
  readonly sessionTimeoutMs: number;
  readonly protocolType: string;
  readonly protocols: readonly GroupProtocol[];
}

export function createMember(init: NewMember): MemberState {
  return { ...init, assignment: EMPTY_BYTES, isNew: false, joinWaiter: null, syncWaiter: null };
}

export function memberMetadata(member: MemberState, protocolName: string): Uint8Array | undefined {
  return member.protocols.find((p) => p.name === protocolName)?.metadata;
}

/** Same protocols, in the same order, with byte-identical metadata. */
export function sameProtocols(a: readonly GroupProtocol[], b: readonly GroupProtocol[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((p, i) => {
    const q = b[i];
    return q !== undefined && p.name === q.name && Buffer.from(p.metadata).equals(Buffer.from(q.metadata));
  });
}

/** Hands a result to a parked JoinGroup, at most once. */
export function answerJoin(member: MemberState, result: JoinGroupResult): void {
  const waiter = member.joinWaiter;
  if (waiter === null) return;
  member.joinWaiter = null;
  waiter(result);
}

export function answerSync(member: MemberState, result: SyncGroupResult): void {
  const waiter = member.syncWaiter;
  if (waiter === null) return;
  member.syncWaiter = null;
  waiter(result);
}
