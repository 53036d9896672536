/** kafkajs clients for the bench: quiet, with short retry backoff so waits measure the broker. */
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { BenchError } from './errors.js';

export function kafkaClient(brokers: string[], clientId: string, maxRetryTimeMs = 200): Kafka {
  return new Kafka({
    brokers,
    clientId,
    logLevel: logLevel.NOTHING,
    // kafkajs's default first retry waits 300 ms, which would dominate every short figure here.
    retry: { initialRetryTime: 20, maxRetryTime: maxRetryTimeMs, retries: 30, factor: 0.2, multiplier: 1.5 },
    connectionTimeout: 3000,
    requestTimeout: 30_000,
  });
}

export async function withAdmin<T>(kafka: Kafka, fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}

export async function withProducer<T>(kafka: Kafka, fn: (producer: Producer) => Promise<T>): Promise<T> {
  const producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: false });
  await producer.connect();
  try {
    return await fn(producer);
  } finally {
    await producer.disconnect();
  }
}

export async function createTopic(kafka: Kafka, topic: string, partitions: number, replicationFactor: number): Promise<void> {
  await withAdmin(kafka, async (admin) => {
    const created = await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor }], waitForLeaders: true, timeout: 30_000 });
    if (!created) throw new BenchError(`topic ${topic} already existed`);
  });
}
