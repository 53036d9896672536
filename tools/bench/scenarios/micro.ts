/** The component micro-benchmarks, with bounded durations; embedded start-up if that bench exists. */
import { runRaftBench } from '../raft.js';
import { runWalBench } from '../wal.js';

export async function walMicro(dataDir: string, durationMs: number): Promise<unknown> {
  return runWalBench({ dir: dataDir, durationMs, slices: 2 });
}

export async function raftMicro(seconds: number): Promise<unknown> {
  return runRaftBench({ seconds, fsync: 'always', groups: 50, idleGroups: 1000, idleSeconds: Math.max(2, seconds) });
}

/**
 * tools/bench/embedded.ts is written separately and may not exist in a given build: load it by a
 * computed specifier so this file compiles either way, and skip it when absent.
 */
export async function embeddedMicro(): Promise<unknown> {
  const specifier = new URL('../embedded.js', import.meta.url).href;
  let mod: Record<string, unknown>;
  try {
    mod = (await import(specifier)) as Record<string, unknown>;
  } catch {
    return { skipped: 'tools/bench/embedded.ts is not built' };
  }
  const run = mod.runEmbeddedBench;
  if (typeof run !== 'function') return { skipped: 'runEmbeddedBench is not exported' };
  return (await (run as (opts: { rounds: number }) => Promise<unknown>)({ rounds: 3 })) ?? {};
}
