/** Catch-up read: one librdkafka consumer reads a topic from the start (no group, assign). */
import type { BenchCluster } from './cluster.js';
import { BenchError } from './errors.js';
import { measured } from './measure.js';
import { runPythonClient } from './python.js';
import { rates, round3 } from './stats.js';
import type { ScenarioResult } from './types.js';

interface ConsumerOutput {
  messages: number;
  bytes: number;
  errors: number;
  seconds: number;
  totalSeconds: number;
  firstMessageS: number | null;
}

export function consumeLibrdkafka(
  cluster: BenchCluster,
  o: { name: string; title: string; topic: string; partitions: number; expected: number; timeoutS: number },
): Promise<ScenarioResult> {
  const params = { topic: o.topic, partitions: o.partitions, expected: o.expected };
  return measured(cluster, { name: o.name, title: o.title, client: 'librdkafka', params }, async () => {
    const out = await runPythonClient<ConsumerOutput>('consumer.py', { bootstrap: cluster.bootstrap, ...params, timeoutS: o.timeoutS }, (o.timeoutS + 30) * 1000);
    if (out.messages === 0) throw new BenchError(`consumed nothing (${out.errors} errors)`);
    return {
      client: 'librdkafka', params, messages: out.messages, bytes: out.bytes, seconds: round3(out.seconds), ...rates(out.messages, out.bytes, out.seconds),
      extra: { errors: out.errors, firstMessageS: out.firstMessageS, totalSeconds: out.totalSeconds, complete: out.messages >= o.expected },
    };
  });
}
