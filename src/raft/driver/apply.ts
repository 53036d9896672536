import type { ConfState, Ready } from '../core/index.js';
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
  const last = rd.committedEntries.at(-1);
  if (last === undefined) return undefined;
  const pending = g.sm.apply(rd.committedEntries);
  if (pending === undefined) {
    markApplied(g, last.index);
    return undefined;
  }
  return pending.then(() => markApplied(g, last.index));
}

/** The entry cache keeps entries until they are applied; from here on it may let them go. */
function markApplied(g: RaftGroup, index: number): void {
  g.applied = index;
  g.cache.applied(index);
}

/** After advance(): the core knows what was applied, so waiters may act on it (propose the next conf change). */
export function settleReady(g: RaftGroup, rd: Ready, stats: RaftHostStats, nowMs: number): void {
  if (rd.committedEntries.length > 0) g.proposals.applied(rd.committedEntries, nowMs, (ms) => stats.commitLatencyMs.add(ms));
  if (rd.readStates.length > 0 || rd.committedEntries.length > 0) g.reads.answered(rd.readStates, g.applied);
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
