/**
 * Start-up benchmark of the embedded API: how long `startChronik()` takes until the cluster is
 * ready (every broker registered and visible to every node), for one node on disk, one node in
 * memory and three nodes on disk; plus createTopic (leaders visible) and stop(). Targets: one node
 * ready in ≤ 300 ms, three nodes in ≤ 1 s. Measured, never asserted in tests.
 *
 *   node dist/tools/bench/embedded.js [--rounds N]
 */
import { pathToFileURL } from 'node:url';
import { startChronik, type StartChronikOptions } from '../../src/index.js';

export interface EmbeddedBenchOptions {
  /** Rounds per shape (default 5; the first round also pays module warm-up). */
  readonly rounds?: number;
}

export interface Timing {
  readonly minMs: number;
  readonly medianMs: number;
  readonly maxMs: number;
}

export interface ShapeResult {
  readonly shape: string;
  readonly startMs: Timing;
  readonly createTopicMs: Timing;
  readonly stopMs: Timing;
}

export interface EmbeddedBenchResult {
  readonly rounds: number;
  readonly shapes: readonly ShapeResult[];
  readonly targets: { readonly singleNodeStartMs: number; readonly threeNodeStartMs: number };
}

const SHAPES: readonly { shape: string; options: StartChronikOptions }[] = [
  { shape: '1 node, disk', options: {} },
  { shape: '1 node, memory', options: { storage: 'memory' } },
  { shape: '3 nodes, disk', options: { nodes: 3 } },
];
const MAX_ROUNDS = 100;

export async function runEmbeddedBench(options: EmbeddedBenchOptions = {}): Promise<EmbeddedBenchResult> {
  const rounds = Math.min(Math.max(1, options.rounds ?? 5), MAX_ROUNDS);
  const shapes: ShapeResult[] = [];
  for (const { shape, options: start } of SHAPES) shapes.push(await measureShape(shape, start, rounds));
  return { rounds, shapes, targets: { singleNodeStartMs: 300, threeNodeStartMs: 1000 } };
}

async function measureShape(shape: string, options: StartChronikOptions, rounds: number): Promise<ShapeResult> {
  const start: number[] = [];
  const create: number[] = [];
  const stop: number[] = [];
  for (let i = 0; i < rounds; i++) {
    let t = performance.now();
    const cluster = await startChronik(options);
    start.push(performance.now() - t);
    try {
      t = performance.now();
      await cluster.createTopic('bench', { partitions: 3 });
      create.push(performance.now() - t);
    } finally {
      t = performance.now();
      await cluster.stop();
      stop.push(performance.now() - t);
    }
  }
  return { shape, startMs: timing(start), createTopicMs: timing(create), stopMs: timing(stop) };
}

function timing(samples: readonly number[]): Timing {
  const sorted = [...samples].sort((a, b) => a - b);
  const round = (n: number | undefined): number => Math.round((n ?? NaN) * 10) / 10;
  return { minMs: round(sorted[0]), medianMs: round(sorted[Math.floor(sorted.length / 2)]), maxMs: round(sorted.at(-1)) };
}

function render(result: EmbeddedBenchResult): string {
  const rows = result.shapes.map((s) => {
    const t = (x: Timing): string => `${x.medianMs} (${x.minMs}–${x.maxMs})`;
    return `${s.shape.padEnd(16)} start ${t(s.startMs).padEnd(22)} createTopic ${t(s.createTopicMs).padEnd(22)} stop ${t(s.stopMs)}`;
  });
  return [`embedded start-up, ms: median (min–max) over ${result.rounds} rounds; targets: 1 node ≤ 300, 3 nodes ≤ 1000`, ...rows].join('\n');
}

function roundsFlag(argv: readonly string[]): number | undefined {
  const i = argv.indexOf('--rounds');
  if (i < 0) return undefined;
  const n = Number(argv[i + 1]);
  if (!Number.isInteger(n) || n < 1) throw new Error('--rounds needs a positive integer');
  return n;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rounds = roundsFlag(process.argv.slice(2));
  runEmbeddedBench(rounds === undefined ? {} : { rounds }).then(
    (result) => process.stdout.write(`${render(result)}\n${JSON.stringify(result)}\n`),
    (err: unknown) => {
      process.stderr.write(`embedded bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
