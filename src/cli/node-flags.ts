/**
 * The `node` flags a broker process is started with: by `npm start`, by the `chronik` bin (its
 * `#!/usr/bin/env -S node ...` line), by `chronik cluster` and by the bench's brokers. V8 refuses
 * these once it runs (in NODE_OPTIONS too), so they must be on the command line.
 *
 * --single-threaded-gc: V8's default collects with four helper threads (concurrent marking,
 * parallel scavenges and compaction). A broker's garbage is mostly Buffers (request frames, reads),
 * and on the 2-core machines we measure on those threads competed with libuv's for the same two
 * cores: under produce-1n the main thread spent ~2.5-2.9 s per 23 s run in GC pauses with the helper
 * threads (plus ~0.3 of a core on the helpers themselves), against ~0.8-1.1 s with every phase on
 * the main thread, and broker CPU per MB fell from 4.3-4.9 to 3.3-3.8 ms (docs/bench.md, session 8).
 * On a machine with many cores per broker the helpers may pay off: run
 * `node dist/src/cli/main.js start` without the flag there.
 */
export const BROKER_NODE_FLAGS: readonly string[] = ['--single-threaded-gc'];

/** The broker flags this process was started without (V8 accepts `_` for `-` inside a flag). */
export function missingBrokerFlags(execArgv: readonly string[]): string[] {
  const given = new Set(execArgv.map((a) => a.replaceAll('_', '-')));
  return BROKER_NODE_FLAGS.filter((f) => !given.has(f));
}
