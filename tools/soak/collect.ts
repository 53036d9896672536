import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { Kafka, logLevel } from 'kafkajs';
import { tpKey, type ReadRecord, type ReplicaDivergence } from './checker.js';
import { compareReplicaLogs, partitionLogDir, readReplicaLog, type ReplicaLog } from './replicas.js';

/**
 * Gathers the checker's inputs from a finished run: a full read of the topic with kcat (a real
 * librdkafka consumer, no group), the group's committed offsets, and the replicas' logs.
 */
const READ_TIMEOUT_MS = 180_000;

/** Values are kept only up to this many characters: the checker needs `chk|producer|seq|`, not the padding. */
const KEPT_VALUE_CHARS = 64;

/**
 * Every record of every partition from the start to the high watermark. Parsed line by line as kcat
 * streams, keeping only the head of each value, so a soak's gigabyte of records fits in memory.
 */
export function readAll(brokers: readonly string[], topic: string): Promise<ReadRecord[]> {
  return new Promise((resolve, reject) => {
    const args = ['-C', '-b', brokers.join(','), '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%p %o %s\\n'];
    const child = spawn('kcat', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: ReadRecord[] = [];
    let stderr = '';
    createInterface({ input: child.stdout, crlfDelay: Infinity }).on('line', (line) => {
      if (line.length === 0) return;
      const first = line.indexOf(' ');
      const second = line.indexOf(' ', first + 1);
      out.push({ topic, partition: Number(line.slice(0, first)), offset: Number(line.slice(first + 1, second)), value: line.slice(second + 1, second + 1 + KEPT_VALUE_CHARS) });
    });
    child.stderr.on('data', (c: Buffer) => {
      if (stderr.length < 4_096) stderr += c.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), READ_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`kcat read of ${topic} exited ${code}: ${stderr.slice(0, 2000)}`));
      else resolve(out);
    });
  });
}

/** The group's committed offsets per topic/partition (absent or -1 when nothing is committed). */
export async function committedOffsets(brokers: readonly string[], groupId: string, topic: string): Promise<Map<string, number>> {
  const admin = new Kafka({ brokers: [...brokers], clientId: 'faults-checker', logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 100 } }).admin();
  await admin.connect();
  try {
    const topics = await admin.fetchOffsets({ groupId, topics: [topic] });
    const out = new Map<string, number>();
    for (const t of topics) for (const p of t.partitions) out.set(tpKey(t.topic, p.partition), Number(p.offset));
    return out;
  } finally {
    await admin.disconnect();
  }
}

export interface ReplicaComparison {
  readonly divergence: ReplicaDivergence[];
  readonly logs: Map<number, ReplicaLog[]>;
}

/** Compares each partition's replicas on stopped nodes (data dirs indexed by node id). */
export async function compareCluster(cli: string, dataDirs: readonly string[], topic: string, partitions: number, requireComplete: boolean): Promise<ReplicaComparison> {
  const divergence: ReplicaDivergence[] = [];
  const logs = new Map<number, ReplicaLog[]>();
  for (let p = 0; p < partitions; p++) {
    // One inspect process per replica, all replicas of a partition at once (at most one per node):
    // each run is mostly process start-up, so this halves the comparison on two cores.
    const found = await Promise.all(dataDirs.map(async (dataDir, node) => {
      const dir = await partitionLogDir(dataDir, topic, p);
      return dir === undefined ? undefined : readReplicaLog(cli, node, dir);
    }));
    const replicas = found.filter((r): r is ReplicaLog => r !== undefined);
    logs.set(p, replicas);
    divergence.push(...compareReplicaLogs(`${topic}-${p}`, replicas, requireComplete));
  }
  return { divergence, logs };
}
