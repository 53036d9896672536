/**
 * A committed format-1 data directory (segments only; the LevelDB index is derived and rebuilt).
 * Pins the on-disk format: if encoding changes by accident, these bytes stop decoding.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cp, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { decodeSegment, WalStore } from '../../src/wal/index.js';
import { logger, tempDir } from './helpers.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/wal/v1', import.meta.url));
const SEG1 = 'logs/p.golden.0/00000000000000000001.log';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('format 1 fixture', () => {
  it('has the documented byte layout', async () => {
    const bytes = await readFile(`${FIXTURE}/${SEG1}`);
    // Segment header: "CHRW", version 1, header 24 bytes, base index 1, reserved, CRC.
    expect(bytes.subarray(0, 20).toString('hex')).toBe('43485257' + '0001' + '0018' + '0000000000000001' + '00000000');
    // First frame: magic C7, version 1, type 0, flags 0, length 0, index 1, term 1, CRC.
    expect(bytes.subarray(24, 48).toString('hex')).toBe('c7' + '01' + '00' + '00' + '00000000' + '0000000000000001' + '0000000000000001');
    const report = decodeSegment(bytes);
    expect(report.headerOk).toBe(true);
    expect(report.frames.map((f) => [f.index, f.term, f.type, f.status])).toEqual([
      [1, 1, 0, 'ok'],
      [2, 1, 1, 'ok'],
      [3, 1, 2, 'ok'],
    ]);
  });

  it('opens with the current build (migrations run, index rebuilt) without rewriting segments', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    await cp(FIXTURE, dir, { recursive: true });
    const before = await readFile(`${dir}/${SEG1}`);
    const store = await WalStore.open({ dir, logger });
    cleanups.push(() => store.close());
    const log = await store.openLog('p.golden.0');
    expect([log.firstIndex, log.lastIndex, log.termAt(3), log.termAt(4)]).toEqual([1, 6, 1, 2]);
    const all = await log.read(1, 7, 1 << 20);
    expect(all.map((e) => e.type)).toEqual([0, 1, 2, 0, 2, 0]);
    expect(Buffer.from(all[1]?.data ?? []).toString()).toBe('conf:1,2,3');
    expect(Buffer.from(all[5]?.data ?? []).toString()).toBe('hello chronik');
    expect(log.nextOffset).toBe(5);
    expect(await log.findOffset(4)).toBe(5);
    expect(await log.findTimestamp(1700000000500)).toBe(3);
    expect(log.segments().map((s) => s.baseIndex)).toEqual([1, 4]);
    expect((await readFile(`${dir}/${SEG1}`)).equals(before)).toBe(true);
  });
});
