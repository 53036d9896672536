/**
 * Test helper run as a child process (from dist/): appends to a `__meta` log and a partition log of
 * a real WalStore (fsync on) in a loop until it is killed, printing `durable <n>` after each round
 * so the parent can SIGKILL it mid-stream. Usage: node append-child.js <dataDir> <maxRounds>
 */
import { WalStore } from '../../../src/wal/index.js';
import { buildRecordBatch } from '../../../src/kafka/record-batch/index.js';
import { silentLogger } from '../../../src/util/logger.js';

const SEGMENT_BYTES = 16 * 1024;

function batch(baseOffset: number): Buffer {
  return buildRecordBatch({
    baseOffset,
    baseTimestamp: 1_700_000_000_000 + baseOffset,
    records: [{ key: Buffer.from(`k${baseOffset}`), value: Buffer.alloc(300, baseOffset % 251) }, { value: Buffer.from('second') }],
  });
}

async function run(dir: string, maxRounds: number): Promise<void> {
  const store = await WalStore.open({ dir, logger: silentLogger(), fsync: 'always', segmentBytes: SEGMENT_BYTES });
  const meta = await store.openLog('__meta', { kind: 'raft' });
  const part = await store.openLog('p.crash.0', { kind: 'partition' });
  for (let round = 0; round < maxRounds; round++) {
    const term = 1 + Math.floor(round / 50);
    const m = meta.append([{ index: meta.lastIndex + 1, term, type: 0, data: Buffer.alloc(100 + (round % 7) * 50, round % 256) }]);
    const p = part.append([{ index: part.lastIndex + 1, term, type: 2, data: batch(part.nextOffset) }]);
    await Promise.all([m, p, meta.saveHardState({ term, vote: 1, commit: meta.lastIndex })]);
    process.stdout.write(`durable ${round + 1}\n`);
  }
  await store.close();
}

const [dir, rounds] = process.argv.slice(2);
if (dir === undefined) {
  process.stderr.write('usage: append-child.js <dataDir> [maxRounds]\n');
  process.exitCode = 2;
} else {
  run(dir, Number(rounds ?? 100_000)).catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  });
}
