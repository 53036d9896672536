/**
 * End-to-end latency (produce -> consumer receives) at a fixed offered rate, librdkafka both ends:
 * the C client (clients/e2e.c) when it could be built, else e2e.py with the same settings. The
 * client's own CPU is recorded either way: on the shared 2-core machine it competes with the
 * brokers it measures (e2e.py took ~0.7 of a core at 2,000 msg/s).
 */
import { dirname, resolve } from 'node:path';
import type { BenchCluster } from './cluster.js';
import { buildCE2eClient, type LoadGenerator } from './cproducer.js';
import { BenchError } from './errors.js';
import { measured } from './measure.js';
import { clientsDir, PYTHON, runJsonProcess } from './python.js';
import { rates, round3 } from './stats.js';
import type { LatencyBucket, LatencyPercentiles, ScenarioResult } from './types.js';

/** What e2e.c and e2e.py print (e2e.c adds generator and librdkafka; cpuSeconds comes from both, see PYTHON_CPU). */
interface E2eOutput {
  sent: number;
  received: number;
  errors: number;
  seconds: number;
  consumerReadyS: number;
  consumerReady: boolean;
  latency: LatencyPercentiles;
  /** Produce -> acks=all acknowledgement of the same messages: the broker's share. */
  ackLatency: LatencyPercentiles;
  overTime: LatencyBucket[];
  /** User + system CPU of the whole client process (all its threads, librdkafka's included). */
  cpuSeconds?: number;
  librdkafka?: string;
}

export interface E2eOptions {
  name: string;
  title: string;
  topic: string;
  partitions: number;
  rate: number;
  durationS: number;
  /** Seconds of paced load before latencies count (both clients take it as warmupS). */
  warmupS: number;
  messageBytes: number;
}

/**
 * Runs e2e.py unchanged and adds the process's CPU (RUSAGE_SELF: every thread) to its JSON line,
 * so the Python and C clients report their cost the same way. cwd is the clients folder, which
 * `-c` puts first on sys.path for e2e.py's `import common`.
 */
const PYTHON_CPU = [
  'import contextlib, io, json, resource, runpy, sys',
  'script = sys.argv[1]',
  'sys.argv = sys.argv[1:]',
  'buf = io.StringIO()',
  'with contextlib.redirect_stdout(buf):',
  '    runpy.run_path(script, run_name="__main__")',
  'out = json.loads(buf.getvalue().strip().splitlines()[-1])',
  'ru = resource.getrusage(resource.RUSAGE_SELF)',
  'out["cpuSeconds"] = ru.ru_utime + ru.ru_stime',
  'print(json.dumps(out), flush=True)',
].join('\n');

/** The e2e client `--producer` asks for: C unless python (compiled before the clock starts). */
export function e2eClient(wanted: 'c' | 'python', outDir: string): Promise<LoadGenerator> {
  return wanted === 'python' ? Promise.resolve({ kind: 'python', reason: '--producer python' }) : buildCE2eClient(outDir);
}

function runClient(settings: Record<string, string | number>, client: LoadGenerator, timeoutMs: number): Promise<E2eOutput> {
  if (client.kind === 'python') {
    const dir = clientsDir();
    return runJsonProcess<E2eOutput>(PYTHON, ['-B', '-c', PYTHON_CPU, resolve(dir, 'e2e.py'), JSON.stringify(settings)], dir, 'e2e.py', timeoutMs);
  }
  const argv = Object.entries(settings).map(([k, v]) => `${k}=${String(v)}`);
  return runJsonProcess<E2eOutput>(client.binary, argv, dirname(client.binary), 'e2e.c', timeoutMs);
}

/** Which client ran and what it cost: CPU over the process's whole life, in % of one core. */
function clientExtra(out: E2eOutput, client: LoadGenerator, wallS: number): Record<string, unknown> {
  const cpu = out.cpuSeconds;
  return {
    ...(cpu === undefined ? {} : { clientCpuSeconds: round3(cpu), clientWallSeconds: round3(wallS), clientCpuPercent: round3((cpu / wallS) * 100) }),
    ...(out.librdkafka === undefined ? {} : { librdkafka: out.librdkafka }),
    ...(client.kind === 'python' ? { generatorFallback: client.reason } : {}),
  };
}

export function endToEnd(cluster: BenchCluster, o: E2eOptions, client: LoadGenerator): Promise<ScenarioResult> {
  const label = client.kind === 'c' ? 'librdkafka (C)' : 'librdkafka (Python)';
  const params = {
    topic: o.topic, partitions: o.partitions, rate: o.rate, durationS: o.durationS, messageBytes: o.messageBytes, warmupS: o.warmupS,
    lingerMs: 0, acks: 'all', nagle: 'off', consumer: 'poll per message', generator: client.kind,
  };
  const settings = { bootstrap: cluster.bootstrap, topic: o.topic, partitions: o.partitions, messageBytes: o.messageBytes, rate: o.rate, durationS: o.durationS, warmupS: o.warmupS };
  return measured(cluster, { name: o.name, title: o.title, client: label, params }, async () => {
    const began = performance.now();
    const out = await runClient(settings, client, (o.warmupS + o.durationS + 90) * 1000);
    const wallS = (performance.now() - began) / 1000;
    if (out.received === 0) throw new BenchError(`no message received end to end (sent ${out.sent})`);
    const bytes = out.received * o.messageBytes;
    return {
      client: label, params, messages: out.received, bytes, seconds: round3(out.seconds), ...rates(out.received, bytes, out.seconds),
      latency: out.latency, latencyOverTime: out.overTime,
      extra: { sent: out.sent, errors: out.errors, consumerReadyS: out.consumerReadyS, consumerReady: out.consumerReady, ackLatency: out.ackLatency, ...clientExtra(out, client, wallS) },
    };
  });
}
