import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Entry } from '../../../src/raft/core/index.js';
import { EntryCache } from '../../../src/raft/driver/entry-cache.js';
import { EARLY_MAX_BYTES, EarlyMessages } from '../../../src/raft/driver/early-messages.js';
import { message, MessageType } from '../../../src/raft/core/index.js';
import { decodeEnvelope, encodeEnvelope } from '../../../src/raft/driver/envelope.js';
import { ProposalLostError } from '../../../src/raft/driver/errors.js';
import { ProposalTracker } from '../../../src/raft/driver/proposals.js';
import { readConfFile, writeConfFile } from '../../../src/raft/driver/conf-file.js';
import { readSnapshotFile, writeSnapshotFile } from '../../../src/raft/driver/snapshot-file.js';
import { sideFilePath } from '../../../src/raft/driver/side-file.js';
import { StorageError } from '../../../src/util/errors.js';

function entries(from: number, to: number, term = 1, bytes = 10): Entry[] {
  return Array.from({ length: to - from + 1 }, (_, i) => ({ index: from + i, term, type: 0, data: new Uint8Array(bytes) }));
}

describe('driver building blocks', () => {
  it('EntryCache stays contiguous and bounded; a conflicting suffix and a gap are handled', () => {
    const c = new EntryCache(10 * 31, 1000); // 10 entries of 10 bytes + 21 overhead
    c.append(entries(1, 8));
    expect(c.get(1, 9, 1e9)?.map((e) => e.index)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    c.append(entries(9, 15));
    expect(c.size).toBe(10);
    expect(c.firstIndex).toBe(6);
    expect(c.get(5, 7, 1e9)).toBeUndefined(); // evicted: the caller reads the disk
    expect(c.get(6, 16, 2 * 31)?.length).toBe(2); // byte limit, at least one
    c.append(entries(12, 13, 2)); // a new leader's entries replace 12..15
    expect(c.lastIndex).toBe(13);
    expect(c.get(12, 14, 1e9)?.every((e) => e.term === 2)).toBe(true);
    c.append(entries(20, 21)); // a gap (e.g. after a snapshot): start over
    expect(c.firstIndex).toBe(20);
    expect(c.size).toBe(2);
  });

  it('ProposalTracker: same term at the index commits, another term loses it', async () => {
    const t = new ProposalTracker();
    const a = t.add(5, 3, 0);
    const b = t.add(6, 3, 0);
    const c = t.add(7, 3, 0);
    t.overwritten([{ index: 6, term: 4, type: 0, data: new Uint8Array() }]);
    await expect(b.committed).rejects.toBeInstanceOf(ProposalLostError);
    t.persisted(entries(5, 5, 3));
    await a.durable;
    const latencies: number[] = [];
    t.applied([...entries(5, 5, 3), ...entries(7, 7, 4)], 10, (ms) => latencies.push(ms));
    await a.committed;
    const lost = await c.committed.then(() => undefined, (e: unknown) => e);
    expect(lost).toBeInstanceOf(ProposalLostError);
    expect((lost as ProposalLostError).ambiguous).toBe(false);
    expect(latencies).toEqual([10]);
    expect(t.size).toBe(0);
  });

  it('ProposalTracker: a cut below pending proposals loses even those past the new entries', async () => {
    const t = new ProposalTracker();
    const kept = t.add(4, 2, 0);
    const replaced = t.add(5, 2, 0);
    const cutOff = t.add(8, 2, 0);
    t.overwritten([{ index: 5, term: 3, type: 0, data: new Uint8Array() }, { index: 6, term: 3, type: 0, data: new Uint8Array() }]);
    await expect(replaced.committed).rejects.toBeInstanceOf(ProposalLostError);
    await expect(cutOff.committed).rejects.toBeInstanceOf(ProposalLostError);
    expect(t.size).toBe(1);
    t.applied(entries(4, 4, 2), 1, () => undefined);
    await kept.committed;
  });

  it('snapshot envelopes round-trip with and without a next offset', () => {
    const image = new Uint8Array([1, 2, 3]);
    expect(decodeEnvelope(encodeEnvelope({ nextOffset: 2 ** 40 + 7, image }))).toEqual({ nextOffset: 2 ** 40 + 7, image });
    expect(decodeEnvelope(encodeEnvelope({ nextOffset: undefined, image })).nextOffset).toBeUndefined();
  });

  it('side files round-trip, leave no temp file, and a damaged one is a StorageError', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'chronik-side-'));
    try {
      expect(await readConfFile(dir, 'g/1')).toBeUndefined();
      await writeConfFile(dir, 'g/1', { voters: [1, 2, 3], learners: [4] });
      await writeConfFile(dir, 'g/1', { voters: [1, 2], learners: [] });
      expect(await readConfFile(dir, 'g/1')).toEqual({ voters: [1, 2], learners: [] });
      await writeSnapshotFile(dir, 'g/1', { index: 2 ** 33, term: 9, data: new Uint8Array([7, 8]) });
      const snap = await readSnapshotFile(dir, 'g/1');
      expect(snap?.index).toBe(2 ** 33);
      expect([...(snap?.data ?? [])]).toEqual([7, 8]);
      expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
      await writeFile(sideFilePath(dir, 'g/1', 'conf'), Buffer.from('garbage that is long enough'));
      await expect(readConfFile(dir, 'g/1')).rejects.toBeInstanceOf(StorageError);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('EarlyMessages is bounded in bytes and time', () => {
    const early = new EarlyMessages(5);
    const big = (n: number) => message({ type: MessageType.APPEND, from: 1, to: 2, term: 1, entries: [{ index: n, term: 1, type: 0, data: new Uint8Array(EARLY_MAX_BYTES / 4) }] });
    for (let i = 0; i < 6; i++) early.add('g', big(i), 0);
    expect(early.dropped).toBe(2);
    expect(early.take('g')).toHaveLength(4);
    early.add('h', big(0), 0);
    early.add('h', big(1), 0);
    expect(early.dropped).toBe(2); // bytes were released by take()
    early.expire(5);
    expect(early.take('h')).toEqual([]);
    expect(early.size).toBe(0);
  });
});
