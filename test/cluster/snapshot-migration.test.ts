/**
 * Migration 0002 on a data directory written by the format-1 build (committed fixture: a one-node
 * `__meta` with 22 events, a local snapshot at index 16 in the side file `raft/__meta.snap` and the
 * log's prefix before 15 deleted). Generated with the build of commit 54b323a; its image digest at
 * index 22 was recorded then (below).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cp, copyFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PassThrough } from 'node:stream';
import { ClassicLevel } from 'classic-level';
import type { PeerAddress } from '../../src/raft/transport/index.js';
import { loadLocalSnapshot } from '../../src/raft/driver/snapshot-store.js';
import { digest } from '../../src/state/index.js';
import { FORMAT_KEY, MIGRATION_KEY } from '../../src/wal/keys.js';
import { metaCommand } from '../../tools/inspect/meta.js';
import { raftCommand } from '../../tools/inspect/raft.js';
import { META, startMetaNode, stopMetaNode, type MetaNode } from './meta-host.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/v1-meta-snapshot-file', import.meta.url));
const FIXTURE_DIGEST = '506e944d65d9a6368977c4c05cfa1d5ef978320c00714c8324c8a8cdf7bc8f9c';
const TUNING = { tickMs: 0 };

async function inspectMetaJson(dir: string): Promise<{ digest: string; snapshotIndex: number; image: { appliedIndex: number } }> {
  const stdout = new PassThrough();
  const chunks: Buffer[] = [];
  stdout.on('data', (c: Buffer) => chunks.push(c));
  const code = await metaCommand([dir, '--json'], { stdout, stderr: new PassThrough(), progress: false, now: () => 0 });
  expect(code).toBe(0);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as { digest: string; snapshotIndex: number; image: { appliedIndex: number } };
}

async function inspectRaftJson(dir: string): Promise<{ logs: Array<{ logId: string; firstIndex: number | null; localSnapshot: unknown }> }> {
  const stdout = new PassThrough();
  const chunks: Buffer[] = [];
  stdout.on('data', (c: Buffer) => chunks.push(c));
  const code = await raftCommand([dir, '--json'], { stdout, stderr: new PassThrough(), progress: false, now: () => 0 });
  expect(code).toBe(0);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as { logs: Array<{ logId: string; firstIndex: number | null; localSnapshot: unknown }> };
}

async function snapFiles(dir: string): Promise<string[]> {
  return (await readdir(join(dir, 'raft'))).filter((f) => f.includes('.snap'));
}

describe('migration 0002: local snapshots move from side files into LevelDB', () => {
  let root = '';
  let node: MetaNode | undefined;
  afterEach(async () => {
    if (node !== undefined) await stopMetaNode(node);
    node = undefined;
    if (root !== '') await rm(root, { recursive: true, force: true });
  });

  async function open(dir: string): Promise<MetaNode> {
    node = await startMetaNode(0, dir, 0, new Map<number, PeerAddress>(), [0], TUNING);
    return node;
  }

  it('inspect meta reads a not yet migrated directory from its side file', async () => {
    root = await mkdtemp(join(tmpdir(), 'chronik-migrate-'));
    const dir = join(root, 'data');
    await cp(FIXTURE, dir, { recursive: true });
    const out = await inspectMetaJson(dir);
    expect(out.snapshotIndex).toBe(16);
    expect(out.digest).toBe(FIXTURE_DIGEST);
    const raft = await inspectRaftJson(dir);
    expect(raft.logs.find((l) => l.logId === META)).toMatchObject({ firstIndex: 15, localSnapshot: { index: 16, term: 1, source: 'side-file' } });
  });

  it('moves the snapshot, the node rebuilds the same image, and inspect reads it from LevelDB', async () => {
    root = await mkdtemp(join(tmpdir(), 'chronik-migrate-'));
    const dir = join(root, 'data');
    await cp(FIXTURE, dir, { recursive: true });
    expect(await snapFiles(dir)).toEqual(['__meta.snap']);
    const n = await open(dir);
    expect(n.restores).toEqual([{ index: 16, term: 1 }]);
    // Nothing else runs the group: the image is the snapshot plus the committed tail 17..22.
    await n.sm.waiters.waitForApplied(22, 5_000);
    expect(digest(n.sm.image)).toBe(FIXTURE_DIGEST);
    expect((await loadLocalSnapshot(n.wal.blobs, META))?.index).toBe(16);
    expect(await snapFiles(dir)).toEqual([]);
    await stopMetaNode(n);
    node = undefined;
    const out = await inspectMetaJson(dir);
    expect(out.snapshotIndex).toBe(16);
    expect(out.digest).toBe(FIXTURE_DIGEST);
    const raft = await inspectRaftJson(dir);
    expect(raft.logs.find((l) => l.logId === META)).toMatchObject({ firstIndex: 15, localSnapshot: { index: 16, term: 1, source: 'leveldb' } });
  });

  it('is idempotent: re-run after a crash between the LevelDB write and the unlink, same outcome', async () => {
    root = await mkdtemp(join(tmpdir(), 'chronik-migrate-'));
    const dir = join(root, 'data');
    await cp(FIXTURE, dir, { recursive: true });
    await stopMetaNode(await open(dir));
    node = undefined;
    // The crash: the side file is still there and the migration was not recorded.
    await copyFile(join(FIXTURE, 'raft', '__meta.snap'), join(dir, 'raft', '__meta.snap'));
    await copyFile(join(FIXTURE, 'raft', '__meta.snap'), join(dir, 'raft', '__meta.snap.tmp'));
    const db = new ClassicLevel<Buffer, Buffer>(join(dir, 'index'), { keyEncoding: 'buffer', valueEncoding: 'buffer' });
    await db.put(MIGRATION_KEY, Buffer.from('1'));
    await db.put(FORMAT_KEY, Buffer.from('1'));
    await db.close();
    const n = await open(dir);
    expect(await snapFiles(dir)).toEqual([]);
    expect(n.restores).toEqual([{ index: 16, term: 1 }]);
    await n.sm.waiters.waitForApplied(22, 5_000);
    expect(digest(n.sm.image)).toBe(FIXTURE_DIGEST);
  });
});
