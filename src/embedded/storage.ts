import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryLevel } from 'memory-level';
import { FaultyFileIO, type FileIO, type WalDb } from '../wal/index.js';
import type { ResolvedOptions } from './options.js';

/** What one node's WAL runs on; the same object is handed to every restart of that node. */
export interface NodeStorage {
  readonly dataDir: string;
  /** Set in memory mode: the in-memory file layer and LevelDB, kept across restarts like a disk. */
  readonly memory?: { readonly fileIO: FileIO; readonly db: WalDb & { close(): Promise<void> } };
}

/** The cluster's storage root; `owned` roots (temp dirs) are removed on stop. */
export interface ClusterStorage {
  readonly root: string;
  readonly owned: boolean;
  readonly nodes: readonly NodeStorage[];
}

export async function openClusterStorage(options: ResolvedOptions): Promise<ClusterStorage> {
  const owned = options.dataDir === undefined;
  // Memory mode still gets a (small, owned) temp root: the __meta group's Raft snapshot file is
  // written by the Raft driver directly, not through the WAL's file layer.
  const root = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'chronik-')));
  const nodes = Array.from({ length: options.nodes }, (_, id): NodeStorage => {
    const dataDir = join(root, `node-${id}`);
    if (options.storage === 'disk') return { dataDir };
    return { dataDir, memory: { fileIO: new FaultyFileIO(), db: new MemoryLevel<Buffer, Buffer>({ keyEncoding: 'buffer', valueEncoding: 'buffer' }) } };
  });
  return { root, owned, nodes };
}

export async function closeClusterStorage(storage: ClusterStorage): Promise<void> {
  await Promise.all(storage.nodes.map((n) => n.memory?.db.close()));
  if (storage.owned) await rm(storage.root, { recursive: true, force: true, maxRetries: 3 });
}
