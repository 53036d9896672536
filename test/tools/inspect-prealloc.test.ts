/**
 * `chronik inspect` on a live store's data dir, whose last segments and journal are preallocated
 * (src/wal/prealloc.ts): the holes are reported as preallocated bytes, not as torn tails or
 * corruption; a real torn tail and real damage are still reported as before.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { open as openFile, stat } from 'node:fs/promises';
import { WalStore, type WalLog } from '../../src/wal/index.js';
import { SEGMENT_HEADER_BYTES } from '../../src/wal/frame.js';
import { capturingLogger, entries, tempDir } from '../wal/helpers.js';
import { inspect } from '../inspect/io.js';

const PAYLOAD = 100;
const FRAME = 28 + PAYLOAD;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Frames per log in liveStore. */
const FRAMES = 6;

/**
 * A live store (left open, as a crash leaves it) with two logs: five rounds of one log at a time
 * (not journaled: the segments are extended ahead and hold the frames), then one round of both
 * (journaled: the journal file is extended and holds its two records).
 */
async function liveStore(): Promise<{ dir: string; logs: WalLog[]; segs: string[] }> {
  const { dir, cleanup } = await tempDir();
  cleanups.push(cleanup);
  const store = await WalStore.open({ dir, logger: capturingLogger().log });
  cleanups.push(() => store.close());
  const logs = [await store.openLog('p.a.0', { kind: 'partition' }), await store.openLog('p.b.0', { kind: 'partition' })];
  for (let r = 0; r < FRAMES - 1; r++) for (const l of logs) await l.append(entries(l.lastIndex + 1, 1, 1, PAYLOAD));
  await Promise.all(logs.map((l) => l.append(entries(l.lastIndex + 1, 1, 1, PAYLOAD))));
  await store.flushIndex();
  return { dir, logs, segs: logs.map((l) => l.segments()[0]?.file ?? '') };
}

async function writeAt(path: string, position: number, bytes: Uint8Array): Promise<void> {
  const fh = await openFile(path, 'r+');
  await fh.write(bytes, 0, bytes.byteLength, position);
  await fh.close();
}

interface VerifyOut {
  ok: boolean;
  warnings: Array<{ message: string; segment?: string }>;
  problems: Array<{ message: string }>;
  logs: Array<{ logId: string; preallocatedBytes: number }>;
  journal: { preallocatedBytes: number; cut: unknown } | null;
}

describe('inspect on a live data dir with preallocated files', () => {
  it('segments and verify report the holes as preallocated bytes, with no torn tail and exit 0', async () => {
    const { dir, segs } = await liveStore();
    const end = SEGMENT_HEADER_BYTES + FRAMES * FRAME;
    for (const s of segs) expect((await stat(s)).size).toBeGreaterThan(end);
    const v = await inspect('verify', dir, '--json');
    expect(v.code).toBe(0);
    const out = JSON.parse(v.stdout) as VerifyOut;
    expect(out.ok).toBe(true);
    expect(out.warnings.filter((w) => w.message.includes('torn'))).toEqual([]);
    for (const id of ['p.a.0', 'p.b.0']) expect(out.logs.find((l) => l.logId === id)?.preallocatedBytes).toBe((await stat(segs[0] ?? '')).size - end);
    expect(out.journal?.cut).toBeNull();
    expect(out.journal?.preallocatedBytes).toBeGreaterThan(0);
    const text = await inspect('verify', dir);
    expect(text.stdout).toContain(`preallocated ${(await stat(segs[0] ?? '')).size - end} bytes of zeros past the last frame`);
    const s = await inspect('segments', dir);
    expect(s.code).toBe(0);
    expect(s.stdout).toContain('ok, preallocated');
    expect(s.stdout).not.toContain('torn tail');
    // dump: a text note; in JSON only frames (tools/soak/replicas.ts reads any other record as damage).
    const logDir = segs[0]?.slice(0, segs[0].lastIndexOf('/')) ?? '';
    const dumped = await inspect('dump', logDir);
    expect(dumped.stdout).toContain('preallocated');
    const lines = (await inspect('dump', logDir, '--json')).stdout.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(FRAMES);
    for (const l of lines) expect(typeof (JSON.parse(l) as { index?: unknown }).index).toBe('number');
  });

  it('a torn frame written into the hole is still a torn tail (warning), damage before the mark still corruption', async () => {
    const { dir, segs } = await liveStore();
    const end = SEGMENT_HEADER_BYTES + FRAMES * FRAME;
    const [a = '', b = ''] = segs;
    // A frame header's first bytes at the end of the frames: a torn write into the preallocated space.
    await writeAt(a, end, Uint8Array.of(0xc7, 1, 0, 0, 0, 0, 0, 100));
    // Bit rot in the second log's second frame, before its index marker (a frame of an unjournaled
    // round: inspect shows segments with the journal's records applied, as opening would).
    await writeAt(b, SEGMENT_HEADER_BYTES + FRAME + 40, Uint8Array.of(0xff, 0xee));
    const v = await inspect('verify', dir, '--json');
    expect(v.code).toBe(1);
    const out = JSON.parse(v.stdout) as VerifyOut;
    const torn = out.warnings.filter((w) => w.message.includes('torn tail'));
    expect(torn).toHaveLength(1);
    expect(torn[0]?.segment).toBe(a);
    expect(out.problems.length).toBeGreaterThan(0);
    expect(out.problems[0]?.message).toContain('CRC');
  });
});
