/**
 * verify against damaged data dirs. Each case is also opened with the real WAL afterwards: where
 * verify says "torn tail, exit 0" the WAL must open (cutting it), and where verify says corruption
 * the WAL must refuse — the tool and the recovery decision table agree.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { rename, rm, stat, unlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { WalStore, WalCorruptionError } from '../../src/wal/index.js';
import { silentLogger } from '../../src/util/logger.js';
import { encodeFrameHeader, encodeSegmentHeader, FORMAT_VERSION, FRAME_HEADER_BYTES } from '../../src/wal/frame.js';
import { buildRecordBatch } from '../../src/kafka/record-batch/index.js';
import { buildDataDir, META_LOG, PARTITION_LOG, partitionBatch, removeDir, SEGMENT_BYTES, tempDir } from './fixture.js';
import { appendBytes, chopTail, flipByte, framesOf, middleFrame, overwrite, segmentPaths } from './corrupt.js';
import { inspect } from './io.js';

interface Problem {
  logId: string;
  segment?: string;
  position?: number;
  index?: number;
  expectedCrc?: number;
  actualCrc?: number;
  message: string;
}
interface VerifyJson {
  ok: boolean;
  corruptionCount: number;
  warningCount: number;
  firstProblem: Problem | null;
  problems: Problem[];
  warnings: Problem[];
  logs: Array<{ logId: string; frames: number }>;
}

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await removeDir(d);
});

async function fresh(): Promise<string> {
  const d = await buildDataDir();
  dirs.push(d);
  return d;
}

async function verifyJson(path: string): Promise<{ code: number; out: VerifyJson }> {
  const r = await inspect('verify', path, '--json');
  return { code: r.code, out: JSON.parse(r.stdout) as VerifyJson };
}

/**
 * What the real WAL does when it opens the log: 'ok' or the corruption it refuses with. With
 * `fullScan` the LevelDB index is removed first, so that opening validates every frame (with an
 * index it only validates frames past the index marker).
 */
async function walOpens(dir: string, logId: string, fullScan = false): Promise<'ok' | WalCorruptionError> {
  if (fullScan) await rm(join(dir, 'index'), { recursive: true, force: true });
  const store = await WalStore.open({ dir, logger: silentLogger(), fsync: 'never', segmentBytes: SEGMENT_BYTES });
  try {
    await store.openLog(logId);
    return 'ok';
  } catch (err) {
    if (err instanceof WalCorruptionError) return err;
    throw err;
  } finally {
    await store.close();
  }
}

describe('frame corruption', () => {
  test('a flipped byte mid-segment: exit 1 naming log, segment, byte, entry and both CRCs; decoding continues', async () => {
    const dir = await fresh();
    const [first] = await segmentPaths(dir, PARTITION_LOG);
    if (first === undefined) throw new Error('no segment');
    const victim = await middleFrame(first);
    await flipByte(first, victim.position + FRAME_HEADER_BYTES + 30);

    const text = await inspect('verify', dir);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain(`CORRUPTION: first problem: log ${PARTITION_LOG}, segment ${first}, byte ${victim.position}, entry ${victim.index}, expected CRC 0x${victim.expectedCrc.toString(16).padStart(8, '0')}, actual CRC 0x`);

    const { code, out } = await verifyJson(dir);
    expect(code).toBe(1);
    expect(out.ok).toBe(false);
    expect(out.firstProblem).toMatchObject({ logId: PARTITION_LOG, segment: first, position: victim.position, index: victim.index, expectedCrc: victim.expectedCrc });
    expect(out.firstProblem?.actualCrc).not.toBe(victim.expectedCrc);
    // Only that frame is bad: every other frame of the log was still decoded and checked.
    expect(out.corruptionCount).toBe(1);
    expect(out.logs.find((l) => l.logId === PARTITION_LOG)?.frames).toBe(40);
    expect(await walOpens(dir, PARTITION_LOG, true)).toBeInstanceOf(WalCorruptionError);
  });

  test('a garbage frame header mid-segment: corruption, and decoding resumes at the next valid frame', async () => {
    const dir = await fresh();
    const [first] = await segmentPaths(dir, META_LOG);
    if (first === undefined) throw new Error('no segment');
    const frames = await framesOf(first);
    const victim = await middleFrame(first);
    await overwrite(first, victim.position, Buffer.alloc(8, 0xff)); // magic..length; index and term survive
    const { code, out } = await verifyJson(dir);
    expect(code).toBe(1);
    expect(out.firstProblem).toMatchObject({ segment: first, position: victim.position, index: victim.index });
    expect(out.firstProblem?.message).toContain('bad frame header');
    expect(out.corruptionCount).toBe(1);
    expect(out.logs.find((l) => l.logId === META_LOG)?.frames).toBe(59); // all but the damaged one
    const next = frames[frames.indexOf(frames.find((f) => f.position === victim.position) ?? victim) + 1];
    const dump = await inspect('dump', first, '--json');
    const lines = dump.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toContainEqual({ segment: basename(first), damage: 'bad-header', position: victim.position, headerIndex: victim.index, expectedCrc: victim.expectedCrc, actualCrc: null, resumeAt: next?.position });
    expect(lines.filter((l) => l.damage === undefined)).toHaveLength(frames.length - 1);
  });

  test('a bad CRC in the last segment with valid frames after it is corruption (row 5)', async () => {
    const dir = await fresh();
    const last = (await segmentPaths(dir, PARTITION_LOG)).at(-1);
    if (last === undefined) throw new Error('no segment');
    const victim = await middleFrame(last);
    await flipByte(last, victim.position + FRAME_HEADER_BYTES + 5);
    const { code, out } = await verifyJson(dir);
    expect(code).toBe(1);
    expect(out.firstProblem).toMatchObject({ segment: last, position: victim.position, index: victim.index });
    expect(out.firstProblem?.message).toContain('with a valid frame after it');
    expect(await walOpens(dir, PARTITION_LOG, true)).toBeInstanceOf(WalCorruptionError);
  });
});

