/** segments, dump, raft and index on a real data dir written by the WAL: text and --json. */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { join } from 'node:path';
import { sanitiseLogId } from '../../src/wal/index.js';
import { buildDataDir, META_ENTRIES, META_LOG, PARTITION_BATCHES, PARTITION_LOG, RECORDS_PER_BATCH, BASE_TIMESTAMP, removeDir } from './fixture.js';
import { inspect } from './io.js';

let dir: string;
const logDir = (id: string): string => join(dir, 'logs', sanitiseLogId(id));

beforeAll(async () => {
  dir = await buildDataDir();
});
afterAll(async () => removeDir(dir));

interface SegmentJson {
  file: string;
  baseIndex: number;
  firstIndex: number;
  lastIndex: number;
  sizeBytes: number;
  frames: number;
  badCrcFrames: number;
  tornTailBytes: number;
}

describe('segments', () => {
  test('--json lists contiguous segments covering every entry of each log', async () => {
    const r = await inspect('segments', dir, '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { kind: string; logs: Array<{ logId: string; segments: SegmentJson[] }> };
    expect(out.kind).toBe('data-dir');
    expect(out.logs.map((l) => l.logId).sort()).toEqual([META_LOG, PARTITION_LOG].sort());
    const expected = new Map([
      [META_LOG, META_ENTRIES],
      [PARTITION_LOG, PARTITION_BATCHES],
    ]);
    for (const log of out.logs) {
      expect(log.segments.length).toBeGreaterThan(1);
      let next = 1;
      for (const s of log.segments) {
        expect(s.firstIndex).toBe(next);
        expect(s.baseIndex).toBe(next);
        expect(s.frames).toBe(s.lastIndex - s.firstIndex + 1);
        expect(s.badCrcFrames).toBe(0);
        expect(s.tornTailBytes).toBe(0);
        next = s.lastIndex + 1;
      }
      expect(next - 1).toBe(expected.get(log.logId));
    }
  });

  test('text shows a table per log', async () => {
    const r = await inspect('segments', logDir(PARTITION_LOG));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`log ${PARTITION_LOG}`);
    expect(r.stdout).toMatch(/segment\s+first\s+last\s+bytes\s+frames\s+bad-crc\s+status/);
    expect(r.stdout).toMatch(/00000000000000000001\.log\s+1\s+\d+\s+\d+\s+\d+\s+0\s+ok/);
  });
});

describe('dump', () => {
  test('--json gives one object per frame with Kafka batch fields', async () => {
    const r = await inspect('dump', logDir(PARTITION_LOG), '--json');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(PARTITION_BATCHES);
    lines.forEach((f, i) => {
      expect(f).toMatchObject({ index: i + 1, term: 2, type: 2, typeName: 'kafka', crcOk: true });
      expect(f.batch).toMatchObject({
        baseOffset: i * RECORDS_PER_BATCH,
        lastOffset: i * RECORDS_PER_BATCH + RECORDS_PER_BATCH - 1,
        recordCount: RECORDS_PER_BATCH,
        firstTimestamp: BASE_TIMESTAMP + i * 10,
        maxTimestamp: BASE_TIMESTAMP + i * 10 + 2,
        codec: 'none',
        producerId: 7,
        producerEpoch: 1,
        baseSequence: i * RECORDS_PER_BATCH,
        crcOk: true,
      });
    });
  });

  test('--deep --json shows records: printable values as text, binary as hex, headers', async () => {
    const r = await inspect('dump', logDir(PARTITION_LOG), '--json', '--deep', '--count', '1', '--max-bytes', '8');
    const f = JSON.parse(r.stdout.trim()) as { records: Array<Record<string, unknown>> };
    expect(f.records).toHaveLength(3);
    expect(f.records[0]).toMatchObject({ offset: 0, timestamp: BASE_TIMESTAMP, key: { text: 'key-0-0' }, value: { text: 'value 0/' }, headers: [{ key: 'h', value: { text: 'hv' } }] });
    expect(f.records[2]).toMatchObject({ offset: 2, value: { hex: '000102ff' }, valueBytes: 4 });
  });

  test('--from N starts at entry N (skipping earlier segments), --count bounds it', async () => {
    const r = await inspect('dump', logDir(META_LOG), '--json', '--from', '50', '--count', '5');
    const idx = r.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { index: number }).index);
    expect(idx).toEqual([50, 51, 52, 53, 54]);
  });

  test('--offset N starts at the batch holding offset N', async () => {
    const r = await inspect('dump', logDir(PARTITION_LOG), '--json', '--offset', String(10 * RECORDS_PER_BATCH + 1), '--count', '2');
    const frames = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { index: number; batch: { baseOffset: number } });
    expect(frames.map((f) => f.index)).toEqual([11, 12]);
    expect(frames[0]?.batch.baseOffset).toBe(10 * RECORDS_PER_BATCH);
  });

  test('text: one line per frame, records indented with --deep, truncated values', async () => {
    const r = await inspect('dump', logDir(PARTITION_LOG), '--deep', '--count', '1', '--max-bytes', '5');
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^segment .*00000000000000000001\.log/);
    expect(lines[1]).toMatch(/^pos=24 index=1 term=2 type=kafka size=\d+ crc=ok baseOffset=0 lastOffset=2 count=3 .*codec=none producerId=7 producerEpoch=1 baseSequence=0 batchCrc=ok/);
    expect(lines[2]).toContain('| offset=0');
    expect(lines[2]).toContain('value="value"…(+');
    expect(lines[4]).toContain('value=0x000102ff');
  });

  test('a data dir is a usage error for dump', async () => {
    const r = await inspect('dump', dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('data dir');
  });
});

