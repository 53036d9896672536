import type { ConfState, Entry, Ready } from '../core/index.js';
import { assert } from '../../util/assert.js';
import { envelopeOf } from './persist.js';
import { encodeEnvelope } from './envelope.js';
import type { RaftGroup } from './group.js';
import { toNodeId } from './ids.js';
import { saveLocalSnapshot } from './snapshot-store.js';
import type { RaftHostStats } from './stats.js';
import type { GroupMembers } from './types.js';
import type { WalBlobs } from '../../wal/blobs.js';

export function membersOf(cs: ConfState): GroupMembers {
  const ids = (raft: readonly number[]): number[] => raft.map((r) => toNodeId(r) ?? -1).filter((n) => n >= 0);
  return { voters: ids(cs.voters), learners: ids(cs.learners) };
}

/**
 * Step 3 of a Ready: install the snapshot into the state machine, record membership and apply the
 * committed entries. Synchronous unless the machine returns a promise (then the caller awaits it):
 * an idle group's Ready costs no promise.
 */
export function applyReady(g: RaftGroup, rd: Ready, stats: RaftHostStats): Promise<void> | undefined {
  const snap = rd.snapshot;
  if (snap !== undefined) {
    stats.snapshotsInstalled++;
    g.members = snap.metadata.confState;
    const restoring = g.sm.restore(envelopeOf(snap, g.logger).image, snap.metadata.index, snap.metadata.term);
    if (restoring !== undefined) return restoring.then(() => afterRestore(g, rd));
  }
  return afterRestore(g, rd);
}

function afterRestore(g: RaftGroup, rd: Ready): Promise<void> | undefined {
  if (rd.snapshot !== undefined) markApplied(g, Math.max(g.applied, rd.snapshot.metadata.index));
  if (rd.confState !== undefined) {
    g.members = rd.confState;
    g.sm.onConfChange?.(membersOf(rd.confState));
  }
  return applyCommitted(g, rd.committedEntries);
}

/** `apply(entries)` on the state machine, then the applied mark; a promise only if the machine returned one. */
export function applyCommitted(g: RaftGroup, entries: Entry[]): Promise<void> | undefined {
  const last = entries.at(-1);
  if (last === undefined) return undefined;
  const pending = g.sm.apply(entries);
  if (pending === undefined) {
    markApplied(g, last.index);
    return undefined;
  }
  return pending.then(() => markApplied(g, last.index));
}

/**
 * Whether a Ready's committed entries may be applied before its own writes are durable (the Ready
 * loop then does so): they are committed, so nothing can take them back, and they are already
 * durable here (a leader's entries always are: they go to the followers in the Ready that writes
 * them, so their commit shows in a later one; a follower may learn a commit index past its durable
 * log, hence the check). Waiting for the fdatasync of the Ready's new entries would only delay
 * them by a WAL round. Not with a snapshot or a membership change, whose order with the apply
 * matters (restore first; the membership file durable before its entries are applied), nor with a
 * leadership change, which listeners hear of before the Ready's entries are applied.
 */
export function appliesEarly(g: RaftGroup, rd: Ready): boolean {
  const last = rd.committedEntries.at(-1);
  if (last === undefined || rd.snapshot !== undefined || rd.confState !== undefined || rd.softState !== undefined) return false;
  return last.index <= g.log.durableLastIndex;
}

/** The entry cache keeps entries until they are applied; from here on it may let them go. */
function markApplied(g: RaftGroup, index: number): void {
  g.applied = index;
  g.cache.applied(index);
}

/** After advance(): the core knows what was applied, so waiters may act on it (propose the next conf change). */
export function settleReady(g: RaftGroup, rd: Ready, stats: RaftHostStats, nowMs: number, proposalsSettled = false): void {
  if (!proposalsSettled) settleProposals(g, rd.committedEntries, stats, nowMs);
  if (rd.readStates.length > 0 || rd.committedEntries.length > 0) g.reads.answered(rd.readStates, g.applied);
}

/** Resolves (or, for another term's entry at their index, fails) the proposals of applied entries. */
export function settleProposals(g: RaftGroup, entries: Entry[], stats: RaftHostStats, nowMs: number): void {
  if (entries.length > 0) g.proposals.applied(entries, nowMs, (ms) => stats.commitLatencyMs.add(ms));
}

export interface SnapshotPolicy {
  /** Where local snapshots go: the WAL store's LevelDB (snapshot-store.ts). */
  blobs: WalBlobs;
  everyEntries: number;
  /** Entries kept before the snapshot so slightly lagging followers still catch up from the log. */
  trailingEntries: number;
}

export function snapshotDue(g: RaftGroup, policy: SnapshotPolicy): boolean {
  return g.kind === 'raft' && g.applied - g.snapshotIndex >= policy.everyEntries && g.applied >= g.log.firstIndex;
}

/** 'raft' groups: snapshot the state machine every N applied entries and drop the log before it. */
export async function maybeSnapshot(g: RaftGroup, policy: SnapshotPolicy, stats: RaftHostStats): Promise<void> {
  if (!snapshotDue(g, policy)) return;
  const image = g.sm.snapshot();
  if (image === undefined) return;
  const index = g.applied;
  const term = g.storage.term(index);
  assert(term !== undefined, `no term for applied index ${index}`);
  const data = encodeEnvelope({ nextOffset: undefined, image });
  await saveLocalSnapshot(policy.blobs, g.log.logId, { index, term, data });
  g.storage.stored = { metadata: { index, term, confState: g.members }, data };
  g.snapshotIndex = index;
  stats.snapshotsTaken++;
  const before = Math.max(g.log.firstIndex, index + 1 - policy.trailingEntries);
  if (before > g.log.firstIndex) await g.log.deletePrefix(before);
}
