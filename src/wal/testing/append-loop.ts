/**
 * Child process for the crash test: opens a WAL on disk (real fdatasync) and appends forever with
 * several concurrent appenders, printing `ack <index>` once each append's promise resolved. The test
 * SIGKILLs it mid-flight and checks that every acknowledged index survived.
 *
 * Usage: node append-loop.js <dir> [entryBytes=512] [appenders=16] [segmentBytes=65536] [maxEntries=1000000]
 */
import { WalStore } from '../store.js';
import { createLogger } from '../../util/logger.js';
import { testPayload } from './payload.js';

async function main(argv: string[]): Promise<void> {
  const [dir, entryArg, appendersArg, segmentArg, maxArg] = argv;
  if (dir === undefined) throw new Error('usage: append-loop <dir> [entryBytes] [appenders] [segmentBytes] [maxEntries]');
  const entryBytes = Number(entryArg ?? 512);
  const appenders = Number(appendersArg ?? 16);
  const maxEntries = Number(maxArg ?? 1_000_000);
  const logger = createLogger({ level: 'warn' });
  const store = await WalStore.open({ dir, logger, segmentBytes: Number(segmentArg ?? 65536) });
  const log = await store.openLog('p.crash.0', { kind: 'partition' });
  process.stdout.write(`ready ${log.lastIndex}\n`);
  const term = log.lastIndex === 0 ? 1 : log.termAt(log.lastIndex) + 1;
  const stop = log.lastIndex + maxEntries;
  const appender = async (): Promise<void> => {
    while (log.lastIndex < stop) {
      const index = log.lastIndex + 1;
      await log.append([{ index, term, type: 0, data: testPayload(index, entryBytes) }]);
      // Pipes are synchronous on Linux: once this returns, the parent can read the line.
      process.stdout.write(`ack ${index}\n`);
    }
  };
  await Promise.all(Array.from({ length: appenders }, appender));
  await store.close();
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`append-loop failed: ${String(err)}\n`);
  process.exit(1);
});
