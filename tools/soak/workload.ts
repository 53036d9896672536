import type { AckedWrite } from './checker.js';
import { ConfluentProducer } from './confluent-producer.js';
import { GroupConsumer } from './group-consumer.js';
import { KafkajsProducerLoop } from './kafkajs-producer.js';

/**
 * The fault workload: several acks=all idempotent producers (kafkajs, and optionally
 * confluent-kafka) writing unique, sequenced values, plus optional consumer-group members. Progress
 * is observable as events: `waitForAcks` and `waitForAckOn` resolve when the acknowledgement
 * arrives, each with a bound.
 */
export interface WorkloadOptions {
  readonly brokers: readonly string[];
  readonly topic: string;
  readonly partitions: number;
  readonly kafkajsProducers: number;
  readonly confluentProducers: number;
  readonly batchSize: number;
  readonly padBytes: number;
  /** Bound on each producer's messages. */
  readonly maxMessagesPerProducer: number;
  readonly consumers: number;
  readonly groupId?: string;
  /** Prefix of the producers' names, so two workloads checked together never share a producer id. */
  readonly namePrefix?: string;
  /** The kafkajs producers' retries per send (default 25, enough to ride out an election). */
  readonly kafkajsRetries?: number;
  /** The kafkajs consumers' retries before a crash-restart (default 25; see GroupConsumerOptions.retries). */
  readonly consumerRetries?: number;
}

interface AckWaiter {
  readonly match: (w: AckedWrite, sentAtMs: number) => boolean;
  readonly resolve: (atMs: number) => void;
}

export class Workload {
  readonly acked: AckedWrite[] = [];
  readonly errors: string[] = [];
  readonly consumers: GroupConsumer[] = [];
  private readonly producers: (KafkajsProducerLoop | ConfluentProducer)[] = [];
  private readonly waiters = new Set<AckWaiter>();
  private readonly commitWaiters = new Set<() => void>();
  private errorCount = 0;

  constructor(private readonly o: WorkloadOptions) {
    const all = Array.from({ length: o.partitions }, (_, i) => i);
    const common = { brokers: o.brokers, topic: o.topic, partitions: all, padBytes: o.padBytes, maxMessages: o.maxMessagesPerProducer };
    const onAck = (writes: readonly AckedWrite[], sentAtMs: number): void => this.onAck(writes, sentAtMs);
    const onError = (err: unknown): void => this.onError(err);
    const prefix = o.namePrefix ?? '';
    for (let i = 0; i < o.kafkajsProducers; i++) this.producers.push(new KafkajsProducerLoop({ ...common, name: `${prefix}kjs${i}`, batchSize: o.batchSize, retries: o.kafkajsRetries, onAck, onError }));
    for (let i = 0; i < o.confluentProducers; i++) this.producers.push(new ConfluentProducer({ ...common, name: `${prefix}rdk${i}`, onAck, onError }));
    for (let i = 0; i < o.consumers; i++) {
      this.consumers.push(new GroupConsumer({
        name: `consumer${i}`, brokers: o.brokers, groupId: o.groupId ?? 'faults', topic: o.topic,
        ...(o.consumerRetries === undefined ? {} : { retries: o.consumerRetries }),
        onConsumed: () => undefined,
        onCommit: () => this.onCommit(),
      }));
    }
  }

  /** Acknowledged writes per producer name (every producer must make progress for a run to count). */
  ackedByProducer(): Map<string, number> {
    const out = new Map<string, number>();
    for (const w of this.acked) out.set(w.producer, (out.get(w.producer) ?? 0) + 1);
    return out;
  }

  get failedSends(): number {
    return this.errorCount;
  }

  async start(): Promise<void> {
    await Promise.all(this.producers.map((p) => p.start()));
    await Promise.all(this.consumers.map((c) => c.start()));
  }

  async stop(): Promise<void> {
    await Promise.all(this.producers.map((p) => p.stop()));
    await Promise.all(this.consumers.map((c) => c.stop()));
  }

  /** Resolves when at least `count` writes are acknowledged in total. */
  waitForAcks(count: number, timeoutMs: number): Promise<number> {
    if (this.acked.length >= count) return Promise.resolve(performance.now());
    return this.wait(() => this.acked.length >= count, timeoutMs, `${count} acknowledged writes (have ${this.acked.length})`);
  }

  /** Resolves with the time of the first ack on `partition` of a send started at or after `sentAfterMs`. */
  waitForAckOn(partition: number, sentAfterMs: number, timeoutMs: number): Promise<number> {
    return this.wait((w, sentAtMs) => w.partition === partition && sentAtMs >= sentAfterMs, timeoutMs, `an ack on partition ${partition}`);
  }

  /** Acknowledged group commits so far, all members. */
  get commitCount(): number {
    return this.consumers.reduce((n, c) => n + c.commits.length, 0);
  }

  /** Resolves when the members have had at least `count` commits acknowledged in total. */
  waitForCommits(count: number, timeoutMs: number): Promise<void> {
    if (this.commitCount >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (this.commitCount < count) return;
        clearTimeout(timer);
        this.commitWaiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.commitWaiters.delete(check);
        reject(new Error(`workload: fewer than ${count} acknowledged commits within ${timeoutMs} ms (have ${this.commitCount})`));
      }, timeoutMs);
      this.commitWaiters.add(check);
    });
  }

  private onCommit(): void {
    for (const check of [...this.commitWaiters]) check();
  }

  private wait(match: AckWaiter['match'], timeoutMs: number, what: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`workload: no ${what} within ${timeoutMs} ms; last errors: ${this.errors.slice(-3).join(' | ')}`));
      }, timeoutMs);
      const waiter: AckWaiter = {
        match,
        resolve: (atMs) => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve(atMs);
        },
      };
      this.waiters.add(waiter);
    });
  }

  private onAck(writes: readonly AckedWrite[], sentAtMs: number): void {
    const now = performance.now();
    for (const w of writes) this.acked.push(w);
    for (const waiter of [...this.waiters]) if (writes.some((w) => waiter.match(w, sentAtMs))) waiter.resolve(now);
  }

  private onError(err: unknown): void {
    this.errorCount++;
    // Keep the last few for diagnostics only: the list is bounded.
    if (this.errors.length >= 20) this.errors.shift();
    this.errors.push(err instanceof Error ? err.message : String(err));
  }
}
