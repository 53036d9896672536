/** Runs one scenario body with the broker CPU/RSS sampler around it; failures become a result row. */
import { loadavg } from 'node:os';
import type { BenchCluster } from './cluster.js';
import { ProcSampler } from './procstats.js';
import type { ScenarioResult, ServerUsage } from './types.js';

export type ScenarioBody = Omit<ScenarioResult, 'servers' | 'name' | 'title' | 'nodes'>;

export async function measured(
  cluster: BenchCluster,
  head: { name: string; title: string; client: string; params: ScenarioResult['params'] },
  body: () => Promise<ScenarioBody>,
): Promise<ScenarioResult> {
  const sampler = new ProcSampler(() => cluster.pids());
  let servers: ServerUsage[] = [];
  try {
    const r = await body();
    servers = sampler.stop();
    return { ...r, name: head.name, title: head.title, nodes: cluster.nodes.length, servers, loadavg1m: load1() };
  } catch (err) {
    servers = sampler.stop();
    return {
      name: head.name,
      title: head.title,
      client: head.client,
      nodes: cluster.nodes.length,
      params: head.params,
      messages: 0,
      bytes: 0,
      seconds: 0,
      msgsPerSec: 0,
      mbPerSec: 0,
      servers,
      loadavg1m: load1(),
      error: err instanceof Error ? err.message : String(err),
    };
  }
}

function load1(): number {
  return Math.round((loadavg()[0] ?? 0) * 10) / 10;
}
