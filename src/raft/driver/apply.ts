import type { ConfState, Ready } from '../core/index.js';
import { assert } from '../../util/assert.js';
import { envelopeOf } from './persist.js';
import { encodeEnvelope } from './envelope.js';
import type { RaftGroup } from './group.js';
import { toNodeId } from './ids.js';
import { writeSnapshotFile } from './snapshot-file.js';
import type { RaftHostStats } from './stats.js';
import type { GroupMembers } from './types.js';

export function membersOf(cs: ConfState): GroupMembers {
  const ids = (raft: readonly number[]): number[] => raft.map((r) => toNodeId(r) ?? -1).filter((n) => n >= 0);
  return { voters: ids(cs.voters), learners: ids(cs.learners) };
}

/**
 * Step 3 of a Ready: install the snapshot into the state machine, record membership, apply the
 * committed entries (awaiting the machine), settle proposals and read barriers.
 */
export async function applyReady(g: RaftGroup, rd: Ready, stats: RaftHostStats, nowMs: () => number): Promise<void> {
  if (rd.snapshot !== undefined) {
    const { index, term, confState } = rd.snapshot.metadata;
    stats.snapshotsInstalled++;
    g.members = confState;
    await g.sm.restore(envelopeOf(rd.snapshot, g.logger).image, index, term);
    g.applied = Math.max(g.applied, index);
  }
  if (rd.confState !== undefined) {
    g.members = rd.confState;
    g.sm.onConfChange?.(membersOf(rd.confState));
  }
  const ents = rd.committedEntries;
  const last = ents.at(-1);
  if (last !== undefined) {
    const pending = g.sm.apply(ents);
    if (pending !== undefined) await pending;
    g.applied = last.index;
    g.proposals.applied(ents, nowMs(), (ms) => stats.commitLatencyMs.add(ms));
  }
  g.reads.answered(rd.readStates, g.applied);
}

export interface SnapshotPolicy {
  dataDir: string;
  everyEntries: number;
  /** Entries kept before the snapshot so slightly lagging followers still catch up from the log. */
  trailingEntries: number;
}

/** 'raft' groups: snapshot the state machine every N applied entries and drop the log before it. */
export async function maybeSnapshot(g: RaftGroup, policy: SnapshotPolicy, stats: RaftHostStats): Promise<void> {
  if (g.kind !== 'raft' || g.applied - g.snapshotIndex < policy.everyEntries || g.applied < g.log.firstIndex) return;
  const image = g.sm.snapshot();
  if (image === undefined) return;
  const index = g.applied;
  const term = g.storage.term(index);
  assert(term !== undefined, `no term for applied index ${index}`);
  const data = encodeEnvelope({ nextOffset: undefined, image });
  await writeSnapshotFile(policy.dataDir, g.log.logId, { index, term, data });
  g.storage.stored = { metadata: { index, term, confState: g.members }, data };
  g.snapshotIndex = index;
  stats.snapshotsTaken++;
  const before = Math.max(g.log.firstIndex, index + 1 - policy.trailingEntries);
  if (before > g.log.firstIndex) await g.log.deletePrefix(before);
}
