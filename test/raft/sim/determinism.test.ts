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
