/**
 * The node-wide redo journal (docs/wal-format.md, "The redo journal"). A sync round that writes to
 * two or more logs also appends, in ONE writev, a record per segment write — a header naming the
 * log, segment and position, then the very buffers the round wrote there — and ONE fdatasync of the
 * journal makes the whole round durable: its segments are not fdatasync'd. Before the journal grows
 * past its bound, and before anything rewrites or closes a log it holds records of, a checkpoint
 * fdatasyncs every segment written since the last one and starts the next journal file.
 */
import type { Logger } from 'pino';
import type { FileHandle, FileIO } from './file-io.js';
import { encodeJournalHeader, encodeRecordHeader, JOURNAL_HEADER_BYTES, journalFileName } from './journal-format.js';
import { FRAME_HEADER_BYTES } from './frame.js';
import { assert } from '../util/assert.js';
import { preallocationTarget } from './prealloc.js';

/** One segment write of a round, as the journal records it. */
export interface JournalPart {
  logId: string;
  segmentBase: number;
  segmentFd: FileHandle;
  position: number;
  /** Exactly what the round wrote at `position` (the same buffers, not copies). */
  buffers: readonly Uint8Array[];
  bytes: number;
  /** Poisons the part's log: a checkpoint could not make its segment durable. */
  fail: (err: Error) => void;
}

/**
 * The bytes a group's writev left in its segment, as a buffer list without copies: each staged part
 * (a frame header, or header and copied payload), then the payload when it was not copied (a
 * staged part shorter than its frame). Parts adjacent in one staging chunk are joined into one view,
 * so a round of many small frames stays a few iovecs.
 */
export function writtenBytes(staged: readonly Uint8Array[], entries: ReadonlyArray<{ data: Uint8Array }>): Uint8Array[] {
  const out: Uint8Array[] = [];
  staged.forEach((part, i) => {
    const prev = out[out.length - 1];
    if (prev !== undefined && prev.buffer === part.buffer && prev.byteOffset + prev.byteLength === part.byteOffset) {
      out[out.length - 1] = new Uint8Array(prev.buffer, prev.byteOffset, prev.byteLength + part.byteLength);
    } else out.push(part);
    const data = entries[i]?.data;
    assert(data !== undefined, 'a staged frame per entry');
    if (part.byteLength === FRAME_HEADER_BYTES && data.byteLength > 0) out.push(data);
  });
  return out;
}

/** Default bound on a journal file before a checkpoint starts the next one. */
export const DEFAULT_JOURNAL_CHECKPOINT_BYTES = 64 * 1024 * 1024;

/**
 * An open journal file: the handle rounds write through, and a second open file description of the
 * same file. Rounds are pipelined, so round N+1's fdatasync can run while round N's does; when the
 * disk fails a write, Linux reports the error once per open file description (errseq), to whichever
 * of the overlapping fdatasyncs checks first. Through one description round N's could then return
 * success for pages that were lost and round N is acknowledged; through alternating descriptions
 * both see the error. (Serialising the two fdatasyncs instead cost ~5 % of the 100-group Raft
 * throughput, docs/wal-format.md.)
 */
interface JournalFile {
  /** The two open file descriptions; rounds write through the first. */
  syncFds: readonly [FileHandle, FileHandle];
  path: string;
}

/** Creates journal file `seq` with its header, durable (file and directory) before it is used. */
export async function createJournalFile(io: FileIO, dir: string, seq: number): Promise<JournalFile> {
  const path = `${dir}/${journalFileName(seq)}`;
  const fd = await io.open(path, { create: true });
  await io.truncate(fd, 0);
  await io.write(fd, [encodeJournalHeader(seq)], 0);
  await io.datasync(fd);
  await io.syncDir(dir);
  // Opened before any round is written: a description reports only errors raised after it opened.
  try {
    return { syncFds: [fd, await io.open(path, { create: false })], path };
  } catch (err) {
    await io.close(fd).catch(() => undefined);
    throw err;
  }
}

export class Journal {
  private round = 0;
  private size = JOURNAL_HEADER_BYTES;
  /** The file's size on disk: `size`, or more once preallocated (prealloc.ts). */
  private allocated = JOURNAL_HEADER_BYTES;
  /** Which of the file's two descriptions the next fdatasync goes through (see JournalFile). */
  private nextSync = 0;
  /** Segments written by journaled rounds since the last checkpoint: the checkpoint fdatasyncs them. */
  private readonly touched = new Map<FileHandle, JournalPart['fail']>();
  /** Log id → bases of the segments this file holds records for. */
  private readonly logSegments = new Map<string, Set<number>>();
  /**
   * A write or fdatasync of this file failed: the kernel may have dropped its pages, so no later
   * round trusts it (they fdatasync their segments); the next checkpoint starts a fresh file.
   */
  failed: Error | undefined;
  /**
   * A checkpoint's segment fdatasync failed: this file holds the only durable copy of what that
   * segment lost, so it is never replaced in this process (reopening the store redoes it).
   */
  broken: Error | undefined;

  private constructor(
    private readonly io: FileIO,
    private readonly dir: string,
    private seq: number,
    private file: JournalFile,
    private readonly logger: Logger,
    /** Preallocation step (prealloc.ts); 0: off. */
    private readonly preallocateBytes: number,
  ) {}

  /** Starts journal file `seq` (recovery has redone and removed every older one). */
  static async start(io: FileIO, dir: string, seq: number, logger: Logger, preallocateBytes = 0): Promise<Journal> {
    return new Journal(io, dir, seq, await createJournalFile(io, dir, seq), logger, preallocateBytes);
  }

  private get path(): string {
    return this.file.path;
  }

