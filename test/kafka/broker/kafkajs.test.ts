import { CompressionTypes, Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProcessCluster } from '../../helpers/process-cluster.js';

/**
 * kafkajs against one real `chronik start` process: 100k messages with acks=all over 6 partitions
 * (half gzip, half uncompressed), a 3-member consumer group that loses a member half-way, and the
 * group's committed offsets surviving a SIGKILL of the broker.
 */
const TOPIC = 'kjs-100k';
const PARTITIONS = 6;
const TOTAL = 100_000;
const PER_SEND = 1_000;
const GROUP = 'kjs-three';

let cluster: ProcessCluster;
let kafka: Kafka;

beforeAll(async () => {
  cluster = await ProcessCluster.start({ nodes: 1, extraArgs: ['--set', 'group.initial.rebalance.delay.ms=0', '--set', 'offsets.topic.num.partitions=3'] });
  kafka = new Kafka({ brokers: cluster.brokers, clientId: 'kafkajs-acceptance', logLevel: logLevel.NOTHING });
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

async function produceAll(producer: Producer): Promise<void> {
  const sends: Promise<unknown>[] = [];
  for (let base = 0; base < TOTAL; base += PER_SEND) {
    const compression = (base / PER_SEND) % 2 === 0 ? CompressionTypes.GZIP : CompressionTypes.None;
    const messages = Array.from({ length: PER_SEND }, (_, j) => ({ key: `k${(base + j) % 97}`, value: String(base + j) }));
    sends.push(producer.send({ topic: TOPIC, acks: -1, compression, messages }));
    // A few sends in flight: enough to keep the broker busy, bounded so the client never queues all 100.
    if (sends.length >= 4) await Promise.all(sends.splice(0));
  }
  await Promise.all(sends);
}

/** What the group saw, shared by its members: receipt counts and the offsets committed per partition. */
class GroupLedger {
  readonly seen = new Map<string, number>();
  readonly committed = new Map<number, number>();
  readonly afterCommit: string[] = [];
  unique = 0;
  private readonly waiters: { count: number; resolve: () => void }[] = [];

  receive(partition: number, offset: number, value: string): void {
    if (offset < (this.committed.get(partition) ?? 0)) this.afterCommit.push(`${partition}@${offset}`);
    const n = (this.seen.get(value) ?? 0) + 1;
    this.seen.set(value, n);
    if (n === 1) this.unique++;
    for (const w of this.waiters.splice(0)) if (this.unique >= w.count) w.resolve();
    else this.waiters.push(w);
  }

  commit(partition: number, next: number): void {
    this.committed.set(partition, Math.max(this.committed.get(partition) ?? 0, next));
  }

  /** Resolves once `count` distinct values arrived; rejects after timeoutMs. */
  until(count: number, timeoutMs: number): Promise<void> {
    if (this.unique >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${this.unique}/${count} distinct messages within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({ count, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }
}

/** A member that commits each batch before taking the next (autoCommit off: every commit is explicit). */
async function member(ledger: GroupLedger, assignments: Map<Consumer, number[]>, onJoin: () => void): Promise<Consumer> {
  const consumer = kafka.consumer({ groupId: GROUP, sessionTimeout: 10_000, rebalanceTimeout: 10_000, heartbeatInterval: 500, maxBytesPerPartition: 256 * 1024 });
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    assignments.set(consumer, e.payload.memberAssignment[TOPIC] ?? []);
    onJoin();
  });
  await consumer.connect();
  await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
      for (const m of batch.messages) {
        ledger.receive(batch.partition, Number(m.offset), m.value?.toString() ?? '');
        resolveOffset(m.offset);
      }
      const next = Number(batch.lastOffset()) + 1;
      try {
        await consumer.commitOffsets([{ topic: TOPIC, partition: batch.partition, offset: String(next) }]);
        ledger.commit(batch.partition, next);
      } catch {
        // A commit refused during a rebalance: those messages may legitimately come again.
      }
      await heartbeat();
    },
  });
  return consumer;
}

function bounded<T>(p: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} within ${timeoutMs} ms`)), timeoutMs)));
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

describe('kafkajs against a real node', () => {
  it('100k messages (gzip + none, acks=all) over 6 partitions; 3-member group reads all once, a member leaves, offsets survive SIGKILL', async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS }] });
    const producer = kafka.producer();
    await producer.connect();
    await produceAll(producer);
    await producer.disconnect();
    const ends = await admin.fetchTopicOffsets(TOPIC);
    expect(ends.reduce((sum, p) => sum + Number(p.high), 0)).toBe(TOTAL);

    const ledger = new GroupLedger();
    const assignments = new Map<Consumer, number[]>();
    let joined = (): void => undefined;
    const onJoin = (): void => joined();
    const members = [await member(ledger, assignments, onJoin), await member(ledger, assignments, onJoin), await member(ledger, assignments, onJoin)];
    await ledger.until(TOTAL * 0.4, 60_000);
    const leaving = members[2] as Consumer;
    const leftPartitions = assignments.get(leaving) ?? [];
    expect(leftPartitions.length).toBeGreaterThan(0);
    // Resolves when the two remaining members, between them, own all six partitions again.
    const takenOver = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no takeover within 30 s: ${JSON.stringify([...assignments.values()])}`)), 30_000);
      joined = () => {
        const owned = [...assignments.entries()].filter(([c]) => c !== leaving).flatMap(([, ps]) => ps);
        if (new Set(owned).size === PARTITIONS) (clearTimeout(timer), resolve());
      };
    });
    await leaving.disconnect();
    await takenOver;
    await ledger.until(TOTAL, 90_000);
    expect(ledger.unique).toBe(TOTAL);
    expect(ledger.afterCommit).toEqual([]);
    for (const m of members.slice(0, 2)) await m.disconnect();

    const committed = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
    const before = committed[0]?.partitions.map((p) => [p.partition, p.offset]).sort();
    expect(before?.reduce((sum, [, o]) => sum + Number(o), 0)).toBe(TOTAL);
    await admin.disconnect();

    await cluster.kill(0);
    await cluster.restart(0);
    // A member joining is the event that says the restarted coordinator serves the group again
    // (it retries NOT_COORDINATOR / COORDINATOR_LOAD_IN_PROGRESS itself; kafkajs admin does not).
    const probe = kafka.consumer({ groupId: GROUP, sessionTimeout: 10_000, heartbeatInterval: 500 });
    const probeJoined = new Promise<void>((resolve) => probe.on(probe.events.GROUP_JOIN, () => resolve()));
    await probe.connect();
    await probe.subscribe({ topic: TOPIC });
    await probe.run({ autoCommit: false, eachMessage: async () => undefined });
    await bounded(probeJoined, 30_000, 'the group coordinator did not come back');
    await probe.disconnect();
    const admin2 = kafka.admin();
    await admin2.connect();
    const after = await admin2.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
    expect(after[0]?.partitions.map((p) => [p.partition, p.offset]).sort()).toEqual(before);
    await admin2.disconnect();
  }, 180_000);
});
