/**
 * The node's redo journal as inspect sees it (docs/wal-format.md, "The redo journal"). After a crash
 * a segment may lack bytes of acknowledged rounds that only the journal holds; opening the store
 * writes them back (redo) before any log opens. Inspect never writes, so it applies the same records
 * in memory when it reads a segment: every command judges the segments as opening would see them,
 * not as a crash left them.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { segmentFileName } from '../../src/wal/frame.js';
import { decodeJournalHeader, JOURNAL_HEADER_BYTES, journalHeaderValid, parseJournalFileName } from '../../src/wal/journal-format.js';
import { scanJournal, type JournalCut } from '../../src/wal/journal-scan.js';
import { sanitiseLogId } from '../../src/wal/segment-files.js';
import { InspectReadError } from './errors.js';
import type { Findings } from './findings.js';

/** Bytes a record puts at a position of a segment. */
export interface RedoWrite {
  position: number;
  data: Uint8Array;
}

export interface JournalView {
  path: string;
  records: number;
  logs: number;
  bytes: number;
  /** A torn tail opening would cut. */
  cut: JournalCut | undefined;
  /** Damage opening would refuse (then nothing is redone, here as there). */
  corrupt: { position: number; reason: string } | undefined;
  /** Zeros past the last record: a live store's preallocation (prealloc.ts), the journal's end. */
  preallocatedBytes: number;
  /** Segment path → the records for it, in journal order. */
  redo: Map<string, RedoWrite[]>;
}

async function journalNames(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((n) => parseJournalFileName(n) !== undefined).sort().reverse();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new InspectReadError(`cannot list ${dir}`, { cause: err });
  }
}

function emptyView(path: string): JournalView {
  return { path, records: 0, logs: 0, bytes: 0, cut: undefined, corrupt: undefined, preallocatedBytes: 0, redo: new Map() };
}

/**
 * The journal opening would redo: the newest file whose header is whole (a newer one holding no
 * more than a torn header was being created by a checkpoint). Bounded: a journal file is at most
 * its checkpoint bound plus one round.
 */
export async function readJournalView(dataDir: string): Promise<JournalView | undefined> {
  const dir = join(dataDir, 'journal');
  // On a live node a checkpoint may remove the file between listing and reading it (its records
  // are then durable in the segments): list again, a bounded number of times.
  for (let attempt = 0; attempt < LIST_ATTEMPTS; attempt++) {
    const view = await newestView(dataDir, dir);
    if (view !== 'vanished') return view;
  }
  throw new InspectReadError(`journal files in ${dir} kept vanishing while being read (${LIST_ATTEMPTS} attempts)`);
}

const LIST_ATTEMPTS = 5;

async function newestView(dataDir: string, dir: string): Promise<JournalView | undefined | 'vanished'> {
  for (const [i, name] of (await journalNames(dir)).entries()) {
    const path = join(dir, name);
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'vanished';
      throw new InspectReadError(`cannot read ${path}`, { cause: err });
    }
    const h = decodeJournalHeader(bytes);
    if (h !== undefined && journalHeaderValid(h)) return viewOf(dataDir, path, bytes);
    if (i > 0 || bytes.byteLength > JOURNAL_HEADER_BYTES) return { ...emptyView(path), corrupt: { position: 0, reason: 'bad journal header' } };
  }
  return undefined;
}

function viewOf(dataDir: string, path: string, bytes: Uint8Array): JournalView {
  const scan = scanJournal(bytes);
  if (scan.kind === 'corrupt') return { ...emptyView(path), corrupt: { position: scan.position, reason: scan.reason } };
  const view = { ...emptyView(path), records: scan.records.length, cut: scan.cut, preallocatedBytes: scan.preallocatedBytes };
  const logs = new Set<string>();
  for (const r of scan.records) {
    const segment = join(dataDir, 'logs', sanitiseLogId(r.header.logId), segmentFileName(r.header.segmentBase));
    const list = view.redo.get(segment) ?? [];
    list.push({ position: r.header.position, data: r.data });
    view.redo.set(segment, list);
    logs.add(r.header.logId);
    view.bytes += r.data.byteLength;
  }
  return { ...view, logs: logs.size };
}

/** A segment's bytes with the journal's records applied, as redo would write them. */
export function applyRedo(bytes: Buffer, writes: readonly RedoWrite[] | undefined): Buffer {
  if (writes === undefined || writes.length === 0) return bytes;
  const size = writes.reduce((end, w) => Math.max(end, w.position + w.data.byteLength), bytes.byteLength);
  const out = Buffer.alloc(size);
  out.set(bytes, 0);
  for (const w of writes) out.set(w.data, w.position);
  return out;
}

/** One line for text output. */
export function describeJournal(j: JournalView): string {
  if (j.corrupt !== undefined) return `journal ${j.path}: CORRUPT at byte ${j.corrupt.position}: ${j.corrupt.reason} (opening refuses)`;
  const torn = j.cut === undefined ? '' : `; torn tail of ${j.cut.bytes} bytes at byte ${j.cut.position} would be cut`;
  const cut = j.preallocatedBytes > 0 ? `${torn}; preallocated ${j.preallocatedBytes} bytes past the last record` : torn;
  if (j.records === 0) return `journal ${j.path}: no records to redo${cut}`;
  return `journal ${j.path}: ${j.records} records for ${j.logs} logs, ${j.bytes} bytes that opening redoes (segments are shown with them applied)${cut}`;
}

export function journalJson(j: JournalView): Record<string, unknown> {
  return { path: j.path, records: j.records, logs: j.logs, bytes: j.bytes, cut: j.cut ?? null, corrupt: j.corrupt ?? null, preallocatedBytes: j.preallocatedBytes };
}

/** verify: damage opening would refuse is corruption; a torn tail or records to redo are warnings. */
export function journalFindings(j: JournalView, findings: Findings, missing: readonly string[]): void {
  const at = { logId: '(journal)', segment: j.path };
  if (j.corrupt !== undefined) findings.add({ severity: 'corruption', ...at, position: j.corrupt.position, message: `${j.corrupt.reason}: opening the store refuses` });
  if (j.cut !== undefined) findings.add({ severity: 'warning', ...at, position: j.cut.position, message: `torn journal tail: ${j.cut.bytes} bytes would be cut on open (${j.cut.reason})` });
  if (j.records > 0) findings.add({ severity: 'warning', ...at, message: `${j.records} records (${j.bytes} bytes, ${j.logs} logs) not yet checkpointed: opening redoes them; segments were checked with them applied` });
  for (const s of missing) findings.add({ severity: 'warning', ...at, message: `records for segment ${s}, which is missing: opening makes it again` });
}
