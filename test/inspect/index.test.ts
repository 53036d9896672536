/** `inspect index` against a LevelDB whose derived keys were tampered with (after the store closed). */
import { afterEach, describe, expect, test } from 'vitest';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { LogKeys, u64s } from '../../src/wal/keys.js';
import { buildDataDir, META_LOG, PARTITION_LOG, RECORDS_PER_BATCH, removeDir } from './fixture.js';
import { inspect } from './io.js';

interface IndexJson {
  ok: boolean;
  corruptionCount: number;
  problems: Array<{ logId: string; index?: number; message: string }>;
  warnings: Array<{ logId: string; message: string }>;
}

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await removeDir(d);
});

/** Builds a data dir, then edits its LevelDB directly (epoch 0: the store was never reset). */
async function tampered(edit: (db: ClassicLevel<Buffer, Buffer>) => Promise<void>): Promise<string> {
  const dir = await buildDataDir();
  dirs.push(dir);
  const db = new ClassicLevel<Buffer, Buffer>(join(dir, 'index'), { keyEncoding: 'buffer', valueEncoding: 'buffer' });
  await db.open();
  try {
    await edit(db);
  } finally {
    await db.close();
  }
  return dir;
}

async function indexJson(dir: string): Promise<{ code: number; out: IndexJson }> {
  const r = await inspect('index', dir, '--json');
  return { code: r.code, out: JSON.parse(r.stdout) as IndexJson };
}

const part = new LogKeys(PARTITION_LOG);
const meta = new LogKeys(META_LOG);

describe('index problems', () => {
  test('an offset key naming the wrong entry', async () => {
    const dir = await tampered((db) => db.put(part.derived(0, 'o', 5 * RECORDS_PER_BATCH - 1), u64s(9)));
    const { code, out } = await indexJson(dir);
    expect(code).toBe(1);
    expect(out.corruptionCount).toBe(1);
    expect(out.problems[0]).toMatchObject({ logId: PARTITION_LOG, index: 5 });
    expect(out.problems[0]?.message).toBe(`offset index maps last offset ${5 * RECORDS_PER_BATCH - 1} to entry 9, the batch is entry 5`);
    expect((await inspect('verify', dir)).code).toBe(1);
  });

  test('an offset key for a batch that does not exist', async () => {
    const dir = await tampered((db) => db.put(part.derived(0, 'o', 7), u64s(3)));
    const { code, out } = await indexJson(dir);
    expect(code).toBe(1);
    expect(out.problems[0]?.message).toContain('offset index maps last offset 7 to entry 3, which is not a type-2 batch ending there');
  });

  test('a sparse point with a wrong byte position', async () => {
    let pointIndex = 0;
    const dir = await tampered(async (db) => {
      for await (const [key, value] of db.iterator({ ...meta.kindRange(0, 'i'), limit: 2 })) {
        pointIndex = meta.n1(key);
        await db.put(key, u64s(value.readUInt32BE(4), 24 + 1));
      }
    });
    const { code, out } = await indexJson(dir);
    expect(code).toBe(1);
    expect(out.problems.some((p) => p.logId === META_LOG && p.index === pointIndex && p.message.includes(`index point for entry ${pointIndex} says`))).toBe(true);
  });

  test('a term-run key with the wrong term', async () => {
    const dir = await tampered((db) => db.put(meta.derived(0, 't', 21), u64s(5)));
    const { code, out } = await indexJson(dir);
    expect(code).toBe(1);
    expect(out.problems[0]).toMatchObject({ logId: META_LOG, index: 21 });
    expect(out.problems[0]?.message).toBe('term index says term 5 for entry 21, the frame has term 2');
  });

  test('a marker that is not at a frame end: a warning (opening rebuilds the index)', async () => {
    const dir = await tampered((db) => db.put(meta.marker(0), u64s(60, 49, 30)));
    const { code, out } = await indexJson(dir);
    expect(code).toBe(0);
    expect(out.warnings.some((w) => w.logId === META_LOG && w.message.includes('opening rebuilds the index'))).toBe(true);
  });

  test('a missing index: a warning per log, and verify still passes', async () => {
    const dir = await tampered((db) => db.clear());
    const { code, out } = await indexJson(dir);
    expect(code).toBe(0);
    expect(out.warnings).toHaveLength(2);
    expect((await inspect('verify', dir)).code).toBe(0);
  });

  test('sparse keys: the clean index keys some batches only, and every key a lookup needs is there', async () => {
    const dir = await tampered(async () => undefined);
    const { code, out } = await indexJson(dir);
    expect(code).toBe(0);
    expect(out.corruptionCount).toBe(0);
  });

  test('the last batch of the log without an offset key is corruption (opening reads the next offset from it)', async () => {
    const lastOffset = 40 * RECORDS_PER_BATCH - 1;
    const dir = await tampered((db) => db.del(part.derived(0, 'o', lastOffset)));
    const { code, out } = await indexJson(dir);
    expect(code).toBe(1);
    expect(out.problems.map((p) => p.message)).toContainEqual(expect.stringMatching(new RegExp(`^offset index lacks the last indexed batch of segment \\d+ \\(last offset ${lastOffset} → entry 40\\)$`)));
  });

  test("a segment's max-timestamp batch without a timestamp key is corruption, and so is a key naming the wrong batch end", async () => {
    const keys: Buffer[] = [];
    const dir = await tampered(async (db) => {
      for await (const [key, value] of db.iterator({ ...part.kindRange(0, 'x'), reverse: true, limit: 2 })) {
        keys.push(key);
        // The newest key: removed. The one before: its end position moved by one byte.
        if (keys.length === 1) await db.del(key);
        else await db.put(key, u64s(value.readUInt32BE(4), value.readUInt32BE(12), value.readUInt32BE(20) + 1));
      }
    });
    expect(keys).toHaveLength(2);
    const { code, out } = await indexJson(dir);
    expect(code).toBe(1);
    const messages = out.problems.map((p) => p.message);
    expect(messages).toContainEqual(expect.stringMatching(/^timestamp index lacks \(segment \d+, max timestamp \d+\) → offset \d+, the segment's maximum$/));
    expect(messages).toContainEqual(expect.stringMatching(/^timestamp index key \(segment \d+, \d+ → offset \d+, entry \d+, end byte \d+\) matches no batch$/));
  });

  test('index on a dir without a LevelDB is a usage error', async () => {
    const dir = await buildDataDir();
    dirs.push(dir);
    const r = await inspect('index', join(dir, 'logs', '__meta', '00000000000000000001.log'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no LevelDB index');
  });
});

describe('hard state', () => {
  test('a commit past the last entry and a term below the last entry are warnings in verify', async () => {
    const dir = await tampered((db) => db.put(meta.hard, u64s(1, 0, 1000)));
    const r = await inspect('verify', dir, '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as IndexJson;
    const mine = out.warnings.filter((w) => w.logId === META_LOG).map((w) => w.message);
    expect(mine).toContain('hard state commit 1000 is past the last entry 60: committed entries are missing');
    expect(mine).toContain("hard state term 1 is below the last entry's term 3");
  });
});
