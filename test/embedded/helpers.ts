import { createHook } from 'node:async_hooks';
import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';

/**
 * A kafkajs client whose retry budget (about 30 s) covers a leader failover that also loses the
 * `__meta` leader: the new partition leader's LeaderElected can wait out a 10 s forwarding timeout
 * to the dead node before it commits (see docs/embedded.md, known gaps).
 */
export function kafkaFor(brokers: readonly string[], clientId: string): Kafka {
  return new Kafka({ brokers: [...brokers], clientId, logLevel: logLevel.NOTHING, retry: { retries: 40, initialRetryTime: 50, maxRetryTime: 1_000 } });
}

/** Consumes until `count` messages arrived (event-driven), bounded by timeoutMs; returns the values. */
export function collect(consumer: Consumer, count: number, timeoutMs: number): Promise<string[]> {
  const values: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${values.length}/${count} messages within ${timeoutMs} ms`)), timeoutMs);
    void consumer.run({
      eachMessage: async ({ message }) => {
        values.push(message.value?.toString() ?? '');
        if (values.length === count) {
          clearTimeout(timer);
          resolve(values);
        }
      },
    });
  });
}

/** Sends `count` messages `prefix-i` in batches of `batch`, awaiting each acknowledgement (acks=all). */
export async function produceSeries(producer: Producer, topic: string, prefix: string, from: number, count: number, batch = 10): Promise<number> {
  let acked = 0;
  for (let i = from; i < from + count; i += batch) {
    const n = Math.min(batch, from + count - i);
    await producer.send({ topic, acks: -1, messages: Array.from({ length: n }, (_, j) => ({ key: `k${(i + j) % 7}`, value: `${prefix}-${i + j}` })) });
    acked += n;
  }
  return acked;
}

/** Resource types that would keep a process alive or leak: sockets, listeners, timers, file handles. */
const TRACKED = new Set(['TCPWRAP', 'TCPSERVERWRAP', 'TCPCONNECTWRAP', 'Timeout', 'FILEHANDLE', 'Immediate']);
/** The test runner's own timers (worker RPC, reporting) are not ours to judge. */
const RUNNER_FRAMES = /node_modules\/(vitest|@vitest|tinypool|birpc)\//;

/**
 * Records every tracked async resource created while enabled (with where it was created) and
 * forgets it when destroyed; `leftover()` lists what is still alive once destroy hooks have run.
 */
export function trackHandles(): { leftover(): Promise<string[]>; disable(): void } {
  const live = new Map<number, string>();
  let checking = false;
  const hook = createHook({
    init: (id, type) => {
      if (checking || !TRACKED.has(type)) return;
      const stack = new Error().stack?.split('\n').slice(3, 12).join('\n') ?? '';
      if (!RUNNER_FRAMES.test(stack)) live.set(id, `${type}\n${stack}`);
    },
    destroy: (id) => {
      live.delete(id);
    },
  }).enable();
  return {
    leftover: async () => {
      checking = true;
      // Destroy hooks are delivered from a native queue drained on later turns of the loop.
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
      return [...live.values()];
    },
    disable: () => hook.disable(),
  };
}
