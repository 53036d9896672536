/** Catch-up read: one librdkafka consumer reads a topic from the start (no group, assign). */
import { dirname } from 'node:path';
import type { BenchCluster } from './cluster.js';
import type { LoadGenerator } from './cproducer.js';
import { BenchError } from './errors.js';
import { measured } from './measure.js';
import { runJsonProcess, runPythonClient } from './python.js';
import { rates, round3 } from './stats.js';
import type { ScenarioResult } from './types.js';

interface ConsumerOutput {
  messages: number;
  bytes: number;
  errors: number;
  seconds: number;
  totalSeconds: number;
  firstMessageS: number | null;
  /** The C consumer only: its CPU over the run (all threads). */
  cpuSeconds?: number;
}

interface ConsumeParams {
  bootstrap: string;
  topic: string;
  partitions: number;
  expected: number;
  timeoutS: number;
}

/** The C consumer when it could be built (same client settings), else consumer.py. */
function runConsumer(p: ConsumeParams, consumer: LoadGenerator): Promise<ConsumerOutput> {
  const timeoutMs = (p.timeoutS + 30) * 1000;
  if (consumer.kind === 'python') return runPythonClient<ConsumerOutput>('consumer.py', { ...p }, timeoutMs);
  const argv = Object.entries(p).map(([k, v]) => `${k}=${String(v)}`);
  return runJsonProcess<ConsumerOutput>(consumer.binary, argv, dirname(consumer.binary), 'consumer.c', timeoutMs);
}

export function consumeLibrdkafka(
  cluster: BenchCluster,
  o: { name: string; title: string; topic: string; partitions: number; expected: number; timeoutS: number },
  consumer: LoadGenerator,
): Promise<ScenarioResult> {
  const client = consumer.kind === 'c' ? 'librdkafka (C)' : 'librdkafka (Python)';
  const params = { topic: o.topic, partitions: o.partitions, expected: o.expected, generator: consumer.kind };
  return measured(cluster, { name: o.name, title: o.title, client, params }, async () => {
    const out = await runConsumer({ bootstrap: cluster.bootstrap, topic: o.topic, partitions: o.partitions, expected: o.expected, timeoutS: o.timeoutS }, consumer);
    if (out.messages === 0) throw new BenchError(`consumed nothing (${out.errors} errors)`);
    const clientCpu = out.cpuSeconds !== undefined && out.totalSeconds > 0 ? { clientCpuPercent: round3((out.cpuSeconds / out.totalSeconds) * 100) } : {};
    return {
      client, params, messages: out.messages, bytes: out.bytes, seconds: round3(out.seconds), ...rates(out.messages, out.bytes, out.seconds),
      extra: {
        errors: out.errors, firstMessageS: out.firstMessageS, totalSeconds: out.totalSeconds, complete: out.messages >= o.expected, ...clientCpu,
        ...(consumer.kind === 'python' ? { generatorFallback: consumer.reason } : {}),
      },
    };
  });
}