  get sizeBytes(): number {
    return this.size;
  }
  get usable(): boolean {
    return this.failed === undefined && this.broken === undefined;
  }
  /**
   * Whether this file holds records of `logId` — for one of `segmentBases` when given. Then cutting,
   * removing or closing those segments needs a checkpoint first.
   */
  holds(logId: string, segmentBases?: readonly number[]): boolean {
    const bases = this.logSegments.get(logId);
    if (bases === undefined) return false;
    return segmentBases === undefined || segmentBases.some((b) => bases.has(b));
  }
  get empty(): boolean {
    return this.round === 0;
  }

  /**
   * Appends one round's records in one writev. Positions are taken synchronously, so a round
   * written while the previous one's fdatasync runs lands after it. Bounded: one record per part.
   */
  async write(parts: readonly JournalPart[]): Promise<void> {
    assert(this.usable, 'journal write after a failure');
    const round = ++this.round;
    const buffers: Uint8Array[] = [];
    let bytes = 0;
    parts.forEach((p, i) => {
      const header = encodeRecordHeader(
        { round, recordInRound: i, recordsInRound: parts.length, logId: p.logId, segmentBase: p.segmentBase, position: p.position, dataBytes: p.bytes },
        Buffer.from(p.logId, 'utf8'),
      );
      buffers.push(header);
      for (const b of p.buffers) buffers.push(b);
      bytes += header.byteLength + p.bytes;
      this.touched.set(p.segmentFd, p.fail);
      const bases = this.logSegments.get(p.logId) ?? new Set<number>();
      bases.add(p.segmentBase);
      this.logSegments.set(p.logId, bases);
    });
    const at = this.size;
    this.size += bytes;
    // Taken synchronously like the position: a later round never issues a smaller target.
    const target = preallocationTarget(this.allocated, this.size, this.preallocateBytes, Number.MAX_SAFE_INTEGER);
    if (target !== undefined) this.allocated = target;
    try {
      // Before the write, so that this round's fdatasync makes the new size durable with it.
      if (target !== undefined) await this.io.truncate(this.file.syncFds[0], target);
      await this.io.write(this.file.syncFds[0], buffers, at);
    } catch (err) {
      throw this.fail(err);
    }
  }

  async sync(): Promise<void> {
    const fd = this.file.syncFds[this.nextSync] as FileHandle;
    this.nextSync = 1 - this.nextSync;
    try {
      await this.io.datasync(fd);
    } catch (err) {
      throw this.fail(err);
    }
  }

  private fail(err: unknown): Error {
    const e = err instanceof Error ? err : new Error(String(err));
    this.failed ??= e;
    this.logger.error({ err: e, journal: this.path }, 'journal write or fdatasync failed; rounds fdatasync their segments until the next checkpoint');
    return e;
  }

  /**
   * Makes every journaled byte durable in its segment, then replaces this file by the next one.
   * The caller guarantees that no round is in flight. A failed segment fdatasync breaks the journal
   * (see `broken`) and poisons that segment's log.
   */
  async checkpoint(): Promise<void> {
    if (this.broken !== undefined) throw this.broken;
    if (this.round === 0 && this.failed === undefined) return;
    const syncs = [...this.touched].map(async ([fd, fail]) => {
      try {
        await this.io.datasync(fd);
      } catch (err) {
        const e = err instanceof Error ? err : new Error(String(err));
        this.broken ??= e;
        fail(e);
      }
    });
    await Promise.all(syncs);
    if (this.broken !== undefined) {
      this.logger.error({ err: this.broken, journal: this.path }, 'checkpoint could not fdatasync a segment; the journal is kept for recovery (reopen the store)');
      throw this.broken;
    }
    let next: JournalFile;
    try {
      next = await createJournalFile(this.io, this.dir, this.seq + 1);
    } catch (err) {
      // The old file stays valid (its segments are durable now); rounds stop journaling into it.
      throw this.fail(err);
    }
    const old = this.file;
    this.file = next;
    this.nextSync = 0;
    this.seq += 1;
    this.round = 0;
    this.size = JOURNAL_HEADER_BYTES;
    this.allocated = JOURNAL_HEADER_BYTES;
    this.failed = undefined;
    this.touched.clear();
    this.logSegments.clear();
    // The unlink need not be durable: recovery redoes only the newest file (and removes older ones).
    for (const fd of old.syncFds) await this.io.close(fd);
    await this.io.unlink(old.path);
  }

  /**
   * A log closes although a checkpoint could not run: its journaled segments are fdatasync'd and
   * forgotten before their files close (a later checkpoint must not sync a closed handle). Their
   * records stay: redoing them rewrites the same bytes. A failed fdatasync breaks the journal.
   */
  async release(fds: readonly FileHandle[]): Promise<void> {
    if (this.broken !== undefined) return;
    for (const fd of fds) {
      const fail = this.touched.get(fd);
      if (fail === undefined) continue;
      try {
        await this.io.datasync(fd);
      } catch (err) {
        this.broken = err instanceof Error ? err : new Error(String(err));
        fail(this.broken);
        throw this.broken;
      }
      this.touched.delete(fd);
    }
  }

  /**
   * Trims the preallocated hole (an older build then reads an exact file) and closes. The trim
   * need not be durable: a hole that comes back after a crash is read as the journal's end.
   */
  async close(): Promise<void> {
    const [fd] = this.file.syncFds;
    if (this.allocated > this.size && this.usable) await this.io.truncate(fd, this.size).catch((err: unknown) => this.logger.warn({ err, journal: this.path }, 'could not trim the journal file'));
    for (const f of this.file.syncFds) await this.io.close(f);
  }
}
