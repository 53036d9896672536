/**
 * `chronik inspect raft <dir>`: each log's Raft-facing state — hard state (term, vote, commit),
 * first/last index, last term, the installed snapshot's marker and the local snapshot (a LevelDB
 * blob, or a side file in a data directory not migrated yet) — from a LevelDB copy plus the tail of
 * the segments.
 */
import { parseCommandArgs, requirePath } from './args.js';
import { ExitCode } from './errors.js';
import { Findings } from './findings.js';
import { table } from './format.js';
import type { IndexDb } from './leveldb-copy.js';
import { readLogIndexState, registeredLogs } from './index-reader.js';
import { scanLog } from './log-scan.js';
import { Printer, type InspectIO } from './output.js';
import { resolveTarget, type LogTarget } from './target.js';
import { readLocalSnapshotBlob } from './meta-snapshot.js';
import { readSnapshotFile } from '../../src/raft/driver/snapshot-file.js';
import { join } from 'node:path';
import { withIndex } from './with-index.js';

const MAX_REGISTERED_LOGS = 1_000_000;

export interface RaftReport {
  logId: string;
  kind: string | null;
  hardState: { term: number; vote: number; commit: number } | null;
  firstIndex: number | null;
  lastIndex: number | null;
  lastTerm: number | null;
  snapshot: { index: number; term: number; bytes: number | null } | null;
  /** A 'raft' group's own snapshot of its state machine (the log before it may be deleted). */
  localSnapshot: { index: number; term: number; bytes: number; source: 'leveldb' | 'side-file' } | null;
  epoch: number | null;
  logStartOffset: number | null;
}

/** Last entry opening would keep: scan only the last segment, or the one before when it is empty. */
async function tailOf(log: LogTarget): Promise<{ lastIndex: number | undefined; lastTerm: number | undefined }> {
  for (let from = log.segments.length - 1; from >= 0 && from >= log.segments.length - 2; from--) {
    const scan = await scanLog({ ...log, segments: log.segments.slice(from), strayFiles: [] }, new Findings(0), { checkBatches: false });
    if (scan.lastIndex !== undefined) return scan;
  }
  return { lastIndex: undefined, lastTerm: undefined };
}

async function localSnapshotOf(db: IndexDb | undefined, raftDir: string, logId: string): Promise<RaftReport['localSnapshot']> {
  const blob = db === undefined ? undefined : await readLocalSnapshotBlob(db, logId);
  if (blob !== undefined) return { index: blob.index, term: blob.term, bytes: blob.data.byteLength, source: 'leveldb' };
  const file = await readSnapshotFile(raftDir, logId);
  return file === undefined ? null : { index: file.index, term: file.term, bytes: file.data.byteLength, source: 'side-file' };
}

async function reportOf(log: LogTarget, db: IndexDb | undefined, kinds: ReadonlyMap<string, string>, raftDir: string): Promise<RaftReport> {
  const s = db === undefined ? undefined : await readLogIndexState(db, log.logId);
  const meta = s?.meta;
  const tail = await tailOf(log);
  const firstIndex = meta?.firstIndex ?? log.segments[0]?.baseIndex ?? null;
  // An empty log's last entry is the one before its first (the snapshot's, after an install).
  const lastIndex = tail.lastIndex ?? (firstIndex === null ? null : firstIndex - 1);
  const lastTerm = tail.lastTerm ?? meta?.prevTerm ?? null;
  const snapshot = meta !== undefined && meta.snapshotIndex > 0 ? { index: meta.snapshotIndex, term: meta.snapshotTerm, bytes: s?.snapshotBytes ?? null } : null;
  return {
    logId: log.logId,
    kind: kinds.get(log.logId) ?? null,
    hardState: s?.hardState ?? null,
    firstIndex,
    lastIndex,
    lastTerm,
    snapshot,
    localSnapshot: await localSnapshotOf(db, raftDir, log.logId),
    epoch: meta?.epoch ?? null,
    logStartOffset: meta?.startOffset ?? null,
  };
}

function printText(p: Printer, reports: readonly RaftReport[], haveIndex: boolean): void {
  if (!haveIndex) p.line('no LevelDB index found: hard state and snapshot unknown (segments only)');
  const v = (n: number | null | undefined): string => (n === null || n === undefined ? '-' : String(n));
  const rows = reports.map((r) => [
    r.logId,
    r.kind ?? '-',
    v(r.hardState?.term),
    r.hardState === null ? '-' : r.hardState.vote === 0 ? 'none' : String(r.hardState.vote),
    v(r.hardState?.commit),
    v(r.firstIndex),
    v(r.lastIndex),
    v(r.lastTerm),
    r.snapshot === null ? '-' : `${r.snapshot.index}@${r.snapshot.term}`,
    r.localSnapshot === null ? '-' : `${r.localSnapshot.index}@${r.localSnapshot.term}${r.localSnapshot.source === 'side-file' ? ' (file)' : ''}`,
  ]);
  for (const l of table(['log', 'kind', 'term', 'vote', 'commit', 'first', 'last', 'last-term', 'snapshot', 'local-snapshot'], rows)) p.line(l);
}

export async function raftCommand(argv: readonly string[], io: InspectIO): Promise<number> {
  const args = parseCommandArgs(argv, {});
  const target = await resolveTarget(requirePath(args));
  const reports = await withIndex(target, async (db, listed) => {
    const kinds = db === undefined ? new Map<string, string>() : await registeredLogs(db, MAX_REGISTERED_LOGS);
    const out: RaftReport[] = [];
    for (const log of listed.logs) out.push(await reportOf(log, db, kinds, join(target.path, 'raft')));
    return out;
  });
  const p = new Printer(io.stdout);
  if (args.json) p.json({ target: target.path, index: target.indexDir !== undefined, logs: reports });
  else printText(p, reports, target.indexDir !== undefined);
  await p.flush(true);
  return ExitCode.OK;
}
