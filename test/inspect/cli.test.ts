/**
 * The real CLI as a child process (built dist/): exit codes, usage errors, help, read-only-ness,
 * and inspection while a store holds the LevelDB lock and keeps appending.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { sanitiseLogId } from '../../src/wal/index.js';
import { buildDataDir, hashTree, openFilledStore, PARTITION_LOG, partitionBatch, RECORDS_PER_BATCH, removeDir, tempDir } from './fixture.js';
import { flipByte, middleFrame, segmentPaths } from './corrupt.js';
import { CLI, inspect, inspectProcess } from './io.js';

const dirs: string[] = [];
let clean: string;

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first with 'npx tsc -p .'`);
  clean = await buildDataDir();
  dirs.push(clean);
});
afterAll(async () => {
  for (const d of dirs) await removeDir(d);
});

describe('exit codes', () => {
  test('0 on a clean dir, 1 on corruption with the location on stdout', async () => {
    expect((await inspectProcess(['verify', clean])).code).toBe(0);
    const bad = await buildDataDir();
    dirs.push(bad);
    const [seg] = await segmentPaths(bad, PARTITION_LOG);
    if (seg === undefined) throw new Error('no segment');
    const victim = await middleFrame(seg);
    await flipByte(seg, victim.position + 40);
    const r = await inspectProcess(['verify', bad]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`segment ${seg}, byte ${victim.position}, entry ${victim.index}`);
    const json = await inspectProcess(['verify', bad, '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, firstProblem: { segment: seg, position: victim.position } });
  });

  test.each([
    [['verify']],
    [['verify', '/nonexistent/chronik']],
    [['verify', '--bogus', 'x']],
    [['verify', 'a', 'b']],
    [['dump', 'x', '--count', 'ten']],
    [['groups']],
    [['partition', '/nonexistent/chronik', 'orders', '0']],
    [['partition', 'x', 'orders']],
    [['partition', 'x', 'orders', 'zero']],
    [['partition', 'x', 'orders', '0', 'extra']],
    [['frobnicate', 'x']],
    [[]],
  ])('usage error %j exits 2 with a message on stderr', async (argv) => {
    const r = await inspectProcess(argv.length === 0 ? [] : argv);
    expect(r.code).toBe(2);
    expect(r.stderr.length).toBeGreaterThan(0);
    expect(r.stdout).toBe('');
  });

  test('--help for the tool and every subcommand exits 0 and documents exit codes', async () => {
    const commands = ['segments', 'dump', 'verify', 'index', 'raft', 'meta', 'groups', 'partition'];
    const tool = await inspect('--help');
    expect(tool.code).toBe(0);
    for (const c of commands) expect(tool.stdout).toMatch(new RegExp(`^  ${c} `, 'm'));
    for (const argv of [['--help'], ...commands.map((c) => [c, '--help'])]) {
      const r = await inspect(...argv);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('Usage: chronik inspect');
      expect(r.stdout).toContain('Exit codes: 0 ok, 1 corruption found');
    }
    const child = await inspectProcess(['dump', '--help']);
    expect(child.code).toBe(0);
    expect(child.stdout).toContain('--offset N');
  });
});

describe('read-only', () => {
  test('no subcommand changes a byte (or an mtime) of the data dir', async () => {
    const before = await hashTree(clean);
    const logDir = join(clean, 'logs', sanitiseLogId(PARTITION_LOG));
    for (const argv of [['segments', clean], ['verify', clean, '--json'], ['index', clean], ['raft', clean], ['dump', logDir, '--deep'], ['groups', clean]]) {
      expect((await inspectProcess(argv)).code).toBe(0);
    }
    expect(await hashTree(clean)).toBe(before);
  });

  test('works while the store is open (LevelDB lock held) and appending, in-process and as a child', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    const store = await openFilledStore(dir);
    try {
      const log = await store.openLog(PARTITION_LOG);
      let next = log.lastIndex + 1;
      // Appends keep landing (new frames, new segments, index batches) while inspect reads.
      const appending = (async () => {
        for (let i = 0; i < 150; i++, next++) await log.append([{ index: next, term: 3, type: 2, data: partitionBatch(next - 1) }]);
      })();
      const [child, inProcess, raft] = await Promise.all([inspectProcess(['verify', dir, '--json']), inspect('verify', dir, '--json'), inspectProcess(['raft', dir, '--json'])]);
      await appending;
      for (const r of [child, inProcess]) {
        expect(r.code).toBe(0);
        expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, corruptionCount: 0 });
      }
      expect(raft.code).toBe(0);
      const after = await inspect('verify', dir, '--json');
      expect(after.code).toBe(0);
      const logs = (JSON.parse(after.stdout) as { logs: Array<{ logId: string; lastIndex: number }> }).logs;
      expect(logs.find((l) => l.logId === PARTITION_LOG)?.lastIndex).toBe(next - 1);
      expect(log.nextOffset).toBe((next - 1) * RECORDS_PER_BATCH);
    } finally {
      await store.close();
    }
  });
});
