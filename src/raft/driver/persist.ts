import type { Entry, HardState, Ready, Snapshot } from '../core/index.js';
import type { Logger } from 'pino';
import { decodeEnvelope, type SnapshotEnvelope } from './envelope.js';
import type { RaftGroup } from './group.js';
import { writeConfFile } from './conf-file.js';
import type { HardStateSaver } from './hard-state.js';

/** Decodes a snapshot's envelope; a malformed one (from a buggy peer) is taken as a bare image. */
export function envelopeOf(snap: Snapshot, logger: Logger): SnapshotEnvelope {
  try {
    return decodeEnvelope(snap.data);
  } catch (err) {
    logger.error({ err, index: snap.metadata.index }, 'snapshot without a valid envelope; using its data as is');
    return { nextOffset: undefined, image: snap.data };
  }
}

/** Whether the Ready has something to make durable before its messages go out. */
export function needsPersist(g: RaftGroup, rd: Ready): boolean {
  return rd.snapshot !== undefined || rd.entries.length > 0 || rd.confState !== undefined || termOrVoteChanged(g, rd.hardState);
}

function termOrVoteChanged(g: RaftGroup, hs: HardState | undefined): boolean {
  return hs !== undefined && (hs.term !== g.durableTerm || hs.vote !== g.durableVote);
}

/**
 * Step 1 of a Ready: make the snapshot, entries and a new term or vote durable. Entries and hard
 * state are issued in the same turn as every other group's, so the WAL writes them in one sync round
 * (group commit) and saves the hard states in one synced batch. Returns whether anything was written.
 */
export async function persistReady(g: RaftGroup, rd: Ready, hardStates: HardStateSaver): Promise<boolean> {
  let wrote = false;
  if (rd.snapshot !== undefined) {
    await installSnapshot(g, rd.snapshot);
    wrote = true;
  }
  const writes: Array<Promise<void>> = [];
  if (rd.entries.length > 0) writes.push(appendEntries(g, rd.entries));
  const cs = rd.confState;
  if (cs !== undefined) writes.push(writeConfFile(g.dataDir, g.log.logId, cs).then(() => void (g.members = cs)));
  const hs = rd.hardState;
  if (hs !== undefined) {
    // Term and vote must be durable before any message goes out (a vote is a promise). A change of
    // the commit index alone need not be: it is only a hint, re-learned from the leader after a
    // restart (and clamped to the log), so it waits for the tick (hard-state.ts).
    if (termOrVoteChanged(g, hs)) writes.push(hardStates.saveNow(g, hs).then(() => markDurable(g, hs.term, hs.vote)));
    else hardStates.defer(g, hs);
  }
  await Promise.all(writes);
  return wrote || writes.length > 0;
}

function markDurable(g: RaftGroup, term: number, vote: number): void {
  g.durableTerm = term;
  g.durableVote = vote;
}

async function appendEntries(g: RaftGroup, entries: Entry[]): Promise<void> {
  const first = entries[0];
  if (first === undefined) return;
  g.proposals.overwritten(entries);
  if (first.index <= g.log.lastIndex) {
    // A follower's conflicting suffix (§5.3): drop it before writing the leader's entries.
    g.cache.truncateFrom(first.index);
    await g.log.truncateSuffix(first.index - 1);
  }
  const durable = g.log.append(entries);
  g.cache.append(entries);
  await durable;
  g.proposals.persisted(entries);
}

async function installSnapshot(g: RaftGroup, snap: Snapshot): Promise<void> {
  const { index, term } = snap.metadata;
  const env = envelopeOf(snap, g.logger);
  const walSnap = env.nextOffset === undefined ? { index, term, data: snap.data } : { index, term, data: snap.data, nextOffset: env.nextOffset };
  await g.log.installSnapshot(walSnap);
  g.cache.clear();
  g.storage.stored = snap;
  g.snapshotIndex = index;
  g.proposals.coveredBySnapshot(index);
}