describe('torn tails (warnings, exit 0, and the WAL opens)', () => {
  /** The frame a crashed writer was appending after the last one: full, or cut short. */
  function nextFrame(index: number, term: number, data: Buffer): Buffer {
    return Buffer.concat([encodeFrameHeader({ index, term, type: 0, data }), data]);
  }

  test('a partial frame after the last indexed one', async () => {
    const dir = await fresh();
    const last = (await segmentPaths(dir, PARTITION_LOG)).at(-1);
    if (last === undefined) throw new Error('no segment');
    const end = (await stat(last)).size;
    await appendBytes(last, nextFrame(41, 2, Buffer.alloc(200, 7)).subarray(0, 150));
    const { code, out } = await verifyJson(dir);
    expect(code).toBe(0);
    expect(out.corruptionCount).toBe(0);
    expect(out.warnings[0]).toMatchObject({ logId: PARTITION_LOG, segment: last, position: end, index: 41 });
    expect(out.warnings[0]?.message).toContain('torn tail: would be cut on open');
    const text = await inspect('verify', dir);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`warning: log ${PARTITION_LOG}, segment ${last}, byte ${end}, entry 41: torn tail: would be cut on open`);
    expect(await walOpens(dir, PARTITION_LOG)).toBe('ok');
    expect((await stat(last)).size).toBe(end);
  });

  test('a last frame with a bad CRC is a torn tail; zeroed bytes after the last frame are a preallocation (row 14)', async () => {
    const dir = await fresh();
    const metaLast = (await segmentPaths(dir, META_LOG)).at(-1);
    const partLast = (await segmentPaths(dir, PARTITION_LOG)).at(-1);
    if (metaLast === undefined || partLast === undefined) throw new Error('no segment');
    const torn = nextFrame(61, 3, Buffer.from('a frame whose payload was half written'));
    torn[torn.length - 1] = 0;
    await appendBytes(metaLast, torn);
    await appendBytes(partLast, Buffer.alloc(100));
    const { code, out } = await verifyJson(dir);
    expect(code).toBe(0);
    expect(out.warningCount).toBe(1);
    expect(out.warnings[0]?.message).toContain('torn tail');
    expect(out.warnings[0]?.segment).toBe(metaLast);
    // Zeros past the last frame of a log's last segment are what a live store's sparse
    // preallocation leaves: not a finding, reported as preallocated bytes.
    const logs = (out as unknown as { logs: Array<{ logId: string; preallocatedBytes: number }> }).logs;
    expect(logs.find((l) => l.logId === PARTITION_LOG)?.preallocatedBytes).toBe(100);
    expect(await walOpens(dir, META_LOG)).toBe('ok');
    expect(await walOpens(dir, PARTITION_LOG)).toBe('ok');
  });

  test('two trailing frames that both have bad CRCs: still one torn tail (no CRC-valid frame after)', async () => {
    const dir = await fresh();
    const last = (await segmentPaths(dir, META_LOG)).at(-1);
    if (last === undefined) throw new Error('no segment');
    const end = (await stat(last)).size;
    const a = nextFrame(61, 3, Buffer.from('first unsynced frame'));
    const b = nextFrame(62, 3, Buffer.from('second unsynced frame'));
    a.writeUInt8(a.readUInt8(a.length - 1) ^ 1, a.length - 1);
    b.writeUInt8(b.readUInt8(b.length - 1) ^ 1, b.length - 1);
    await appendBytes(last, Buffer.concat([a, b]));
    const { code, out } = await verifyJson(dir);
    expect(code).toBe(0);
    expect(out.warnings).toHaveLength(1);
    expect(out.warnings[0]).toMatchObject({ segment: last, position: end, index: 61 });
    expect(await walOpens(dir, META_LOG)).toBe('ok');
    expect((await stat(last)).size).toBe(end);
  });

  test('the same torn tail is a warning without the index too (segment file alone)', async () => {
    const dir = await fresh();
    const last = (await segmentPaths(dir, META_LOG)).at(-1);
    if (last === undefined) throw new Error('no segment');
    await chopTail(last, 10);
    const { code, out } = await verifyJson(last);
    expect(code).toBe(0);
    expect(out.warnings[0]?.message).toContain('torn tail');
    expect(await walOpens(dir, META_LOG, true)).toBe('ok');
  });

  test('cutting entries the index recorded as durable is corruption: durable entries are missing', async () => {
    const dir = await fresh();
    const last = (await segmentPaths(dir, META_LOG)).at(-1);
    if (last === undefined) throw new Error('no segment');
    await chopTail(last, 10);
    const { code, out } = await verifyJson(dir);
    expect(code).toBe(1);
    expect(out.problems.some((p) => p.logId === META_LOG && p.message.includes('durable entries are missing'))).toBe(true);
    const index = await inspect('index', dir);
    expect(index.code).toBe(1);
    expect(index.stdout).toContain('durable entries are missing');
  });

  test('the same damage in a segment that is not the last is corruption (row 6)', async () => {
    const dir = await fresh();
    const [first] = await segmentPaths(dir, PARTITION_LOG);
    if (first === undefined) throw new Error('no segment');
    await appendBytes(first, Buffer.alloc(40));
    const { code, out } = await verifyJson(dir);
    expect(code).toBe(1);
    expect(out.firstProblem?.segment).toBe(first);
    expect(out.firstProblem?.message).toContain('not the last');
  });
});

