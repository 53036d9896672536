/** The per-log state record (not derived): kept in LevelDB as JSON under the log's `m` key. */
import { readU64, writeU64 } from './frame.js';
import type { HardState } from './entry.js';

export interface LogMeta {
  /** Epoch of the derived index keys; bumped to reset the index atomically. */
  epoch: number;
  /** Logical first index (prefix deletion may leave earlier entries in the first segment). */
  firstIndex: number;
  /** Term of entry firstIndex - 1 (Raft needs it for the consistency check). */
  prevTerm: number;
  /** Log start offset of a partition log as of the last prefix deletion or snapshot. */
  startOffset: number;
  snapshotIndex: number;
  snapshotTerm: number;
  /** Set while an installed snapshot's file reset is not yet finished (an intent record). */
  pendingReset: boolean;
}

export function defaultMeta(): LogMeta {
  return { epoch: 0, firstIndex: 1, prevTerm: 0, startOffset: 0, snapshotIndex: 0, snapshotTerm: 0, pendingReset: false };
}

export function encodeMeta(m: LogMeta): Buffer {
  return Buffer.from(JSON.stringify(m));
}

export function decodeMeta(buf: Uint8Array): LogMeta {
  const parsed: unknown = JSON.parse(Buffer.from(buf).toString('utf8'));
  const d = defaultMeta();
  if (typeof parsed !== 'object' || parsed === null) return d;
  const get = (k: keyof LogMeta): unknown => (parsed as Record<string, unknown>)[k];
  const num = (k: keyof LogMeta, fallback: number): number => {
    const v = get(k);
    return typeof v === 'number' && Number.isSafeInteger(v) ? v : fallback;
  };
  return {
    epoch: num('epoch', d.epoch),
    firstIndex: num('firstIndex', d.firstIndex),
    prevTerm: num('prevTerm', d.prevTerm),
    startOffset: num('startOffset', d.startOffset),
    snapshotIndex: num('snapshotIndex', d.snapshotIndex),
    snapshotTerm: num('snapshotTerm', d.snapshotTerm),
    pendingReset: get('pendingReset') === true,
  };
}

export function encodeHardState(hs: HardState): Buffer {
  const buf = Buffer.allocUnsafe(24);
  writeU64(buf, 0, hs.term);
  writeU64(buf, 8, hs.vote);
  writeU64(buf, 16, hs.commit);
  return buf;
}

export function decodeHardState(buf: Uint8Array): HardState {
  return { term: readU64(buf, 0), vote: readU64(buf, 8), commit: readU64(buf, 16) };
}
