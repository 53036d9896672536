/**
 * A real process appends to several logs at once (so its sync rounds go through the redo journal)
 * with real fdatasync and is SIGKILLed mid-flight, three times over; after each kill every log
 * reopens (the store redoing its journal, each log recovering any torn tail) and holds every
 * acknowledged append, intact.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { WalStore, type WalLog } from '../../src/wal/index.js';
import { testPayload } from '../../src/wal/testing/payload.js';
import { capturingLogger, tempDir } from './helpers.js';

const CHILD = fileURLToPath(new URL('../../dist/src/wal/testing/append-loop.js', import.meta.url));
const ENTRY_BYTES = 700;
const KILL_AFTER_ACKS = 1500;
const CHILD_TIMEOUT_MS = 30_000;
const LOGS = 4;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Runs the child until it has acknowledged `acks` appends, SIGKILLs it; returns the acked indexes per log. */
function runAndKill(dir: string, acks: number): Promise<{ acked: number[][]; startedAt: number[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, dir, String(ENTRY_BYTES), '32', '65536', '1000000', String(LOGS)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acked: number[][] = Array.from({ length: LOGS }, () => []);
    let count = 0;
    let startedAt: number[] = [];
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_TIMEOUT_MS);
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const [word, ...rest] = line.split(' ');
      if (word === 'ready') startedAt = rest.map(Number);
      if (word === 'ack') {
        acked[Number(rest[0])]?.push(Number(rest[1]));
        count++;
      }
      if (count === acks) child.kill('SIGKILL');
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL' && count >= acks) resolve({ acked, startedAt });
      else reject(new Error(`child exited early (code ${code}, signal ${signal}, ${count} acks): ${stderr}`));
    });
  });
}

/** The log holds 1..lastIndex, every acknowledged entry intact. */
async function expectAcked(log: WalLog, acked: number[]): Promise<void> {
  expect(acked.length).toBeGreaterThan(0);
  expect(log.lastIndex).toBeGreaterThanOrEqual(Math.max(...acked));
  const all = await log.read(1, log.lastIndex + 1, 1 << 30);
  expect(all.map((e) => e.index)).toEqual(Array.from({ length: log.lastIndex }, (_, i) => i + 1));
  for (const i of acked) {
    const e = all[i - 1];
    expect(e !== undefined && Buffer.from(e.data).equals(testPayload(i, ENTRY_BYTES)), `${log.logId} entry ${i}`).toBe(true);
  }
}

describe('real process killed with SIGKILL', () => {
  it('keeps every acknowledged append across repeated kills', async () => {
    expect(existsSync(CHILD), `build first (npx tsc -p .): ${CHILD}`).toBe(true);
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    let previousLast = Array.from({ length: LOGS }, () => 0);
    for (let round = 0; round < 3; round++) {
      const { acked, startedAt } = await runAndKill(dir, KILL_AFTER_ACKS);
      expect(startedAt).toEqual(previousLast);
      const { lines, log: capture } = capturingLogger();
      capture.level = 'info';
      const store = await WalStore.open({ dir, logger: capture, segmentBytes: 65536 });
      // The child's rounds held several logs: the journal it left has records to redo.
      expect(lines.find((l) => l.msg === 'redid the journal')?.records).toBeGreaterThan(0);
      const lasts: number[] = [];
      let segments = 0;
      for (let n = 0; n < LOGS; n++) {
        const log = await store.openLog(`p.crash.${n}`);
        await expectAcked(log, acked[n] ?? []);
        lasts.push(log.lastIndex);
        segments += log.segments().length;
      }
      expect(segments).toBeGreaterThan(LOGS);
      previousLast = lasts;
      await store.close();
    }
  });
});