describe('structure', () => {
  test('a missing middle segment: a gap in the indexes', async () => {
    const dir = await fresh();
    const segs = await segmentPaths(dir, PARTITION_LOG);
    const middle = segs[1];
    const after = segs[2];
    if (middle === undefined || after === undefined) throw new Error('need three segments');
    await unlink(middle);
    const { code, out } = await verifyJson(dir);
    expect(code).toBe(1);
    const gap = out.problems.find((p) => p.segment === after && p.position === 0);
    expect(gap?.message).toMatch(/segment starts at index \d+, expected \d+/);
  });

  test('a segment whose name disagrees with its header', async () => {
    const dir = await fresh();
    const segs = await segmentPaths(dir, META_LOG);
    const last = segs.at(-1);
    if (last === undefined) throw new Error('no segment');
    const renamed = last.replace(basename(last), '00000000000000000999.log');
    await rename(last, renamed);
    const { code, out } = await verifyJson(dir);
    expect(code).toBe(1);
    expect(out.problems.some((p) => p.segment === renamed && p.message.includes('file name says 999'))).toBe(true);
  });

  test('an empty last segment with a torn header is a warning (row 9)', async () => {
    const dir = await fresh();
    const segs = await segmentPaths(dir, META_LOG);
    const last = segs.at(-1);
    if (last === undefined) throw new Error('no segment');
    const next = last.replace(basename(last), '00000000000000000061.log');
    await appendBytes(next, Buffer.from([0x43, 0x48, 0x52]));
    const { code, out } = await verifyJson(dir);
    expect(code).toBe(0);
    expect(out.warnings.some((w) => w.segment === next && w.message.includes('torn segment creation'))).toBe(true);
  });
});

