/**
 * A real process appends with real fdatasync and is SIGKILLed mid-flight, three times over; after
 * each kill the log reopens (recovering any torn tail) and holds every acknowledged append, intact.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { WalStore } from '../../src/wal/index.js';
import { testPayload } from '../../src/wal/testing/payload.js';
import { logger, tempDir } from './helpers.js';

const CHILD = fileURLToPath(new URL('../../dist/src/wal/testing/append-loop.js', import.meta.url));
const ENTRY_BYTES = 700;
const KILL_AFTER_ACKS = 1500;
const CHILD_TIMEOUT_MS = 30_000;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Runs the child until it has acknowledged `acks` appends, SIGKILLs it; returns the acked indexes. */
function runAndKill(dir: string, acks: number): Promise<{ acked: number[]; startedAt: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, dir, String(ENTRY_BYTES), '32', '65536'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acked: number[] = [];
    let startedAt = -1;
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_TIMEOUT_MS);
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const [word, n] = line.split(' ');
      if (word === 'ready') startedAt = Number(n);
      if (word === 'ack') acked.push(Number(n));
      if (acked.length === acks) child.kill('SIGKILL');
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL' && acked.length >= acks) resolve({ acked, startedAt });
      else reject(new Error(`child exited early (code ${code}, signal ${signal}, ${acked.length} acks): ${stderr}`));
    });
  });
}

describe('real process killed with SIGKILL', () => {
  it('keeps every acknowledged append across repeated kills', async () => {
    expect(existsSync(CHILD), `build first (npx tsc -p .): ${CHILD}`).toBe(true);
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    let previousLast = 0;
    for (let round = 0; round < 3; round++) {
      const { acked, startedAt } = await runAndKill(dir, KILL_AFTER_ACKS);
      expect(startedAt).toBe(previousLast);
      const store = await WalStore.open({ dir, logger, segmentBytes: 65536 });
      const log = await store.openLog('p.crash.0');
      const maxAcked = Math.max(...acked);
      expect(log.lastIndex).toBeGreaterThanOrEqual(maxAcked);
      const all = await log.read(1, log.lastIndex + 1, 1 << 30);
      expect(all.map((e) => e.index)).toEqual(Array.from({ length: log.lastIndex }, (_, i) => i + 1));
      for (const i of acked) {
        const e = all[i - 1];
        expect(e !== undefined && Buffer.from(e.data).equals(testPayload(i, ENTRY_BYTES)), `entry ${i}`).toBe(true);
      }
      expect(log.segments().length).toBeGreaterThan(1);
      previousLast = log.lastIndex;
      await store.close();
    }
  });
});
