/** Command-line options of `chronik bench`. */
import { tmpdir } from 'node:os';
import { BenchError } from './errors.js';

export const SCENARIOS = [
  'physical', 'produce-1n', 'produce-1n-kafkajs', 'consume-1n', 'produce-1n-acks0',
  'produce-3n', 'consume-3n', 'e2e-3n', 'create-3n', 'failover-3n',
  'wal', 'raft', 'embedded', 'scale-3n', 'restart-catchup-3n',
] as const;
export type ScenarioName = (typeof SCENARIOS)[number];
/** Run only when named in --only: filling and catching up 1 GB would stretch the default run past its budget. */
export const OPT_IN: ReadonlySet<ScenarioName> = new Set<ScenarioName>(['restart-catchup-3n']);

export interface BenchOptions {
  only: ReadonlySet<ScenarioName>;
  /** Parent of the scratch folder for data directories (must be on the data disk). */
  dir: string;
  outDir: string;
  produceS: number;
  kafkajsS: number;
  e2eS: number;
  /**
   * Paced load before the e2e latencies count. 10 s in a full run: on fresh brokers the per-second
   * p50 at 2,000 msg/s fell from 10-16 ms in the first second to 4-6 ms from about the sixth
   * (JIT warm-up, heap and buffer growth; docs/bench.md, session 6), and a broker in service is
   * past that. Latency benchmarks warm up for the same reason (the OpenMessaging Benchmark's
   * default is a minute).
   */
  e2eWarmupS: number;
  e2eRate: number;
  topics: number;
  failovers: number;
  /** MiB produced while the follower is down in restart-catchup-3n. */
  catchupMib: number;
  /** Idle CPU window of scale-3n. */
  idleS: number;
  diskMs: number;
  netMs: number;
  walMs: number;
  raftS: number;
  cpuProf: boolean;
  keep: boolean;
  /** Load generators of the librdkafka produce, consume and e2e scenarios: the C clients (each falls back to Python when it cannot be built) or Python. */
  producer: 'c' | 'python';
}

export const USAGE = `Usage: chronik bench [options]
       chronik bench --compare A.json B.json
       chronik bench --profile-summary FILE.cpuprofile

Starts its own brokers (1 node, then 3 nodes) as real processes on loopback and drives them with
librdkafka (a C producer, /usr/bin/python3 confluent-kafka) and kafkajs. Writes bench-results/<timestamp>.json/.html.

  --only a,b          scenarios (default all but ${[...OPT_IN].join(', ')}): ${SCENARIOS.join(', ')}
  --dir DIR           parent of the scratch data directories (default the OS temp dir)
  --out DIR           results folder (default bench-results)
  --quick             short durations (about a quarter), for a sanity check
  --produce-s N       seconds per produce scenario (default 15)
  --e2e-rate N        offered rate of the e2e scenario in msg/s (default 2000)
  --topics N          topics in create-3n (default 50)
  --failovers N       rounds of failover-3n (default 10)
  --catchup-mib N     MiB produced while a follower is down, restart-catchup-3n (default 1024)
  --disk-ms N, --net-ms N, --wal-ms N
                      per-measurement durations of the physical limits and the WAL micro-benchmark
  --producer c|python librdkafka load generators of the produce, catch-up consume and e2e scenarios
                      (default c: C clients compiled with gcc against librdkafka-dev; fall back to
                      Python, and say so)
  --cpu-prof          run brokers under node --cpu-prof (profiles next to the results)
  --keep              keep the scratch data directories
`;

function value(argv: readonly string[], i: number, name: string): string {
  const v = argv[i + 1];
  if (v === undefined || v.startsWith('--')) throw new BenchError(`${name} needs a value`);
  return v;
}

function positive(text: string, name: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new BenchError(`${name}: not a positive number: ${text}`);
  return n;
}

export function parseOptions(argv: readonly string[]): BenchOptions {
  const quick = argv.includes('--quick');
  const o: BenchOptions = {
    only: new Set(SCENARIOS.filter((s) => !OPT_IN.has(s))),
    dir: tmpdir(),
    outDir: 'bench-results',
    produceS: quick ? 4 : 15,
    kafkajsS: quick ? 3 : 10,
    e2eS: quick ? 5 : 20,
    e2eWarmupS: quick ? 2 : 10,
    e2eRate: 2000,
    topics: quick ? 10 : 50,
    failovers: quick ? 3 : 10,
    catchupMib: quick ? 256 : 1024,
    idleS: quick ? 5 : 10,
    diskMs: quick ? 500 : 2000,
    netMs: quick ? 300 : 1000,
    walMs: quick ? 1200 : 3000,
    raftS: quick ? 1 : 2,
    cpuProf: argv.includes('--cpu-prof'),
    keep: argv.includes('--keep'),
    producer: 'c',
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick' || a === '--cpu-prof' || a === '--keep') continue;
    if (a === '--only') o.only = parseOnly(value(argv, i, a));
    else if (a === '--dir') o.dir = value(argv, i, a);
    else if (a === '--out') o.outDir = value(argv, i, a);
    else if (a === '--produce-s') o.produceS = positive(value(argv, i, a), a);
    else if (a === '--e2e-rate') o.e2eRate = positive(value(argv, i, a), a);
    else if (a === '--topics') o.topics = Math.ceil(positive(value(argv, i, a), a));
    else if (a === '--failovers') o.failovers = Math.ceil(positive(value(argv, i, a), a));
    else if (a === '--catchup-mib') o.catchupMib = Math.ceil(positive(value(argv, i, a), a));
    else if (a === '--wal-ms') o.walMs = positive(value(argv, i, a), a);
    else if (a === '--disk-ms') o.diskMs = positive(value(argv, i, a), a);
    else if (a === '--net-ms') o.netMs = positive(value(argv, i, a), a);
    else if (a === '--producer') o.producer = producerKind(value(argv, i, a));
    else throw new BenchError(`unknown option ${String(a)}`);
    i++;
  }
  return o;
}

function producerKind(v: string): 'c' | 'python' {
  if (v === 'c' || v === 'python') return v;
  throw new BenchError(`--producer: c or python, not ${v}`);
}

function parseOnly(list: string): Set<ScenarioName> {
  const names = list.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  const out = new Set<ScenarioName>();
  for (const n of names) {
    const known = SCENARIOS.find((s) => s === n);
    if (known === undefined) throw new BenchError(`unknown scenario ${n} (known: ${SCENARIOS.join(', ')})`);
    out.add(known);
  }
  return out;
}
