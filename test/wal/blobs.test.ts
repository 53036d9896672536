import { afterEach, describe, expect, it } from 'vitest';
import { ClassicLevel } from 'classic-level';
import { FaultyFileIO, WalStore } from '../../src/wal/index.js';
import { blobKey, decodeBlob, encodeBlob } from '../../src/wal/blobs.js';
import { StorageError } from '../../src/util/errors.js';
import { logger, memoryDb, tempDir } from './helpers.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('WalStore blobs', () => {
  it('survive a reopen of the store (real LevelDB on disk) and are replaced whole', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const a = await WalStore.open({ dir, logger });
    await a.blobs.put('__meta', 'snapshot', Buffer.from('first'));
    await a.blobs.put('__meta', 'snapshot', Buffer.from('second, longer'));
    await a.blobs.put('p.t-0', 'snapshot', Buffer.from('other log'));
    await a.close();
    const b = await WalStore.open({ dir, logger });
    cleanups.push(() => b.close());
    expect((await b.blobs.get('__meta', 'snapshot'))?.toString()).toBe('second, longer');
    expect((await b.blobs.get('p.t-0', 'snapshot'))?.toString()).toBe('other log');
    expect(await b.blobs.get('__meta', 'missing')).toBeUndefined();
    await b.blobs.delete('__meta', 'snapshot');
    expect(await b.blobs.get('__meta', 'snapshot')).toBeUndefined();
  });

  it('go with their log: deleteLog removes them, other logs keep theirs', async () => {
    const db = memoryDb();
    const store = await WalStore.open({ dir: '/data', logger, db, fileIO: new FaultyFileIO() });
    cleanups.push(() => store.close());
    await store.openLog('a');
    await store.openLog('ab');
    await store.blobs.put('a', 'snapshot', Buffer.from('A'));
    await store.blobs.put('ab', 'snapshot', Buffer.from('AB'));
    await store.deleteLog('a');
    expect(await store.blobs.get('a', 'snapshot')).toBeUndefined();
    expect((await store.blobs.get('ab', 'snapshot'))?.toString()).toBe('AB');
  });

  it('refuse a damaged value with a StorageError instead of returning it', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const store = await WalStore.open({ dir, logger });
    await store.blobs.put('__meta', 'snapshot', Buffer.from('payload'));
    await store.close();
    const db = new ClassicLevel<Buffer, Buffer>(`${dir}/index`, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
    const value = Buffer.from((await db.get(blobKey('__meta', 'snapshot'))) ?? []);
    value[value.length - 1] = (value[value.length - 1] ?? 0) ^ 0xff;
    await db.put(blobKey('__meta', 'snapshot'), value);
    await db.close();
    const reopened = await WalStore.open({ dir, logger });
    cleanups.push(() => reopened.close());
    await expect(reopened.blobs.get('__meta', 'snapshot')).rejects.toBeInstanceOf(StorageError);
  });

  it('encode as version | crc32c | body, and the body comes back as a view', () => {
    const enc = encodeBlob(Buffer.from('xyz'));
    expect(enc[0]).toBe(1);
    expect(enc.byteLength).toBe(8);
    expect(decodeBlob(enc, 't').toString()).toBe('xyz');
    expect(() => decodeBlob(Buffer.from([2, 0, 0, 0, 0]), 't')).toThrow(/bad blob header/);
    expect(() => decodeBlob(Buffer.alloc(3), 't')).toThrow(StorageError);
  });
});