describe('bounds and versions', () => {
  test('--max-problems caps the JSON list; the count stays exact', async () => {
    const dir = await fresh();
    const [first] = await segmentPaths(dir, META_LOG);
    if (first === undefined) throw new Error('no segment');
    const frames = await framesOf(first);
    for (const f of frames.slice(0, 5)) await flipByte(first, f.position + FRAME_HEADER_BYTES + 2);
    const r = await inspect('verify', dir, '--json', '--max-problems', '2');
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as VerifyJson & { truncated: boolean };
    expect(out.corruptionCount).toBe(5);
    expect(out.problems).toHaveLength(2);
    expect(out.truncated).toBe(true);
    expect(out.problems.map((p) => p.index)).toEqual([1, 2]);
  });

  test('a segment written by a newer format version', async () => {
    const dir = await fresh();
    const last = (await segmentPaths(dir, PARTITION_LOG)).at(-1);
    if (last === undefined) throw new Error('no segment');
    await overwrite(last, 0, encodeSegmentHeader(Number(basename(last).slice(0, 20)), FORMAT_VERSION + 1));
    const { code, out } = await verifyJson(dir);
    expect(code).toBe(1);
    expect(out.firstProblem).toMatchObject({ segment: last, position: 0 });
    expect(out.firstProblem?.message).toContain(`segment format version ${FORMAT_VERSION + 1} is newer`);
  });
});

describe('Kafka batches', () => {
  test('a batch of 8 KiB or more whose own CRC is wrong: its frame CRC is derived from it, so the frame fails its check', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    const store = await WalStore.open({ dir, logger: silentLogger(), fsync: 'never' });
    const log = await store.openLog(PARTITION_LOG, { kind: 'partition' });
    const big = (i: number): Buffer => buildRecordBatch({ baseOffset: i, baseTimestamp: 1_700_000_000_000, records: [{ key: null, value: Buffer.alloc(20_000, i + 1), headers: [], timestamp: 1_700_000_000_000 }] });
    const bad = big(1);
    bad[bad.length - 3] = (bad[bad.length - 3] ?? 0) ^ 1; // a record byte: the stored batch CRC no longer matches
    await log.append([
      { index: 1, term: 1, type: 2, data: big(0) },
      { index: 2, term: 1, type: 2, data: bad },
      { index: 3, term: 1, type: 2, data: big(2) },
    ]);
    await store.close();
    const { code, out } = await verifyJson(dir);
    expect(code).toBe(1);
    expect(out.corruptionCount).toBe(1);
    expect(out.firstProblem?.index).toBe(2);
    // The frame's own CRC fails (not only the batch's): every reader of the frame refuses it.
    expect(out.firstProblem?.message).not.toBe('Kafka record batch CRC mismatch');
    expect(out.firstProblem?.actualCrc).not.toBe(out.firstProblem?.expectedCrc);
    expect(await walOpens(dir, PARTITION_LOG, true)).toBeInstanceOf(WalCorruptionError);
  });

  test('a batch whose own CRC is wrong inside a CRC-valid frame', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    const store = await WalStore.open({ dir, logger: silentLogger(), fsync: 'never' });
    const log = await store.openLog(PARTITION_LOG, { kind: 'partition' });
    const good = partitionBatch(0);
    const bad = partitionBatch(1);
    bad[bad.length - 3] = (bad[bad.length - 3] ?? 0) ^ 1; // a record byte: the batch CRC no longer matches
    await log.append([
      { index: 1, term: 1, type: 2, data: good },
      { index: 2, term: 1, type: 2, data: bad },
    ]);
    await store.close();
    const { code, out } = await verifyJson(dir);
    expect(code).toBe(1);
    expect(out.corruptionCount).toBe(1);
    expect(out.firstProblem).toMatchObject({ index: 2, expectedCrc: bad.readUInt32BE(17) });
    expect(out.firstProblem?.message).toBe('Kafka record batch CRC mismatch');
    const dump = await inspect('dump', (await segmentPaths(dir, PARTITION_LOG))[0] ?? '', '--deep');
    expect(dump.stdout).toMatch(/index=2 .*crc=ok .*batchCrc=BAD\(stored 0x[0-9a-f]{8}, actual 0x[0-9a-f]{8}\)/);
    expect(dump.stdout).toContain('records not shown: record batch CRC mismatch');
  });
});