describe('raft', () => {
  test('--json reports hard state, first/last index and last term from LevelDB and segments', async () => {
    const r = await inspect('raft', dir, '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { index: boolean; logs: Array<Record<string, unknown>> };
    expect(out.index).toBe(true);
    const byId = new Map(out.logs.map((l) => [l.logId, l]));
    expect(byId.get(META_LOG)).toMatchObject({ kind: 'raft', hardState: { term: 3, vote: 2, commit: 55 }, firstIndex: 1, lastIndex: META_ENTRIES, lastTerm: 3, snapshot: null, epoch: 0 });
    expect(byId.get(PARTITION_LOG)).toMatchObject({ kind: 'partition', hardState: { term: 2, vote: 0, commit: 40 }, firstIndex: 1, lastIndex: PARTITION_BATCHES, lastTerm: 2 });
  });

  test('text table', async () => {
    const r = await inspect('raft', dir);
    expect(r.stdout).toMatch(/log\s+kind\s+term\s+vote\s+commit\s+first\s+last\s+last-term\s+snapshot/);
    expect(r.stdout).toMatch(/__meta\s+raft\s+3\s+2\s+55\s+1\s+60\s+3\s+-/);
    expect(r.stdout).toMatch(/p\.orders\/eu\.0\s+partition\s+2\s+none\s+40\s+1\s+40\s+2/);
  });
});

describe('index', () => {
  test('--json: consistent, marker at the end, sparse offset keys', async () => {
    const r = await inspect('index', dir, '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { ok: boolean; logs: Array<{ logId: string; markerAgrees: boolean; marker: { lastIndex: number }; keys: { offsets: number; points: number }; unindexedEntries: number }> };
    expect(out.ok).toBe(true);
    const part = out.logs.find((l) => l.logId === PARTITION_LOG);
    expect(part).toMatchObject({ markerAgrees: true, marker: { lastIndex: PARTITION_BATCHES }, unindexedEntries: 0 });
    // One offset key per indexIntervalBytes (1 KiB here) of ~190-byte batches, plus segment ends: not one per batch.
    expect(part?.keys.offsets).toBeGreaterThan(3);
    expect(part?.keys.offsets).toBeLessThan(PARTITION_BATCHES);
    expect(part?.keys.points).toBeGreaterThan(3);
  });

  test('text says OK', async () => {
    const r = await inspect('index', dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('OK: index consistent with the segments');
  });
});

describe('verify on a clean dir', () => {
  test('exit 0, text and json', async () => {
    const text = await inspect('verify', dir);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/verified .*: 2 logs, \d+ segments, 100 frames/);
    expect(text.stdout).toContain('OK: no corruption');
    const json = await inspect('verify', dir, '--json');
    expect(json.code).toBe(0);
    const out = JSON.parse(json.stdout) as { ok: boolean; corruptionCount: number; warningCount: number; problems: unknown[] };
    expect(out).toMatchObject({ ok: true, corruptionCount: 0, warningCount: 0, problems: [] });
  });
});

describe('a single log dir inside a data dir', () => {
  test('index, raft and verify use the data dir LevelDB for just that log', async () => {
    const one = logDir(PARTITION_LOG);
    const index = JSON.parse((await inspect('index', one, '--json')).stdout) as { ok: boolean; logs: Array<{ logId: string }> };
    expect(index.ok).toBe(true);
    expect(index.logs.map((l) => l.logId)).toEqual([PARTITION_LOG]);
    const raft = JSON.parse((await inspect('raft', one, '--json')).stdout) as { logs: Array<Record<string, unknown>> };
    expect(raft.logs).toHaveLength(1);
    expect(raft.logs[0]).toMatchObject({ logId: PARTITION_LOG, hardState: { commit: 40 }, lastIndex: PARTITION_BATCHES });
    const verify = await inspect('verify', one, '--json');
    expect(verify.code).toBe(0);
    expect(JSON.parse(verify.stdout)).toMatchObject({ kind: 'log-dir', ok: true, index: [{ logId: PARTITION_LOG, markerAgrees: true }] });
  });
});
