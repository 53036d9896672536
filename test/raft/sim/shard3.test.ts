import { describe } from 'vitest';
import { simulationShard } from './run.js';

// Deterministic Raft simulation, shard 3 of 4 (see docs/raft.md to replay a failing seed).
describe('raft simulation', () => {
  simulationShard(3, 4, 250);
});
