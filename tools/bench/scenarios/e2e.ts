/** End-to-end latency (produce -> consumer receives) at a fixed offered rate, librdkafka both ends. */
import type { BenchCluster } from './cluster.js';
import { BenchError } from './errors.js';
import { measured } from './measure.js';
import { runPythonClient } from './python.js';
import { rates, round3 } from './stats.js';
import type { LatencyBucket, LatencyPercentiles, ScenarioResult } from './types.js';

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
}

export function endToEnd(
  cluster: BenchCluster,
  o: { name: string; title: string; topic: string; partitions: number; rate: number; durationS: number; messageBytes: number },
): Promise<ScenarioResult> {
  const params = { topic: o.topic, partitions: o.partitions, rate: o.rate, durationS: o.durationS, messageBytes: o.messageBytes, warmupS: 2, lingerMs: 0, acks: 'all', nagle: 'off', consumer: 'poll per message' };
  return measured(cluster, { name: o.name, title: o.title, client: 'librdkafka', params }, async () => {
    const out = await runPythonClient<E2eOutput>('e2e.py', { bootstrap: cluster.bootstrap, ...params }, (o.durationS + 90) * 1000);
    if (out.received === 0) throw new BenchError(`no message received end to end (sent ${out.sent})`);
    const bytes = out.received * o.messageBytes;
    return {
      client: 'librdkafka', params, messages: out.received, bytes, seconds: round3(out.seconds), ...rates(out.received, bytes, out.seconds),
      latency: out.latency, latencyOverTime: out.overTime, extra: { sent: out.sent, errors: out.errors, consumerReadyS: out.consumerReadyS, consumerReady: out.consumerReady, ackLatency: out.ackLatency },
    };
  });
}
