import { Kafka, logLevel, type Producer } from 'kafkajs';
import { encodeValue, type AckedWrite } from './checker.js';

/**
 * One kafkajs idempotent producer (acks=all, one request in flight) writing `chk|name|seq|pad`
 * values in batches, round-robin over its partitions. Every acknowledged message is recorded with
 * the offset the broker reported; a send that fails after the client's retries is indeterminate
 * (maybe written) and is not recorded.
 */
export interface ProducerLoopOptions {
  readonly name: string;
  readonly brokers: readonly string[];
  readonly topic: string;
  readonly partitions: readonly number[];
  readonly batchSize: number;
  readonly padBytes: number;
  /** Bound on the messages this producer sends in total. */
  readonly maxMessages: number;
  readonly onAck: (writes: readonly AckedWrite[], sentAtMs: number) => void;
  readonly onError: (err: unknown) => void;
  /** Client retries per send (default RETRY's): fewer make sends fail for good during a failover. */
  readonly retries?: number | undefined;
}

/** Client retry policy: enough to ride out an election (≈ 1–3 s) without giving up. */
const RETRY = { retries: 25, initialRetryTime: 50, maxRetryTime: 600 } as const;
/** Backoff after a failed send, so a down cluster is not hammered. */
const FAILED_SEND_BACKOFF_MS = 100;

export class KafkajsProducerLoop {
  private stopping = false;
  private seq = 0;
  private done: Promise<void> = Promise.resolve();
  private readonly producer: Producer;

  constructor(private readonly o: ProducerLoopOptions) {
    const retry = { ...RETRY, retries: o.retries ?? RETRY.retries };
    const kafka = new Kafka({ brokers: [...o.brokers], clientId: o.name, logLevel: logLevel.NOTHING, retry, requestTimeout: 10_000, connectionTimeout: 2_000 });
    this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, retry });
  }

  get sent(): number {
    return this.seq;
  }

  async start(): Promise<void> {
    await this.producer.connect();
    this.done = this.loop();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.done;
    await this.producer.disconnect().catch(() => undefined);
  }

  private async loop(): Promise<void> {
    let turn = 0;
    while (!this.stopping && this.seq < this.o.maxMessages) {
      const partition = this.o.partitions[turn++ % this.o.partitions.length] as number;
      const first = this.seq;
      const count = Math.min(this.o.batchSize, this.o.maxMessages - first);
      this.seq += count;
      const messages = Array.from({ length: count }, (_, i) => ({ value: encodeValue(this.o.name, first + i, this.o.padBytes), partition }));
      const sentAtMs = performance.now();
      try {
        const meta = await this.producer.send({ topic: this.o.topic, acks: -1, messages });
        const base = Number(meta.find((m) => m.partition === partition)?.baseOffset ?? Number.NaN);
        const writes = messages.map((_, i): AckedWrite => {
          const w = { producer: this.o.name, seq: first + i, topic: this.o.topic, partition };
          return Number.isSafeInteger(base) ? { ...w, offset: base + i } : w;
        });
        this.o.onAck(writes, sentAtMs);
      } catch (err) {
        this.o.onError(err);
        await backoff(FAILED_SEND_BACKOFF_MS);
      }
    }
  }
}

/** A retry backoff (a timer for pacing, not for synchronisation). */
function backoff(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
