import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaultyFileIO, NodeFileIO, type FileIO } from '../../src/wal/index.js';
import { tempDir } from './helpers.js';

/** One contract, two implementations: the in-memory layer must behave like the real one. */
function contract(name: string, make: () => Promise<{ io: FileIO; root: string; done: () => Promise<void> }>): void {
  describe(`FileIO contract: ${name}`, () => {
    let io: FileIO;
    let root: string;
    let done: () => Promise<void>;
    beforeAll(async () => {
      ({ io, root, done } = await make());
    });
    afterAll(async () => done());

    it('creates, writes buffer lists positionally, reads sync and async', async () => {
      await io.mkdir(`${root}/a/b`);
      const fd = await io.open(`${root}/a/b/f`, { create: true });
      await io.write(fd, [Buffer.from('hello '), Buffer.alloc(0), Buffer.from('world')], 0);
      await io.write(fd, [Buffer.from('W')], 6);
      expect(await io.size(fd)).toBe(11);
      const buf = Buffer.alloc(20);
      const n = await io.read(fd, buf, 0);
      expect(buf.subarray(0, n).toString()).toBe('hello World');
      const small = Buffer.alloc(5);
      expect(io.readSync(fd, small, 6)).toBe(5);
      expect(small.toString()).toBe('World');
      expect(io.readSync(fd, Buffer.alloc(4), 100)).toBe(0);
      await io.datasync(fd);
      await io.truncate(fd, 5);
      expect(await io.size(fd)).toBe(5);
      await io.close(fd);
      expect(await io.stat(`${root}/a/b/f`)).toEqual({ sizeBytes: 5, isDirectory: false });
      expect((await io.stat(`${root}/a`))?.isDirectory).toBe(true);
      expect(await io.stat(`${root}/nope`)).toBeUndefined();
    });

    it('a dsync handle writes and reads like any other; a plain handle sees its bytes', async () => {
      await io.mkdir(`${root}/s`);
      const fd = await io.open(`${root}/s/f`, { create: true, dsync: true });
      await io.write(fd, [Buffer.from('head'), Buffer.from('-tail')], 0);
      await io.write(fd, [Buffer.from('!')], 9);
      const other = await io.open(`${root}/s/f`, { create: false });
      const buf = Buffer.alloc(16);
      expect(buf.subarray(0, await io.read(other, buf, 0)).toString()).toBe('head-tail!');
      await io.truncate(fd, 4);
      await io.datasync(fd);
      expect(await io.size(other)).toBe(4);
      await io.close(other);
      await io.close(fd);
    });

    it('truncate grows a file with a hole that reads as zeros; writes inside it keep the size', async () => {
      await io.mkdir(`${root}/g`);
      const fd = await io.open(`${root}/g/f`, { create: true });
      await io.write(fd, [Buffer.from('abcdef')], 0);
      await io.truncate(fd, 3);
      await io.truncate(fd, 1 << 20);
      expect(await io.size(fd)).toBe(1 << 20);
      const buf = Buffer.alloc(8, 0xff);
      expect(await io.read(fd, buf, 0)).toBe(8);
      // The bytes cut by the first truncate do not come back with the second.
      expect([...buf]).toEqual([0x61, 0x62, 0x63, 0, 0, 0, 0, 0]);
      const far = Buffer.alloc(16, 0xff);
      expect(io.readSync(fd, far, (1 << 20) - 8)).toBe(8);
      expect([...far.subarray(0, 8)]).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
      await io.write(fd, [Buffer.from('xyz')], 4096);
      await io.datasync(fd);
      expect(await io.size(fd)).toBe(1 << 20);
      expect(buf.subarray(0, await io.read(fd, buf, 4094)).toString('latin1')).toBe('\0\0xyz\0\0\0');
      await io.close(fd);
      expect((await io.stat(`${root}/g/f`))?.sizeBytes).toBe(1 << 20);
    });

    it('lists, renames, unlinks, removes directories, syncs directories', async () => {
      await io.mkdir(`${root}/d`);
      for (const f of ['y', 'x', 'z']) await io.close(await io.open(`${root}/d/${f}`, { create: true }));
      expect(await io.readdir(`${root}/d`)).toEqual(['x', 'y', 'z']);
      await io.rename(`${root}/d/x`, `${root}/d/w`);
      await io.unlink(`${root}/d/y`);
      await io.syncDir(`${root}/d`);
      expect(await io.readdir(`${root}/d`)).toEqual(['w', 'z']);
      await expect(io.open(`${root}/d/missing`, { create: false })).rejects.toThrow();
      await io.rmdir(`${root}/d`);
      expect(await io.readdir(`${root}/d`)).toEqual([]);
      expect(await io.stat(`${root}/d`)).toBeUndefined();
    });
  });
}

contract('NodeFileIO', async () => {
  const { dir, cleanup } = await tempDir();
  return { io: new NodeFileIO(), root: dir, done: cleanup };
});
// Both write paths of the real layer: every write through the thread pool, every write on the event loop.
contract('NodeFileIO, pool writes only', async () => {
  const { dir, cleanup } = await tempDir();
  return { io: new NodeFileIO({ syncWriteMaxBytes: 0 }), root: dir, done: cleanup };
});
contract('NodeFileIO, event-loop writes only', async () => {
  const { dir, cleanup } = await tempDir();
  return { io: new NodeFileIO({ syncWriteMaxBytes: Number.MAX_SAFE_INTEGER }), root: dir, done: cleanup };
});

