import { describe, expect, it } from 'vitest';
import { AssertionError } from '../../../src/util/assert.js';
import { ReadBufferPool } from '../../../src/node/partition/read-buffers.js';

const MiB = 1024 * 1024;

describe('read buffer pool', () => {
  const pool = (): ReadBufferPool => new ReadBufferPool({ minPooledBytes: MiB, maxPooledBytes: 4 * MiB, maxFreeBytes: 6 * MiB });

  it('lends buffers in whole MiB viewed to the exact size, and reuses them only after the lease is released', () => {
    const p = pool();
    const a = p.lease();
    const first = a.alloc(1.5 * MiB);
    expect(first.length).toBe(1.5 * MiB);
    expect(first.buffer.byteLength).toBe(2 * MiB);
    // Held by `a`: another lease gets a different buffer.
    const b = p.lease();
    const second = b.alloc(1.2 * MiB);
    expect(second.buffer).not.toBe(first.buffer);
    expect(b.alloc(2.5 * MiB).buffer.byteLength).toBe(3 * MiB);
    a.release();
    expect(p.freeBufferBytes).toBe(2 * MiB);
    const c = p.lease();
    expect(c.alloc(2 * MiB).buffer).toBe(first.buffer);
    expect(p.freeBufferBytes).toBe(0);
    b.release();
    c.release();
  });

  it('gives small and oversized reads fresh buffers it never takes back', () => {
    const p = pool();
    const l = p.lease();
    const small = l.alloc(64 * 1024);
    const big = l.alloc(5 * MiB);
    expect([small.length, big.length]).toEqual([64 * 1024, 5 * MiB]);
    expect(l.buffers).toBe(0);
    l.release();
    expect(p.freeBufferBytes).toBe(0);
  });

  it('keeps at most maxFreeBytes of free buffers; the rest is left to the GC', () => {
    const p = pool();
    const l = p.lease();
    for (let i = 0; i < 4; i++) l.alloc(2 * MiB);
    expect(l.buffers).toBe(4);
    l.release();
    expect(p.freeBufferBytes).toBe(6 * MiB);
  });

  it('refuses a lease released twice or used after its release (a buffer handed to two readers would corrupt a response)', () => {
    const p = pool();
    const l = p.lease();
    l.alloc(MiB);
    l.release();
    expect(() => l.release()).toThrow(AssertionError);
    expect(() => l.alloc(MiB)).toThrow(AssertionError);
    expect(() => p.giveBack(p.take(MiB) ?? Buffer.alloc(0))).not.toThrow();
    const again = p.take(MiB) as Buffer;
    p.giveBack(again);
    expect(() => p.giveBack(again)).toThrow(/released twice/);
  });
});
