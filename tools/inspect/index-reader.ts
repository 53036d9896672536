/** Reading one log's state and derived index keys from a LevelDB copy, through the WAL's key layout. */
import { LogKeys, logIdOfRegistryKey, readU64At, registryRange, type DerivedKind } from '../../src/wal/keys.js';
import { decodeHardState, decodeMeta, type LogMeta } from '../../src/wal/meta.js';
import type { HardState } from '../../src/wal/entry.js';
import type { IndexDb } from './leveldb-copy.js';

export interface IndexMarker {
  lastIndex: number;
  segmentBase: number;
  endPosition: number;
}

export interface LogIndexState {
  logId: string;
  keys: LogKeys;
  /** Undefined when the log has no meta record (never opened by a store, or its LevelDB was lost). */
  meta: LogMeta | undefined;
  hardState: HardState | undefined;
  marker: IndexMarker | undefined;
  snapshotBytes: number | undefined;
}

export async function registeredLogs(db: IndexDb, limit: number): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const [key, value] of db.iterator({ ...registryRange(), limit })) out.set(logIdOfRegistryKey(key), value.toString('utf8'));
  return out;
}

export async function readLogIndexState(db: IndexDb, logId: string): Promise<LogIndexState> {
  const keys = new LogKeys(logId);
  const metaBuf = await db.get(keys.meta);
  const meta = metaBuf === undefined ? undefined : decodeMeta(metaBuf);
  const hardBuf = await db.get(keys.hard);
  const hardState = hardBuf !== undefined && hardBuf.length >= 24 ? decodeHardState(hardBuf) : undefined;
  const markerBuf = meta === undefined ? undefined : await db.get(keys.marker(meta.epoch));
  const marker =
    markerBuf !== undefined && markerBuf.length >= 24
      ? { lastIndex: readU64At(markerBuf, 0), segmentBase: readU64At(markerBuf, 1), endPosition: readU64At(markerBuf, 2) }
      : undefined;
  const snap = await db.get(keys.snap);
  return { logId, keys, meta, hardState, marker, snapshotBytes: snap?.length };
}

export interface DerivedKey {
  n1: number;
  /** Second key number ('x' keys: the timestamp). */
  n2: number | undefined;
  /** The value's u64 slots. */
  values: number[];
}

/** Derived keys of one kind in one epoch, in key order; at most `limit`. */
export async function readDerived(db: IndexDb, state: LogIndexState, epoch: number, kind: DerivedKind, limit: number): Promise<DerivedKey[]> {
  const out: DerivedKey[] = [];
  for await (const [key, value] of db.iterator({ ...state.keys.kindRange(epoch, kind), limit })) {
    const values: number[] = [];
    for (let slot = 0; (slot + 1) * 8 <= value.length; slot++) values.push(readU64At(value, slot));
    out.push({ n1: state.keys.n1(key), n2: kind === 'x' ? state.keys.n2(key) : undefined, values });
  }
  return out;
}
