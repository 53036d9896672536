import type { Logger } from 'pino';
import { NONE, RawNode, Role, SeededRandom, type ConfState, type RaftConfig, type Snapshot } from '../core/index.js';
import type { WalLog, WalStore } from '../../wal/index.js';
import { EntryCache } from './entry-cache.js';
import { decodeEnvelope } from './envelope.js';
import type { RaftGroup } from './group.js';
import { toRaftId } from './ids.js';
import { ProposalTracker } from './proposals.js';
import { ReadTracker } from './reads.js';
import { loadLocalSnapshot } from './snapshot-store.js';
import { readConfFile } from './conf-file.js';
import type { AddGroupOptions } from './types.js';
import { WalStorage } from './wal-storage.js';

export interface OpenGroupContext {
  wal: WalStore;
  dataDir: string;
  logger: Logger;
  nodeId: number;
  seed: number;
  electionTicks: number;
  heartbeatTicks: number;
  entryCacheBytes: number;
  entryCacheEntries: number;
  maxPendingReads: number;
  core: Pick<RaftConfig, 'maxSizePerMsg' | 'maxInflightMsgs' | 'maxInflightBytes' | 'maxUncommittedBytes' | 'quiesce'>;
}

/** FNV-1a of the group id: each group gets its own election-timeout sequence. */
function hashId(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** The newer of the WAL's installed snapshot and the driver's local one. */
async function latestSnapshot(log: WalLog, kind: AddGroupOptions['kind'], wal: WalStore, conf: ConfState): Promise<Snapshot | undefined> {
  const local = kind === 'raft' ? await loadLocalSnapshot(wal.blobs, log.logId) : undefined;
  const installed = log.snapshot;
  const best = [local, installed].reduce((a, b) => (b !== undefined && (a === undefined || b.index > a.index) ? b : a), undefined);
  if (best === undefined || best.index === 0) return undefined;
  return { metadata: { index: best.index, term: best.term, confState: conf }, data: best.data };
}

/** Opens a group's log and rebuilds its Raft node from it (a brand-new log starts from `voters`). */
export async function openGroup(groupId: string, opts: AddGroupOptions, ctx: OpenGroupContext): Promise<RaftGroup> {
  const log = await ctx.wal.openLog(opts.logId, { kind: opts.kind });
  // The durable membership wins over the caller's: it may include changes the caller has not seen.
  const members: ConfState = (await readConfFile(ctx.dataDir, opts.logId)) ?? {
    voters: opts.voters.map(toRaftId),
    learners: (opts.learners ?? []).map(toRaftId),
  };
  const cache = new EntryCache(ctx.entryCacheBytes, ctx.entryCacheEntries);
  const holder: { g?: RaftGroup } = {};
  const storage = new WalStorage(log, opts.kind, cache, () => holder.g?.members ?? members, () => opts.stateMachine.snapshot());
  const snap = await latestSnapshot(log, opts.kind, ctx.wal, members);
  let applied = opts.stateMachine.appliedIndex();
  if (snap !== undefined) {
    if (opts.kind === 'raft') storage.stored = snap;
    if (applied < snap.metadata.index) {
      await opts.stateMachine.restore(decodeEnvelope(snap.data).image, snap.metadata.index, snap.metadata.term);
      applied = snap.metadata.index;
    }
  }
  const logger = ctx.logger.child({ group: groupId });
  const node = new RawNode({
    id: toRaftId(ctx.nodeId),
    storage,
    electionTick: ctx.electionTicks,
    heartbeatTick: ctx.heartbeatTicks,
    random: new SeededRandom((ctx.seed ^ hashId(groupId)) >>> 0),
    applied,
    logger,
    ...ctx.core,
    commitNotices: opts.commitNotices ?? true,
  });
  const status = node.status();
  const g: RaftGroup = {
    id: groupId,
    idBytes: Buffer.from(groupId, 'utf8'),
    kind: opts.kind,
    log,
    node,
    storage,
    cache,
    sm: opts.stateMachine,
    proposals: new ProposalTracker(),
    reads: new ReadTracker(ctx.maxPendingReads),
    logger,
    dataDir: ctx.dataDir,
    members,
    role: Role.FOLLOWER,
    term: status.term,
    leader: NONE,
    applied: status.applied,
    durableTerm: log.hardState.term,
    durableVote: log.hardState.vote,
    snapshotIndex: snap?.metadata.index ?? 0,
    lostDeadlineTick: undefined,
    transfers: [],
    failed: undefined,
    removed: false,
  };
  holder.g = g;
  return g;
}
