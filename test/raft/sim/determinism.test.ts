import { expect, it } from 'vitest';
import { scenarioFor } from './scenarios.js';
import { runSimulation } from './simulator.js';

// A seed must replay exactly, or a failing seed could not be debugged from its trace.
it('a seed replays identically', () => {
  for (const seed of [3, 4, 8, 9]) {
    const [, s] = scenarioFor(seed);
    const a = runSimulation({ ...s, seed });
    const b = runSimulation({ ...s, seed });
    expect(b).toEqual(a);
    expect(a.events).toBeGreaterThan(500);
  }
});

// A failing seed must say how to replay it.
it('a failure names its seed and the replay command', () => {
  const [, s] = scenarioFor(5);
  // No time at all to recover after healing: the liveness check must fail.
  expect(() => runSimulation({ ...s, seed: 5, livenessMs: 1 })).toThrowError(
    /seed 5 failed at t=\d+ms: liveness.*\nreplay: SIM_SEED=5 SIM_TRACE=1 npx vitest run test\/raft\/sim/s,
  );
});
