import { expect, it } from 'vitest';
import { SCENARIOS, scenarioFor } from './scenarios.js';
import { runSimulation } from './simulator.js';

/**
 * Runs `count` seeds of the scenarios selected by `shard` (Math.floor(seed / 5) % shards === shard, so every shard runs every scenario), or only
 * SIM_SEED when set (with SIM_TRACE=1 printing the event trace). Split across files so vitest runs
 * shards in parallel.
 */
export function simulationShard(shard: number, shards: number, count: number): void {
  const only = process.env['SIM_SEED'];
  const trace = process.env['SIM_TRACE'] === '1';
  if (only !== undefined) {
    const seed = Number(only);
    if (Math.floor(seed / 5) % shards !== shard) return;
    it(`replays seed ${seed}`, () => {
      const [name, s] = scenarioFor(seed);
      console.log(`seed ${seed}: scenario ${name}`);
      const r = runSimulation({ ...s, seed, trace });
      console.log(JSON.stringify(r));
    });
    return;
  }
  const base = Number(process.env['SIM_BASE_SEED'] ?? 1);
  it(`${count} seeds (shard ${shard}/${shards}, scenarios ${Object.keys(SCENARIOS).length})`, () => {
    let elections = 0;
    let applies = 0;
    let quiesces = 0;
    let seedsRun = 0;
    for (let seed = base; seedsRun < count; seed++) {
      if (Math.floor(seed / 5) % shards !== shard) continue;
      const [, s] = scenarioFor(seed);
      // A failure throws with the seed, the scenario and the one-line replay command.
      const r = runSimulation({ ...s, seed, trace: false });
      elections += r.elections;
      applies += r.applies;
      quiesces += r.quiesces;
      seedsRun++;
    }
    expect(seedsRun).toBe(count);
    expect(elections).toBeGreaterThanOrEqual(count);
    expect(applies).toBeGreaterThan(count * 20);
    // Every quiescing seed ends with its idle group quiet on all members; most go quiet during the chaos too.
    expect(quiesces).toBeGreaterThan(count);
    // About 5 s of CPU per shard; generous so a loaded CI machine does not time it out.
  }, 300_000);
}
