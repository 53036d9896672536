import { describe } from 'vitest';
import { simulationShard } from './run.js';

// Deterministic Raft simulation, shard 1 of 4 (see docs/raft.md to replay a failing seed).
describe('raft simulation', () => {
  simulationShard(1, 4, 250);
});