describe('NodeFileIO small writes on the event loop', () => {
  it('writes more buffers than one writev takes, at its position, and is done when write() returns', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const io = new NodeFileIO({ syncWriteMaxBytes: 64 * 1024 });
      const fd = await io.open(`${dir}/f`, { create: true });
      const parts = Array.from({ length: 1500 }, (_, i) => Buffer.from([i % 251]));
      const pending = io.write(fd, parts, 10);
      // No await yet: a write under the threshold has already reached the file.
      expect(io.readSync(fd, Buffer.alloc(1), 10 + 1499)).toBe(1);
      await pending;
      const back = Buffer.alloc(1500);
      expect(await io.read(fd, back, 10)).toBe(1500);
      expect([...back]).toEqual(parts.map((b) => b[0]));
      await io.close(fd);
    } finally {
      await cleanup();
    }
  });

  it('by default a group-commit round of 256 × 1 KiB frames (263 KiB) is written on the loop', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const io = new NodeFileIO();
      const fd = await io.open(`${dir}/f`, { create: true });
      const round = Array.from({ length: 8 }, (_, i) => Buffer.alloc((256 * 1052) / 8, i + 1));
      const inline = io.write(fd, round, 0);
      // No await yet: the last byte is already in the file.
      expect(io.readSync(fd, Buffer.alloc(1), 256 * 1052 - 1)).toBe(1);
      await inline;
      await io.close(fd);
    } finally {
      await cleanup();
    }
  });

  it('a failed write rejects its promise instead of throwing at the call', async () => {
    const io = new NodeFileIO({ syncWriteMaxBytes: 64 * 1024 });
    const closedFd = 1 << 20;
    let thrown: unknown;
    let pending: Promise<void> | undefined;
    try {
      pending = io.write(closedFd, [Buffer.from('x')], 0);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeUndefined();
    await expect(pending).rejects.toThrow(/EBADF/);
  });
});
contract('FaultyFileIO', async () => ({ io: new FaultyFileIO(), root: '/root', done: async () => undefined }));

describe('FaultyFileIO faults', () => {
  it('crash drops unsynced bytes and files whose directory entry was never synced', async () => {
    const io = new FaultyFileIO({ seed: 3 });
    await io.mkdir('/d');
    const fd = await io.open('/d/f', { create: true });
    await io.write(fd, [Buffer.from('durable')], 0);
    await io.datasync(fd);
    await io.syncDir('/d');
    await io.write(fd, [Buffer.from('-lost')], 7);
    await io.close(await io.open('/d/g', { create: true }));
    io.crash({ tear: 'none' });
    expect(Buffer.from(io.contents('/d/f') ?? []).toString()).toBe('durable');
    expect(await io.readdir('/d')).toEqual(['f']);
    await expect(io.size(fd)).rejects.toThrow(/EBADF/);
  });

  it('crash with tearing keeps a prefix of the unsynced writes, cut inside the last', async () => {
    const lengths = new Set<number>();
    for (let seed = 1; seed <= 40; seed++) {
      const io = new FaultyFileIO({ seed });
      await io.mkdir('/d');
      const fd = await io.open('/d/f', { create: true });
      await io.syncDir('/d');
      await io.write(fd, [Buffer.alloc(10, 1)], 0);
      await io.write(fd, [Buffer.alloc(10, 2)], 10);
      io.crash();
      const c = io.contents('/d/f') ?? new Uint8Array(0);
      lengths.add(c.byteLength);
      expect(c.byteLength).toBeLessThanOrEqual(20);
      expect([...c.subarray(0, Math.min(10, c.byteLength))].every((b) => b === 1)).toBe(true);
    }
    expect(lengths.size).toBeGreaterThan(3);
  });

  it('a grown size is durable only with a datasync; a crash before it loses the hole', async () => {
    const io = new FaultyFileIO({ seed: 5 });
    await io.mkdir('/d');
    const fd = await io.open('/d/f', { create: true });
    await io.write(fd, [Buffer.from('head')], 0);
    await io.datasync(fd);
    await io.syncDir('/d');
    await io.truncate(fd, 1 << 20);
    io.crash({ tear: 'none' });
    expect((await io.stat('/d/f'))?.sizeBytes).toBe(4);
    const again = await io.open('/d/f', { create: false });
    await io.truncate(again, 1 << 20);
    await io.write(again, [Buffer.from('tail')], 100);
    await io.datasync(again);
    io.crash({ tear: 'none' });
    expect((await io.stat('/d/f'))?.sizeBytes).toBe(1 << 20);
    const bytes = io.contents('/d/f');
    expect(Buffer.from(bytes?.subarray(0, 104) ?? []).toString('latin1')).toBe(`head${'\0'.repeat(96)}tail`);
    expect(bytes?.subarray(104).every((b) => b === 0)).toBe(true);
  });

  it('fails the next fdatasync or write on request, then recovers', async () => {
    const io = new FaultyFileIO();
    await io.mkdir('/d');
    const fd = await io.open('/d/f', { create: true });
    io.failNextWrite();
    await expect(io.write(fd, [Buffer.from('x')], 0)).rejects.toThrow(/EIO/);
    await io.write(fd, [Buffer.from('x')], 0);
    io.failNextDatasync();
    await expect(io.datasync(fd)).rejects.toThrow(/EIO/);
    await io.datasync(fd);
    expect(io.datasyncCalls).toBe(2);
  });
});
