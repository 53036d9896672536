/**
 * Reading a journal file on recovery: every valid record in order, a torn tail cut off, or
 * corruption. Pure: it gets the file's bytes. The decision follows the segments' table in spirit:
 * only the last two rounds can be unsynced at a crash (round N+1 is written while round N's
 * fdatasync runs; round N+2 is written only after round N's fdatasync returned), so a bad record is
 * a torn write only when it lies in one of the last two rounds of the file; anywhere earlier it was
 * covered by a completed fdatasync, and it is corruption — reported, never skipped.
 */
import { checkRecord, JOURNAL_HEADER_BYTES, RECORD_MAGIC, type RecordHeader } from './journal-format.js';
import { zeroSuffixStart } from './torn-tail.js';

export interface JournalRecord {
  header: RecordHeader;
  /** Where the record starts in the journal file. */
  filePosition: number;
  /** The bytes to write at header.position of the segment (a view into the file's bytes). */
  data: Uint8Array;
}

export interface JournalCut {
  position: number;
  bytes: number;
  reason: string;
  /** Valid records after the torn one (never acknowledged: their rounds came after it). */
  discardedRecords: number;
}

export type JournalScan =
  /**
   * `preallocatedBytes`: the all-zero hole past the last record (a preallocated file, prealloc.ts),
   * which is the journal's end, not a torn write: no record starts with a zero byte (RECORD_MAGIC).
   */
  | { kind: 'ok'; records: JournalRecord[]; end: number; cut: JournalCut | undefined; preallocatedBytes: number }
  | { kind: 'corrupt'; position: number; reason: string };

/** Scans the records of a journal whose header (JOURNAL_HEADER_BYTES) is already checked. */
export function scanJournal(bytes: Uint8Array): JournalScan {
  const records: JournalRecord[] = [];
  let at = JOURNAL_HEADER_BYTES;
  while (at < bytes.byteLength) {
    const c = checkRecord(bytes, at);
    const prev = records[records.length - 1];
    if (c.kind === 'ok') {
      const outOfOrder = orderProblem(prev?.header, c.header);
      if (outOfOrder !== undefined) return { kind: 'corrupt', position: at, reason: outOfOrder };
      records.push({ header: c.header, filePosition: at, data: bytes.subarray(c.dataAt, c.end) });
      at = c.end;
      continue;
    }
    if (zeroSuffixStart(bytes) <= at) return { kind: 'ok', records, end: at, cut: undefined, preallocatedBytes: bytes.byteLength - at };
    const after = validRecordsAfter(bytes, at + 1);
    const cut = { position: at, bytes: bytes.byteLength - at, reason: c.reason, discardedRecords: after.count };
    if (after.count === 0) return { kind: 'ok', records, end: at, cut, preallocatedBytes: 0 };
    const firstPossibleRound = prev === undefined ? 1 : lastOfRound(prev.header) ? prev.header.round + 1 : prev.header.round;
    if (firstPossibleRound >= after.maxRound - 1) return { kind: 'ok', records, end: at, cut, preallocatedBytes: 0 };
    return {
      kind: 'corrupt',
      position: at,
      reason: `${c.reason}, with valid records up to round ${after.maxRound} after it: a record of round ${firstPossibleRound} or earlier was covered by a completed fdatasync`,
    };
  }
  return { kind: 'ok', records, end: at, cut: undefined, preallocatedBytes: 0 };
}

function lastOfRound(h: RecordHeader): boolean {
  return h.recordInRound + 1 === h.recordsInRound;
}

/** Records are written round by round, in order: anything else is not a torn write. */
function orderProblem(prev: RecordHeader | undefined, h: RecordHeader): string | undefined {
  const expected =
    prev === undefined
      ? { round: 1, recordInRound: 0 }
      : lastOfRound(prev)
        ? { round: prev.round + 1, recordInRound: 0 }
        : { round: prev.round, recordInRound: prev.recordInRound + 1 };
  const sameCount = prev === undefined || lastOfRound(prev) || prev.recordsInRound === h.recordsInRound;
  if (h.round === expected.round && h.recordInRound === expected.recordInRound && h.recordInRound < h.recordsInRound && sameCount) return undefined;
  return `record ${h.recordInRound}/${h.recordsInRound} of round ${h.round} where record ${expected.recordInRound} of round ${expected.round} was expected`;
}

/**
 * Every valid record from `from` on, resynchronising byte by byte over damage. Bounded: each step
 * moves forward by at least one byte.
 */
function validRecordsAfter(bytes: Uint8Array, from: number): { count: number; maxRound: number } {
  let count = 0;
  let maxRound = 0;
  let p = from;
  while (p < bytes.byteLength) {
    if (bytes[p] !== RECORD_MAGIC) {
      p++;
      continue;
    }
    const c = checkRecord(bytes, p);
    if (c.kind !== 'ok') {
      p++;
      continue;
    }
    count++;
    maxRound = Math.max(maxRound, c.header.round);
    p = c.end;
  }
  return { count, maxRound };
}
