/**
 * Recovery of the redo journal, on WalStore.open before any log is opened: the newest journal's
 * valid records are written again at their positions in their segments (creating a segment file
 * whose name is missing), the touched files are fdatasync'd, and the caller then starts the next
 * journal and removes the old ones. Afterwards every segment holds every byte of every durable
 * round, so each log's own recovery (torn tail, index marker) works as without a journal.
 */
import type { Logger } from 'pino';
import type { FileHandle, FileIO } from './file-io.js';
import { decodeJournalHeader, JOURNAL_HEADER_BYTES, JOURNAL_VERSION, journalHeaderValid, parseJournalFileName } from './journal-format.js';
import { scanJournal, type JournalRecord } from './journal-scan.js';
import { encodeSegmentHeader, segmentFileName } from './frame.js';
import { sanitiseLogId } from './segment-files.js';
import { WalCorruptionError, WalVersionError } from './errors.js';

export interface RedoOutcome {
  /** Sequence number for the next journal file. */
  nextSeq: number;
  /** Every journal file found (all of them are obsolete once the next one is durable). */
  oldFiles: string[];
}

/** The journal directory of a data directory. */
export function journalDir(dataDir: string): string {
  return `${dataDir}/journal`;
}

/** Reads a whole file; bounded by its size (a journal is at most its checkpoint bound plus one round). */
export async function readWhole(io: FileIO, path: string): Promise<Uint8Array> {
  const fd = await io.open(path, { create: false });
  try {
    const bytes = Buffer.allocUnsafe(await io.size(fd));
    let got = 0;
    while (got < bytes.byteLength) {
      const n = await io.read(fd, bytes.subarray(got), got);
      if (n === 0) break;
      got += n;
    }
    return bytes.subarray(0, got);
  } finally {
    await io.close(fd);
  }
}

/** Journal file names in `dir`, newest first. */
export async function listJournals(io: FileIO, dir: string): Promise<Array<{ seq: number; path: string }>> {
  const found: Array<{ seq: number; path: string }> = [];
  for (const name of await io.readdir(dir)) {
    const seq = parseJournalFileName(name);
    if (seq !== undefined) found.push({ seq, path: `${dir}/${name}` });
  }
  return found.sort((a, b) => b.seq - a.seq);
}

/**
 * The newest journal whose header is whole. A newest file holding no more than a torn header was
 * being created by a checkpoint (after it had fdatasync'd every segment), so the one before it is
 * still the journal to redo. Anything else wrong with a header is corruption.
 */
async function newestJournal(io: FileIO, files: Array<{ seq: number; path: string }>): Promise<{ path: string; bytes: Uint8Array } | undefined> {
  for (const [i, f] of files.entries()) {
    const bytes = await readWhole(io, f.path);
    const h = decodeJournalHeader(bytes);
    if (h !== undefined && journalHeaderValid(h)) {
      if (h.version > JOURNAL_VERSION) throw new WalVersionError(`journal ${f.path}`, h.version, JOURNAL_VERSION);
      return { path: f.path, bytes };
    }
    if (i > 0 || bytes.byteLength > JOURNAL_HEADER_BYTES) {
      throw new WalCorruptionError({ logId: '(journal)', segment: f.path, position: 0, reason: 'bad journal header' });
    }
  }
  return undefined;
}

export async function redoJournal(io: FileIO, dataDir: string, logger: Logger): Promise<RedoOutcome> {
  const dir = journalDir(dataDir);
  await io.mkdir(dir);
  const files = await listJournals(io, dir);
  const outcome = { nextSeq: (files[0]?.seq ?? 0) + 1, oldFiles: files.map((f) => f.path) };
  const journal = await newestJournal(io, files);
  if (journal === undefined) return outcome;
  const scan = scanJournal(journal.bytes);
  if (scan.kind === 'corrupt') {
    throw new WalCorruptionError({ logId: '(journal)', segment: journal.path, position: scan.position, reason: scan.reason });
  }
  if (scan.cut !== undefined) logger.warn({ journal: journal.path, ...scan.cut }, 'cut a torn journal tail');
  if (scan.records.length > 0) {
    const created = await applyRecords(io, dataDir, scan.records);
    const logs = new Set(scan.records.map((r) => r.header.logId)).size;
    const bytes = scan.records.reduce((sum, r) => sum + r.data.byteLength, 0);
    logger.info({ journal: journal.path, records: scan.records.length, logs, bytes, createdSegments: created }, 'redid the journal');
  }
  return outcome;
}

/** Writes every record's bytes at its position, in order; fdatasyncs what it touched. */
async function applyRecords(io: FileIO, dataDir: string, records: readonly JournalRecord[]): Promise<number> {
  const open = new Map<string, FileHandle>();
  const created: string[] = [];
  try {
    for (const r of records) {
      const logDir = `${dataDir}/logs/${sanitiseLogId(r.header.logId)}`;
      const path = `${logDir}/${segmentFileName(r.header.segmentBase)}`;
      let fd = open.get(path);
      if (fd === undefined) {
        fd = await openOrCreateSegment(io, logDir, path, r.header.segmentBase, created);
        open.set(path, fd);
      }
      await io.write(fd, [r.data], r.header.position);
    }
    for (const fd of open.values()) await io.datasync(fd);
    for (const d of new Set(created)) await io.syncDir(d);
    if (created.length > 0) await io.syncDir(`${dataDir}/logs`);
  } finally {
    for (const fd of open.values()) await io.close(fd);
  }
  return created.length;
}

/**
 * A segment named by a record whose file is missing is made again with its header (its frames come
 * from the journal): the journal holds bytes that were acknowledged, and they must not be dropped.
 */
async function openOrCreateSegment(io: FileIO, logDir: string, path: string, base: number, created: string[]): Promise<FileHandle> {
  if ((await io.stat(path)) !== undefined) return io.open(path, { create: false });
  await io.mkdir(logDir);
  const fd = await io.open(path, { create: true });
  await io.write(fd, [encodeSegmentHeader(base)], 0);
  created.push(logDir);
  return fd;
}
