import type { Logger } from 'pino';
import { NONE, Role, type ConfState, type RawNode } from '../core/index.js';
import type { WalLog } from '../../wal/index.js';
import type { EntryCache } from './entry-cache.js';
import type { WalStorage } from './wal-storage.js';
import type { ProposalTracker } from './proposals.js';
import type { ReadTracker } from './reads.js';
import type { Deferred } from './deferred.js';
import type { GroupKind, GroupStateMachine } from './types.js';

export interface TransferWait {
  to: number;
  d: Deferred<void>;
  timer: NodeJS.Timeout;
}

/** Everything the host keeps about one hosted group. Plain state; the host's modules act on it. */
export interface RaftGroup {
  readonly id: string;
  /** The group id as UTF-8, computed once for every frame it goes into. */
  readonly idBytes: Uint8Array;
  readonly kind: GroupKind;
  readonly log: WalLog;
  readonly node: RawNode;
  readonly storage: WalStorage;
  readonly cache: EntryCache;
  readonly sm: GroupStateMachine;
  readonly proposals: ProposalTracker;
  readonly reads: ReadTracker;
  readonly logger: Logger;
  /** Where the driver keeps this group's side files (membership, local snapshot). */
  readonly dataDir: string;
  /** Current membership in Raft ids. */
  members: ConfState;
  /** Last soft state seen (Raft ids). */
  role: Role;
  term: number;
  leader: number;
  applied: number;
  /** Term and vote last made durable (a hard state changing only the commit index skips the wait). */
  durableTerm: number;
  durableVote: number;
  /** Index of the last local or installed snapshot ('raft' groups). */
  snapshotIndex: number;
  /** Tick at which unsettled proposals of a deposed leader fail as ambiguous. */
  lostDeadlineTick: number | undefined;
  transfers: TransferWait[];
  /** A storage failure stops the group: it is no longer stepped, ticked or drained. */
  failed: Error | undefined;
  removed: boolean;
}

export function isLeader(g: RaftGroup): boolean {
  return g.role === Role.LEADER;
}

export function leaderRaftId(g: RaftGroup): number {
  return g.leader === NONE ? NONE : g.leader;
}
