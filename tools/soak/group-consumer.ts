import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { tpKey } from './checker.js';

/**
 * A kafkajs consumer group member that consumes the workload topic with auto-commit and records
 * every offset commit the coordinator acknowledged (kafkajs emits COMMIT_OFFSETS after success).
 */
export interface GroupConsumerOptions {
  readonly name: string;
  readonly brokers: readonly string[];
  readonly groupId: string;
  readonly topic: string;
  readonly onConsumed: (count: number) => void;
  /** Called after each acknowledged commit. */
  readonly onCommit?: () => void;
  /**
   * kafkajs retries of the consumer's loop before it crashes and restarts (default 25). kafkajs
   * looks its group coordinator up again only when joining: after a coordinator error code, or
   * after such a restart. A coordinator that died sends no error code, so the members find the
   * new one only once these retries (one per ~5 s fetch round) are spent.
   */
  readonly retries?: number;
}

export interface AckedCommit {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

const RETRY = { retries: 25, initialRetryTime: 100, maxRetryTime: 1_000 };

export class GroupConsumer {
  readonly commits: AckedCommit[] = [];
  consumed = 0;
  private readonly consumer: Consumer;

  constructor(private readonly o: GroupConsumerOptions) {
    const retry = { ...RETRY, retries: o.retries ?? RETRY.retries };
    const kafka = new Kafka({ brokers: [...o.brokers], clientId: o.name, logLevel: logLevel.NOTHING, retry, connectionTimeout: 2_000 });
    this.consumer = kafka.consumer({ groupId: o.groupId, sessionTimeout: 10_000, heartbeatInterval: 1_000, retry });
    this.consumer.on(this.consumer.events.COMMIT_OFFSETS, (e) => {
      for (const t of e.payload.topics) for (const p of t.partitions) this.commits.push({ topic: t.topic, partition: Number(p.partition), offset: Number(p.offset) });
      o.onCommit?.();
    });
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [this.o.topic], fromBeginning: true });
    await this.consumer.run({
      autoCommit: true,
      autoCommitInterval: 500,
      eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
        for (const m of batch.messages) resolveOffset(m.offset);
        this.consumed += batch.messages.length;
        this.o.onConsumed(batch.messages.length);
        await heartbeat();
      },
    });
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect().catch(() => undefined);
  }
}

/** The highest acknowledged commit per topic/partition across members. */
export function highestCommits(commits: readonly AckedCommit[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const c of commits) out.set(tpKey(c.topic, c.partition), Math.max(out.get(tpKey(c.topic, c.partition)) ?? -1, c.offset));
  return out;
}
