import { describe, expect, it } from 'vitest';
import { FaultyFileIO } from '../../src/wal/index.js';

/** A file whose directory entry is durable, opened once with O_DSYNC and once without. */
async function setup(seed: number): Promise<{ io: FaultyFileIO; dsync: number; plain: number }> {
  const io = new FaultyFileIO({ seed });
  await io.mkdir('/d');
  const dsync = await io.open('/d/f', { create: true, dsync: true });
  await io.syncDir('/d');
  const plain = await io.open('/d/f', { create: false });
  return { io, dsync, plain };
}

const text = (b: Uint8Array | undefined): string => Buffer.from(b ?? []).toString('latin1');

describe('FaultyFileIO models O_DSYNC handles', () => {
  it('a resolved dsync write survives a crash; a plain write beside it does not', async () => {
    const { io, dsync, plain } = await setup(1);
    await io.write(plain, [Buffer.from('aaaa')], 0);
    await io.write(dsync, [Buffer.from('bbbb')], 4);
    io.crash({ tear: 'none' });
    // The size is durable with the dsync write; the earlier plain write's bytes were never synced.
    expect(text(io.contents('/d/f'))).toBe('\0\0\0\0bbbb');
    expect(io.dsyncWrites).toBe(1);
    expect(io.datasyncCalls).toBe(0);
  });

  it('a dsync write in flight at the crash is torn or lost, never more than written', async () => {
    const lengths = new Set<number>();
    for (let seed = 1; seed <= 40; seed++) {
      const { io, dsync } = await setup(seed);
      await io.write(dsync, [Buffer.alloc(10, 1)], 0);
      io.crashAfterOps(1);
      await expect(io.write(dsync, [Buffer.alloc(10, 2)], 10)).rejects.toThrow(/injected crash/);
      const c = io.contents('/d/f') ?? new Uint8Array(0);
      lengths.add(c.byteLength);
      expect(c.byteLength).toBeGreaterThanOrEqual(10);
      expect(c.byteLength).toBeLessThanOrEqual(20);
      expect([...c.subarray(0, 10)].every((b) => b === 1)).toBe(true);
      expect([...c.subarray(10)].every((b) => b === 2)).toBe(true);
    }
    expect(lengths.size).toBeGreaterThan(3);
  });

  it('a failed sync part rejects the dsync write and leaves its bytes unsynced', async () => {
    const { io, dsync } = await setup(2);
    await io.write(dsync, [Buffer.from('kept')], 0);
    io.failNextDatasync();
    await expect(io.write(dsync, [Buffer.from('lost')], 4)).rejects.toThrow(/EIO/);
    expect(text(io.contents('/d/f'))).toBe('keptlost');
    io.crash({ tear: 'none' });
    expect(text(io.contents('/d/f'))).toBe('kept');
  });

  it('an unsynced truncate becomes durable with the size of a later dsync write', async () => {
    const { io, dsync } = await setup(3);
    await io.write(dsync, [Buffer.from('0123456789')], 0);
    await io.truncate(dsync, 2);
    await io.write(dsync, [Buffer.from('ab')], 2);
    io.crash({ tear: 'none' });
    expect(text(io.contents('/d/f'))).toBe('01ab');
  });

  it('a crash never replays a plain write from before that truncate past the durable size', async () => {
    for (let seed = 1; seed <= 20; seed++) {
      const { io, dsync, plain } = await setup(seed);
      await io.write(plain, [Buffer.from('0123456789')], 0);
      await io.truncate(plain, 2);
      await io.write(dsync, [Buffer.from('ab')], 2);
      io.crash({ tear: 'random' });
      expect(text(io.contents('/d/f')).slice(2)).toBe('ab');
    }
  });
});
