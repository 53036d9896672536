import { setFlagsFromString } from 'node:v8';
import type { Logger } from '../util/logger.js';

/**
 * V8's heap growing factor for a broker process, in percent over 1 (150: the old generation may
 * grow to 2.5x its live size, external bytes included, before the next full mark-compact).
 *
 * Why: a broker's working set is Buffers (Produce request frames held until their batches commit,
 * Raft entry caches, WAL tails, read buffers), which live outside V8's heap, while its JavaScript
 * heap is small (about 15 MB live under produce-1n). V8 counts the external bytes allocated since
 * the last full GC against an old-generation limit of (growing factor x live heap); it picked a
 * factor of about 2.6 here, so at 100-200 MB/s of 1 MiB produce requests it ran a full
 * mark-compact every ~16 MB of data (6-10 a second), 1.2-1.8 ms of CPU per MB on its marking
 * threads. Measured in interleaved bench runs (docs/bench.md, session 4): at 200, produce-1n broker
 * CPU 4.9-5.0 -> 3.7-4.0 ms per MB; at 300, 5.1-6.3 -> 3.4-4.3, but consume-1n (50 MB fetch
 * responses of fresh read buffers) then peaked at 275-291 MB RSS against 216-232, too close to the
 * 300 MB bound; at 200 it peaked at 244-287 (287 in a full run). At 150, two interleaved pairs
 * against 200 (load 2.5-3.2): produce-1n 4.4 and 4.6 ms per MB against 4.6 and 4.1, consume-1n
 * peak RSS 226 and 243 MB against 284 and 290, and consume-1n itself 397 and 407 MB/s against
 * 362 and 354: the same CPU gain, with the memory margin back.
 */
export const BROKER_HEAP_GROWING_PERCENT = 150;

const FLAG = '--heap-growing-percent';

/**
 * Sets V8's heap growing factor for this process. The flag is process-wide (every node of one
 * process shares the heap) and V8 reads it whenever it recomputes its limits, so setting it after
 * start-up takes effect at the next GC. Leaves it alone when `percent` is 0 or when the operator
 * passed the flag on the command line. Returns whether it set the flag.
 */
export function tuneHeapGrowing(percent: number, logger: Logger, execArgv: readonly string[] = process.execArgv): boolean {
  const log = logger.child({ module: 'heap-tuning' });
  if (percent === 0) return false;
  if (!Number.isInteger(percent) || percent < 0 || percent > 1000) {
    log.warn({ percent }, 'heap growing percent out of range (0-1000); V8 default kept');
    return false;
  }
  // V8 accepts its flags with '_' or '-' between words.
  if (execArgv.map((a) => a.replaceAll('_', '-')).some((a) => a === FLAG || a.startsWith(`${FLAG}=`))) {
    log.info({ execArgv }, 'heap growing factor set on the command line; kept');
    return false;
  }
  setFlagsFromString(`${FLAG}=${percent}`);
  log.info({ percent }, 'V8 heap growing factor set');
  return true;
}
