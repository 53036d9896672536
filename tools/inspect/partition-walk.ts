/**
 * The pass over one partition log that `partition` prints from: Kafka batches (type-2 entries) in
 * log order, with where the committed ones end. Bounded memory: the walk pauses every
 * FRAMES_PER_CHUNK frames so the printer can drain, as dump does.
 */
import { EntryType } from '../../src/wal/entry.js';
import { FRAME_HEADER_BYTES, SEGMENT_HEADER_BYTES } from '../../src/wal/frame.js';
import { summariseBatch } from './kafka.js';
import type { Printer } from './output.js';
import { readSegmentBytes, type LogTarget, type SegmentFile } from './target.js';
import { walkFrames, type Damage, type WalkedFrame } from './walk.js';

const FRAMES_PER_CHUNK = 1000;

export interface PartitionTotals {
  batches: number;
  records: number;
  /** Frames with a bad CRC, unreadable regions, and batches whose own CRC is wrong. */
  damaged: number;
  /** The offset after the last committed, intact batch; undefined when none was seen. */
  committedEnd: number | undefined;
  /** The offset after the last intact batch, committed or not. */
  logEnd: number | undefined;
}

export interface BatchSink {
  /** Entries past this index are not committed; undefined when the commit index is unknown. */
  commit: number | undefined;
  /** Entries before the log's first index lie in a segment opening would delete: not shown. */
  firstIndex: number;
  batch(seg: SegmentFile, f: WalkedFrame, committed: boolean): void;
  damage(seg: SegmentFile, d: Damage): void;
}

export function emptyTotals(): PartitionTotals {
  return { batches: 0, records: 0, damaged: 0, committedEnd: undefined, logEnd: undefined };
}

function isCommitted(sink: BatchSink, index: number): boolean {
  return sink.commit === undefined || index <= sink.commit;
}

/** Counts one type-2 frame; only intact batches move the end offsets. */
function countBatch(t: PartitionTotals, f: WalkedFrame, committed: boolean): void {
  t.batches++;
  const s = summariseBatch(f.payload);
  if (!f.crcOk || !s.ok || !s.batch.crcOk) {
    // A bad frame CRC was already counted as damage; a bad batch CRC under a good frame CRC was not.
    if (f.crcOk) t.damaged++;
    return;
  }
  t.records += s.batch.recordCount;
  t.logEnd = s.batch.lastOffset + 1;
  if (committed) t.committedEnd = s.batch.lastOffset + 1;
}

function visitor(seg: SegmentFile, sink: BatchSink, t: PartitionTotals, chunk: { frames: number; next: number | undefined }): Parameters<typeof walkFrames>[1] {
  return {
    frame: (f) => {
      if (f.header.type === EntryType.KAFKA_BATCH && f.header.index >= sink.firstIndex) {
        const committed = isCommitted(sink, f.header.index);
        countBatch(t, f, committed);
        sink.batch(seg, f, committed);
      }
      if (++chunk.frames < FRAMES_PER_CHUNK) return true;
      chunk.next = f.position + FRAME_HEADER_BYTES + f.header.length;
      return false;
    },
    damage: (d) => {
      t.damaged++;
      sink.damage(seg, d);
      return true;
    },
  };
}

async function walkSegment(p: Printer, seg: SegmentFile, sink: BatchSink, t: PartitionTotals, lastSegment: boolean): Promise<void> {
  const bytes = await readSegmentBytes(seg);
  let start: number | undefined = SEGMENT_HEADER_BYTES;
  while (start !== undefined) {
    const chunk: { frames: number; next: number | undefined } = { frames: 0, next: undefined };
    walkFrames(bytes, visitor(seg, sink, t, chunk), start, lastSegment);
    start = chunk.next;
    await p.flush();
  }
}

/** Walks every segment of the log, feeding `sink`; returns the totals. */
export async function walkPartition(p: Printer, log: LogTarget, sink: BatchSink): Promise<PartitionTotals> {
  const totals = emptyTotals();
  for (const seg of log.segments) await walkSegment(p, seg, sink, totals, seg.path === log.lastSegmentPath);
  return totals;
}
