/**
 * The journal's recovery decision on its own (pure): a bad record in one of the last two rounds is
 * a torn write (out-of-order write-back of the two rounds that can be unsynced at a crash) and is
 * cut with everything after it; a bad record in an earlier round was covered by a completed
 * fdatasync and is corruption; a valid record out of order is corruption.
 */
import { describe, expect, it } from 'vitest';
import { encodeFrameHeader } from '../../src/wal/frame.js';
import { encodeJournalHeader, encodeRecordHeader, JOURNAL_HEADER_BYTES } from '../../src/wal/journal-format.js';
import { scanJournal } from '../../src/wal/journal-scan.js';

/** One record of `round`: two frames of log `logId`. */
function record(round: number, recordInRound: number, recordsInRound: number, logId: string): Buffer {
  const frames = [1, 2].map((i) => {
    const data = Buffer.from(`${logId}/${round}/${i}`.repeat(3));
    return Buffer.concat([encodeFrameHeader({ index: round * 10 + i, term: 1, type: 0, data }), data]);
  });
  const data = Buffer.concat(frames);
  const header = encodeRecordHeader(
    { round, recordInRound, recordsInRound, logId, segmentBase: 1, position: 24 + round * 1000, dataBytes: data.byteLength },
    Buffer.from(logId),
  );
  return Buffer.concat([header, data]);
}

/** A journal of `rounds` rounds of two records each; returns its bytes and where each record starts. */
function journal(rounds: number): { bytes: Buffer; starts: number[] } {
  const parts: Buffer[] = [Buffer.from(encodeJournalHeader(1))];
  const starts: number[] = [];
  let at = JOURNAL_HEADER_BYTES;
  for (let r = 1; r <= rounds; r++) {
    for (const [i, id] of ['p.a.0', 'p.b.0'].entries()) {
      const rec = record(r, i, 2, id);
      starts.push(at);
      parts.push(rec);
      at += rec.byteLength;
    }
  }
  return { bytes: Buffer.concat(parts), starts };
}

/** Zeroes 8 bytes inside the data of the record starting at `at` (a page that never reached the disk). */
function tear(bytes: Buffer, at: number): Buffer {
  const copy = Buffer.from(bytes);
  copy.fill(0, at + 60, at + 68);
  return copy;
}

describe('journal scan', () => {
  it('reads every record of an intact journal, in order', () => {
    const { bytes } = journal(4);
    const scan = scanJournal(bytes);
    expect(scan.kind).toBe('ok');
    if (scan.kind !== 'ok') return;
    expect(scan.records.map((r) => `${r.header.round}.${r.header.recordInRound}`)).toEqual(['1.0', '1.1', '2.0', '2.1', '3.0', '3.1', '4.0', '4.1']);
    expect(scan.cut).toBeUndefined();
  });

  it('cuts a torn record of the second-to-last round, discarding the valid records after it', () => {
    const { bytes, starts } = journal(4);
    const at = starts[5] ?? 0; // round 3, record 1
    const scan = scanJournal(tear(bytes, at));
    expect(scan).toMatchObject({ kind: 'ok', end: at, cut: { position: at, discardedRecords: 2 } });
    if (scan.kind === 'ok') expect(scan.records).toHaveLength(5);
  });

  it('cuts a torn first record of the last round', () => {
    const { bytes, starts } = journal(4);
    const at = starts[6] ?? 0;
    expect(scanJournal(tear(bytes, at))).toMatchObject({ kind: 'ok', cut: { position: at, discardedRecords: 1 } });
  });

  it('refuses a bad record two rounds before the last', () => {
    const { bytes, starts } = journal(4);
    const at = starts[3] ?? 0; // round 2: round 4 was written only after round 2's fdatasync returned
    const scan = scanJournal(tear(bytes, at));
    expect(scan).toMatchObject({ kind: 'corrupt', position: at });
    if (scan.kind === 'corrupt') expect(scan.reason).toMatch(/valid records up to round 4 after it/);
  });

  it('cuts a torn tail with nothing valid after it', () => {
    const { bytes, starts } = journal(3);
    const at = starts[5] ?? 0;
    const scan = scanJournal(bytes.subarray(0, at + 30));
    expect(scan).toMatchObject({ kind: 'ok', cut: { position: at, bytes: 30, discardedRecords: 0 } });
  });

  it('refuses a valid record out of order', () => {
    const { bytes, starts } = journal(3);
    const swapped = Buffer.concat([bytes.subarray(0, starts[2]), record(3, 0, 2, 'p.a.0'), bytes.subarray(starts[3])]);
    expect(scanJournal(swapped)).toMatchObject({ kind: 'corrupt', position: starts[2] });
  });
});
