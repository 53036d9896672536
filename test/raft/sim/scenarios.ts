import type { SimOptions } from './simulator.js';

/** Base settings; each scenario turns faults on. Kept small so a seed runs in tens of ms. */
const BASE: Omit<SimOptions, 'seed'> = {
  nodes: 3,
  chaosMs: 2000,
  livenessMs: 4000,
  dropRate: 0.05,
  dupRate: 0.02,
  maxDelayMs: 20,
  partitions: false,
  crashes: false,
  tornWriteRate: 0,
  compaction: false,
  membership: false,
  spares: 0,
  diskDelayMs: 0,
  maxSizePerMsg: 200,
  peerDown: true,
  // Quiescence (by seed, see scenarioFor); the keepalive bound (3 minimum election timeouts here,
  // ~5 in the node: 5 s idle timeout against 1 s) reports partitions that last longer as peer-down.
  quiesce: true,
  commitNotices: true,
  keepaliveMs: 300,
  trace: false,
};

export const SCENARIOS: Record<string, Omit<SimOptions, 'seed'>> = {
  'three-nodes-partitions': { ...BASE, partitions: true },
  'five-nodes-partitions-crashes': { ...BASE, nodes: 5, diskDelayMs: 8, partitions: true, crashes: true, tornWriteRate: 0.01 },
  'three-nodes-crashes-torn-writes-compaction': { ...BASE, diskDelayMs: 5, crashes: true, tornWriteRate: 0.03, compaction: true, partitions: true },
  'five-nodes-membership-compaction': { ...BASE, nodes: 5, diskDelayMs: 3, spares: 1, membership: true, compaction: true, partitions: true, crashes: true, tornWriteRate: 0.01 },
  // One entry per append and heavy loss: old-term entries can reach a majority without the new
  // leader's entries (the Figure 8 setting).
  'five-nodes-tiny-messages-churn': { ...BASE, nodes: 5, maxSizePerMsg: 1, dropRate: 0.1, partitions: true, crashes: true, tornWriteRate: 0.05 },
};

/** Scenario and seed for a global seed number, so one SIM_SEED picks both. */
export function scenarioFor(seed: number): [string, Omit<SimOptions, 'seed'>] {
  const names = Object.keys(SCENARIOS);
  const name = names[seed % names.length] ?? '';
  const s = SCENARIOS[name];
  if (s === undefined) throw new Error('no scenario');
  return [name, { ...s, quiesce: quiesceFor(seed), commitNotices: commitNoticesFor(seed) }];
}

/**
 * Commit notices are off for half the seeds, in blocks of 10 (so each 20-seed block of the
 * quiescence pattern, and every shard and scenario, gets both): the liveness check then needs
 * every member to learn the final commit from appends and heartbeats alone.
 */
export function commitNoticesFor(seed: number): boolean {
  return Math.floor(seed / 10) % 2 === 0;
}

/**
 * Every scenario runs with quiescence on for two thirds of the seeds and off for the rest (the
 * driver's default is off), in blocks of 20 seeds so that every shard and scenario gets both.
 */
export function quiesceFor(seed: number): boolean {
  return Math.floor(seed / 20) % 3 !== 2;
}
