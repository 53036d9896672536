/**
 * Child process for the crash test: opens a WAL on disk (real fdatasync) and appends forever with
 * several concurrent appenders spread over several logs (so sync rounds hold several logs and go
 * through the redo journal), printing `ack <log number> <index>` once each append's promise
 * resolved. The test SIGKILLs it mid-flight and checks that every acknowledged index survived.
 *
 * Usage: node append-loop.js <dir> [entryBytes=512] [appenders=16] [segmentBytes=65536] [maxEntries=1000000] [logs=1]
 */
import { WalStore } from '../store.js';
import type { WalLog } from '../log.js';
import { createLogger } from '../../util/logger.js';
import { testPayload } from './payload.js';

async function main(argv: string[]): Promise<void> {
  const [dir, entryArg, appendersArg, segmentArg, maxArg, logsArg] = argv;
  if (dir === undefined) throw new Error('usage: append-loop <dir> [entryBytes] [appenders] [segmentBytes] [maxEntries] [logs]');
  const entryBytes = Number(entryArg ?? 512);
  const appenders = Number(appendersArg ?? 16);
  const maxEntries = Number(maxArg ?? 1_000_000);
  const logCount = Number(logsArg ?? 1);
  const logger = createLogger({ level: 'warn' });
  const store = await WalStore.open({ dir, logger, segmentBytes: Number(segmentArg ?? 65536) });
  const logs: WalLog[] = [];
  for (let n = 0; n < logCount; n++) logs.push(await store.openLog(`p.crash.${n}`, { kind: 'partition' }));
  process.stdout.write(`ready ${logs.map((l) => l.lastIndex).join(' ')}\n`);
  // Fixed per log before the appenders start: each incarnation appends in a new term.
  const terms = logs.map((l) => (l.lastIndex === 0 ? 1 : l.termAt(l.lastIndex) + 1));
  const stops = logs.map((l) => l.lastIndex + maxEntries);
  const appender = async (n: number): Promise<void> => {
    const log = logs[n % logs.length];
    const term = terms[n % logs.length];
    const stop = stops[n % logs.length];
    if (log === undefined || term === undefined || stop === undefined) return;
    while (log.lastIndex < stop) {
      const index = log.lastIndex + 1;
      await log.append([{ index, term, type: 0, data: testPayload(index, entryBytes) }]);
      // Pipes are synchronous on Linux: once this returns, the parent can read the line.
      process.stdout.write(`ack ${n % logs.length} ${index}\n`);
    }
  };
  await Promise.all(Array.from({ length: appenders }, (_, n) => appender(n)));
  await store.close();
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`append-loop failed: ${String(err)}\n`);
  process.exit(1);
});
