/**
 * Builds real data directories for the inspect tests with the real WAL: a `__meta` log (normal and
 * configuration entries over several terms) and a partition log of real Kafka record batches, both
 * with small segments so that they span several files.
 */
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WalStore, type Entry } from '../../src/wal/index.js';
import { buildRecordBatch } from '../../src/kafka/record-batch/index.js';
import { silentLogger } from '../../src/util/logger.js';

export const META_LOG = '__meta';
export const PARTITION_LOG = 'p.orders/eu.0';
export const SEGMENT_BYTES = 4096;
export const META_ENTRIES = 60;
export const PARTITION_BATCHES = 40;
export const RECORDS_PER_BATCH = 3;
export const BASE_TIMESTAMP = 1_700_000_000_000;

export async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'chronik-inspect-test-'));
}

export function metaEntries(): Entry[] {
  return Array.from({ length: META_ENTRIES }, (_, i) => ({
    index: i + 1,
    term: 1 + Math.floor(i / 20),
    type: i % 25 === 0 ? 1 : 0,
    data: Buffer.from(`meta event ${i + 1} `.repeat(4)),
  }));
}

export function partitionBatch(i: number): Buffer {
  return buildRecordBatch({
    baseOffset: i * RECORDS_PER_BATCH,
    baseTimestamp: BASE_TIMESTAMP + i * 10,
    producerId: 7,
    producerEpoch: 1,
    baseSequence: i * RECORDS_PER_BATCH,
    records: Array.from({ length: RECORDS_PER_BATCH }, (_, r) => ({
      key: Buffer.from(`key-${i}-${r}`),
      value: r === 2 ? Buffer.from([0, 1, 2, 0xff]) : Buffer.from(`value ${i}/${r} ${'x'.repeat(40)}`),
      headers: [{ key: 'h', value: Buffer.from('hv') }],
      timestamp: BASE_TIMESTAMP + i * 10 + r,
    })),
  });
}

export function partitionEntries(): Entry[] {
  return Array.from({ length: PARTITION_BATCHES }, (_, i) => ({ index: i + 1, term: 2, type: 2, data: partitionBatch(i) }));
}

/** Opens a store on `dir` with both logs filled; the caller closes it (or keeps it open). */
export async function openFilledStore(dir: string): Promise<WalStore> {
  const store = await WalStore.open({ dir, logger: silentLogger(), fsync: 'never', segmentBytes: SEGMENT_BYTES, indexIntervalBytes: 1024 });
  const meta = await store.openLog(META_LOG, { kind: 'raft' });
  await meta.append(metaEntries());
  await meta.saveHardState({ term: 3, vote: 2, commit: 55 });
  const part = await store.openLog(PARTITION_LOG, { kind: 'partition' });
  await part.append(partitionEntries());
  await part.saveHardState({ term: 2, vote: 0, commit: 40 });
  return store;
}

export async function buildDataDir(): Promise<string> {
  const dir = await tempDir();
  const store = await openFilledStore(dir);
  await store.close();
  return dir;
}

/** A digest of every file's path, size, mtime and contents under `dir`. */
export async function hashTree(dir: string): Promise<string> {
  const h = createHash('sha256');
  const walk = async (d: string): Promise<void> => {
    for (const name of (await readdir(d)).sort()) {
      const p = join(d, name);
      const st = await stat(p);
      h.update(`${p}\0${st.size}\0${st.mtimeMs}\0`);
      if (st.isDirectory()) await walk(p);
      else h.update(await readFile(p));
    }
  };
  await walk(dir);
  return h.digest('hex');
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}
