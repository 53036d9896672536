/**
 * A writer process (real WalStore, fsync on) is SIGKILLed mid-stream; `chronik inspect verify` on
 * what it left must exit 0 — a torn tail is at most a warning — and the WAL must open it.
 */
import { afterEach, expect, test } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { WalStore } from '../../src/wal/index.js';
import { silentLogger } from '../../src/util/logger.js';
import { removeDir, tempDir } from './fixture.js';
import { inspectProcess } from './io.js';

const CHILD = 'dist/tools/inspect/testing/append-child.js';
const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await removeDir(d);
});

/** Resolves once the child has reported `rounds` durable rounds; rejects if it exits first. */
function durableRounds(child: ReturnType<typeof spawn>, rounds: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const m = /durable (\d+)\n[^\n]*$/.exec(buffered);
      if (m !== null && Number(m[1]) >= rounds) resolve();
      buffered = buffered.slice(-64);
    });
    child.on('exit', (code) => reject(new Error(`writer exited early with ${code}`)));
  });
}

test.each([
  [40, 1],
  [120, 2],
])('SIGKILL after %i durable rounds (run %i): verify exits 0 and the WAL opens', async (rounds) => {
  if (!existsSync(CHILD)) throw new Error(`${CHILD} is missing: build first with 'npx tsc -p .'`);
  const dir = await tempDir();
  dirs.push(dir);
  const child = spawn(process.execPath, [CHILD, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = once(child, 'exit');
  await durableRounds(child, rounds);
  child.kill('SIGKILL');
  const [, signal] = (await exited) as [number | null, string | null];
  expect(signal).toBe('SIGKILL');

  const r = await inspectProcess(['verify', dir, '--json']);
  const out = JSON.parse(r.stdout) as { ok: boolean; problems: unknown[]; logs: Array<{ logId: string; lastIndex: number }> };
  expect(out.problems).toEqual([]);
  expect(r.code).toBe(0);
  for (const l of out.logs) expect(l.lastIndex).toBeGreaterThanOrEqual(rounds);

  const store = await WalStore.open({ dir, logger: silentLogger(), fsync: 'never' });
  try {
    for (const l of out.logs) expect((await store.openLog(l.logId)).lastIndex).toBe(l.lastIndex);
  } finally {
    await store.close();
  }
});
