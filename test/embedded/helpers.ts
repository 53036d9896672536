import { createHook } from 'node:async_hooks';
import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';

export function kafkaFor(brokers: readonly string[], clientId: string): Kafka {
  return new Kafka({ brokers: [...brokers], clientId, logLevel: logLevel.NOTHING, retry: { retries: 20, initialRetryTime: 50, maxRetryTime: 500 } });
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

/**
 * Records every tracked async resource created while enabled and forgets it when destroyed;
 * `leftover()` is what is still alive (after one turn of the loop, when destroy hooks have run).
 */
export function trackHandles(): { leftover(): Promise<string[]>; disable(): void } {
  const live = new Map<number, string>();
  const hook = createHook({
    init: (id, type) => {
      if (TRACKED.has(type)) live.set(id, type);
    },
    destroy: (id) => {
      live.delete(id);
    },
  }).enable();
  return {
    leftover: async () => {
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
      return [...live.values()];
    },
    disable: () => hook.disable(),
  };
}
