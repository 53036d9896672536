/** The verify progress bar (stderr on a terminal only), gzip record decoding, and a closed stdout. */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { PassThrough } from 'node:stream';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { WalStore } from '../../src/wal/index.js';
import { buildRecordBatch, Compression } from '../../src/kafka/record-batch/index.js';
import { silentLogger } from '../../src/util/logger.js';
import { run } from '../../tools/inspect/main.js';
import { buildDataDir, removeDir, tempDir } from './fixture.js';
import { CLI, inspect } from './io.js';

let dir: string;
const extra: string[] = [];
beforeAll(async () => {
  dir = await buildDataDir();
});
afterAll(async () => {
  for (const d of [dir, ...extra]) await removeDir(d);
});

async function verifyWithProgress(progress: boolean): Promise<{ code: number; stderr: string; stdout: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => err.push(c));
  let clock = 0;
  // Every reading of the clock is 250 ms later: each segment read redraws the bar.
  const code = await run(['verify', dir], { stdout, stderr, progress, now: () => (clock += 250) });
  return { code, stderr: Buffer.concat(err).toString(), stdout: Buffer.concat(out).toString() };
}

test('on a terminal verify draws a progress bar with throughput on stderr, then erases it', async () => {
  const r = await verifyWithProgress(true);
  expect(r.code).toBe(0);
  expect(r.stderr).toMatch(/\rverify \[#+\.*\] +\d+% [\d.]+ MiB [\d.]+ MiB\/s/);
  expect(r.stderr).toContain('100%');
  expect(r.stderr.endsWith('\r\x1b[2K')).toBe(true);
  expect(r.stdout).toContain('OK: no corruption');
});

test('piped, verify writes nothing to stderr', async () => {
  const r = await verifyWithProgress(false);
  expect(r.code).toBe(0);
  expect(r.stderr).toBe('');
});

test('dump --deep inflates gzip batches', async () => {
  const d = await tempDir();
  extra.push(d);
  const store = await WalStore.open({ dir: d, logger: silentLogger(), fsync: 'never' });
  const log = await store.openLog('p.gz.0', { kind: 'partition' });
  const data = buildRecordBatch({ baseOffset: 0, compression: Compression.gzip, baseTimestamp: 5, records: [{ key: Buffer.from('a'), value: Buffer.from('compressed hello') }] });
  await log.append([{ index: 1, term: 1, type: 2, data }]);
  await store.close();
  const r = await inspect('dump', join(d, 'logs', 'p.gz.0'), '--deep', '--json');
  const f = JSON.parse(r.stdout.trim()) as { batch: { codec: string; crcOk: boolean }; records: Array<{ value: { text: string } }> };
  expect(f.batch).toMatchObject({ codec: 'gzip', crcOk: true });
  expect(f.records[0]?.value.text).toBe('compressed hello');
});

test('a reader that goes away early (| head) ends dump with exit 0, no error', async () => {
  const d = await tempDir();
  extra.push(d);
  const store = await WalStore.open({ dir: d, logger: silentLogger(), fsync: 'never' });
  const log = await store.openLog('big');
  // ~20k lines of output: far more than a pipe buffer, so writes hit the closed pipe.
  await log.append(Array.from({ length: 20_000 }, (_, i) => ({ index: i + 1, term: 1, type: 0, data: Buffer.from('x') })));
  await store.close();
  const child = spawn(process.execPath, [CLI, 'inspect', 'dump', join(d, 'logs', 'big')], { stdio: ['ignore', 'pipe', 'pipe'] });
  const stderr: Buffer[] = [];
  child.stderr.on('data', (c: Buffer) => stderr.push(c));
  child.stdout.once('data', () => child.stdout.destroy());
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  expect(Buffer.concat(stderr).toString()).toBe('');
  expect(code).toBe(0);
});
