/**
 * Scale (issue 7): a fresh 3-node cluster takes 1,000 partitions RF 3 (100 topics × 10 partitions,
 * one CreateTopics request) and must settle: every partition has a leader in every node's Metadata.
 * Then the Metadata request for all topics is timed on its own (a raw request on a kept-open
 * connection, so client-side parsing of 1,000 partitions is not counted), the brokers' idle CPU is
 * measured over a window, and one node is restarted to see how long the cluster takes to settle
 * again. Settling is observed by asking Metadata with a 100 ms back-off (bounded): the protocol has
 * no push notification for leadership.
 */
import { connect, type Socket } from 'node:net';
import {
  encodeRequestFrame,
  MetadataRequestCodec,
  MetadataResponseCodec,
  type MetadataResponse,
} from '../../../src/kafka/protocol/index.js';
import type { BenchCluster } from './cluster.js';
import { BenchError } from './errors.js';
import { kafkaClient, withAdmin } from './kafka.js';
import { measured } from './measure.js';
import { ProcSampler } from './procstats.js';
import { round3, summarise } from './stats.js';
import type { ScenarioResult } from './types.js';

const METADATA_API_KEY = 3;
/** Non-flexible (plain header) and has allowAutoTopicCreation: null topics = all, nothing created. */
const METADATA_VERSION = 4;
const REQUEST_TIMEOUT_MS = 10_000;
const SETTLE_BACKOFF_MS = 100;
/** A response frame larger than this is a broken stream, not a Metadata answer. */
const MAX_FRAME_BYTES = 64 * 1024 * 1024;

export interface ScaleOptions {
  name: string;
  title: string;
  topics: number;
  partitionsPerTopic: number;
  prefix: string;
  /** Length of the idle CPU window. */
  idleS: number;
  /** Timed Metadata requests per node. */
  metadataRequests: number;
  settleTimeoutMs: number;
}

/** Partitions of the bench's topics (by prefix) in a Metadata answer: all, led, with a full ISR. */
export interface PartitionCounts {
  partitions: number;
  led: number;
  fullIsr: number;
}

export function countPartitions(meta: Pick<MetadataResponse, 'topics'>, prefix: string, replicas: number): PartitionCounts {
  const out = { partitions: 0, led: 0, fullIsr: 0 };
  for (const t of meta.topics) {
    if (t.errorCode !== 0 || t.name === null || !t.name.startsWith(prefix)) continue;
    for (const p of t.partitions) {
      out.partitions++;
      if (p.errorCode === 0 && p.leaderId >= 0) out.led++;
      if (p.isrNodes.length >= replicas) out.fullIsr++;
    }
  }
  return out;
}

/** CPU of each node over the window, in % of one core (the sampler's mean over its ticks). */
export function idleCpuMax(usage: ReadonlyArray<{ cpuPercentAvg: number }>): number {
  return usage.reduce((m, u) => Math.max(m, u.cpuPercentAvg), 0);
}

/**
 * One kept-open Kafka connection that sends Metadata(all topics) one at a time. Requests are
 * strictly sequential, so the reply to the one in flight is the next frame on the socket.
 */
export class MetadataProbe {
  private buffered: Buffer[] = [];
  private bufferedBytes = 0;
  private pending: { resolve: (frame: Buffer) => void; reject: (err: Error) => void } | undefined;
  private correlationId = 0;
  private failure: Error | undefined;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    const fail = (err: Error): void => {
      this.failure = err;
      this.pending?.reject(err);
      this.pending = undefined;
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new BenchError('metadata connection closed')));
  }

  static open(host: string, port: number): Promise<MetadataProbe> {
    return new Promise((ok, fail) => {
      const socket = connect({ host, port });
      socket.setNoDelay(true);
      const timer = setTimeout(() => socket.destroy(new BenchError(`connect to ${host}:${port} timed out`)), REQUEST_TIMEOUT_MS);
      socket.once('error', (err) => {
        clearTimeout(timer);
        fail(err);
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        ok(new MetadataProbe(socket));
      });
    });
  }

  private onData(chunk: Buffer): void {
    this.buffered.push(chunk);
    this.bufferedBytes += chunk.length;
    if (this.bufferedBytes < 4) return;
    const all = this.buffered.length === 1 ? (this.buffered[0] as Buffer) : Buffer.concat(this.buffered);
    this.buffered = [all];
    const size = all.readInt32BE(0);
    if (size < 4 || size > MAX_FRAME_BYTES) {
      this.socket.destroy(new BenchError(`bad response frame size ${size}`));
      return;
    }
    if (all.length < 4 + size) return;
    this.buffered = all.length > 4 + size ? [all.subarray(4 + size)] : [];
    this.bufferedBytes = all.length - 4 - size;
    const waiter = this.pending;
    this.pending = undefined;
    waiter?.resolve(all.subarray(4, 4 + size));
  }

  /** Metadata for all topics; `ms` is from the write to the whole response being in. */
  async request(): Promise<{ ms: number; meta: MetadataResponse }> {
    if (this.failure !== undefined) throw this.failure;
    const correlationId = ++this.correlationId;
    const body = MetadataRequestCodec.encode({ topics: null, allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false }, METADATA_VERSION);
    const frame = encodeRequestFrame({ apiKey: METADATA_API_KEY, apiVersion: METADATA_VERSION, correlationId, clientId: 'chronik-bench-scale' }, body);
    const reply = new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => reject(new BenchError(`metadata request timed out after ${REQUEST_TIMEOUT_MS} ms`)), REQUEST_TIMEOUT_MS);
      this.pending = {
        resolve: (f) => { clearTimeout(timer); resolve(f); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      };
    });
    const t0 = performance.now();
    this.socket.write(frame);
    const response = await reply;
    const ms = performance.now() - t0;
    if (response.readInt32BE(0) !== correlationId) throw new BenchError('metadata response for another request');
    return { ms, meta: MetadataResponseCodec.decode(response.subarray(4), METADATA_VERSION) };
  }

  close(): void {
    this.socket.destroy();
  }
}

async function withProbes<T>(cluster: BenchCluster, fn: (probes: MetadataProbe[]) => Promise<T>): Promise<T> {
  const probes: MetadataProbe[] = [];
  try {
    for (const n of cluster.nodes) probes.push(await MetadataProbe.open('127.0.0.1', n.kafkaPort));
    return await fn(probes);
  } finally {
    for (const p of probes) p.close();
  }
}

/** Asks every probe until `done` holds for each answer; ms from the call, or a BenchError at the bound. */
async function waitAll(probes: readonly MetadataProbe[], done: (c: PartitionCounts) => boolean, count: (m: MetadataResponse) => PartitionCounts, timeoutMs: number, what: string): Promise<number> {
  const t0 = performance.now();
  let last: PartitionCounts | undefined;
  while (performance.now() - t0 < timeoutMs) {
    let all = true;
    for (const p of probes) {
      last = count((await p.request()).meta);
      if (!done(last)) {
        all = false;
        break;
      }
    }
    if (all) return performance.now() - t0;
    // Back-off between Metadata polls (a timer for backoff; the protocol has no leadership event).
    await new Promise((r) => setTimeout(r, SETTLE_BACKOFF_MS));
  }
  throw new BenchError(`${what} not reached within ${timeoutMs} ms (last answer: ${JSON.stringify(last)})`);
}

async function timeMetadata(probes: readonly MetadataProbe[], requests: number, expected: number, count: (m: MetadataResponse) => PartitionCounts): Promise<{ all: number[]; perNodeP50: number[] }> {
  const all: number[] = [];
  const perNodeP50: number[] = [];
  for (const p of probes) {
    const lats: number[] = [];
    for (let i = 0; i < requests; i++) {
      const { ms, meta } = await p.request();
      if (count(meta).partitions !== expected) throw new BenchError(`metadata answered ${count(meta).partitions} partitions, expected ${expected}`);
      lats.push(ms);
    }
    all.push(...lats);
    perNodeP50.push(summarise(lats).p50Ms);
  }
  return { all, perNodeP50 };
}

async function idleWindow(cluster: BenchCluster, idleS: number): Promise<ReturnType<ProcSampler['stop']>> {
  const sampler = new ProcSampler(() => cluster.pids(), 1000);
  // The measurement window itself (a timer for a measurement, not for synchronisation).
  await new Promise((r) => setTimeout(r, idleS * 1000));
  return sampler.stop();
}

export function scaleSettle(cluster: BenchCluster, o: ScaleOptions): Promise<ScenarioResult> {
  const total = o.topics * o.partitionsPerTopic;
  const replicas = cluster.nodes.length;
  const params = { topics: o.topics, partitionsPerTopic: o.partitionsPerTopic, partitions: total, replicationFactor: replicas, idleS: o.idleS, metadataRequestsPerNode: o.metadataRequests, metadataVersion: METADATA_VERSION };
  const count = (m: MetadataResponse): PartitionCounts => countPartitions(m, o.prefix, replicas);
  const kafka = kafkaClient(cluster.brokers, 'chronik-bench-scale');
  return measured(cluster, { name: o.name, title: o.title, client: 'raw Metadata v4', params }, () =>
    withProbes(cluster, async (probes) => {
      const topics = Array.from({ length: o.topics }, (_, i) => ({ topic: `${o.prefix}-${i}`, numPartitions: o.partitionsPerTopic, replicationFactor: replicas }));
      const t0 = performance.now();
      await withAdmin(kafka, async (admin) => {
        if (!(await admin.createTopics({ topics, waitForLeaders: false, timeout: o.settleTimeoutMs }))) throw new BenchError('some scale topics already existed');
      });
      const createAckMs = performance.now() - t0;
      await waitAll(probes, (c) => c.partitions === total && c.led === total, count, o.settleTimeoutMs, `${total} partitions led on every node`);
      const settleMs = performance.now() - t0;
      await waitAll(probes, (c) => c.fullIsr === total, count, o.settleTimeoutMs, `full ISR on ${total} partitions`);
      const fullIsrMs = performance.now() - t0;
      const timed = await timeMetadata(probes, o.metadataRequests, total, count);
      const idle = await idleWindow(cluster, o.idleS);
      const restart = await restartSettle(cluster, probes, total, count, o.settleTimeoutMs);
      const lat = summarise(timed.all);
      return {
        client: 'raw Metadata v4', params, messages: timed.all.length, bytes: 0, seconds: round3((performance.now() - t0) / 1000), msgsPerSec: 0, mbPerSec: 0,
        latency: lat,
        latencyOverTime: timed.all.map((l, i) => ({ tMs: i, count: 1, p50Ms: round3(l), p99Ms: round3(l) })),
        extra: {
          overTimeAxis: 'metadata request number (node 0, then 1, then 2)',
          createAckMs: round3(createAckMs), settleMs: round3(settleMs), fullIsrMs: round3(fullIsrMs),
          metadataP50MsPerNode: timed.perNodeP50,
          idleCpuPercentPerNode: idle.map((u) => ({ node: u.node, cpuPercentAvg: u.cpuPercentAvg, cpuPercentMax: u.cpuPercentMax, rssMbMax: u.rssMbMax })),
          idleCpuPercentMax: idleCpuMax(idle),
          ...restart,
        },
      };
    }));
}

/**
 * SIGKILL of the last node and a restart: ms from the spawn until every node's Metadata again shows
 * every partition led, and until every ISR is full again (the restarted node caught up on all).
 */
async function restartSettle(cluster: BenchCluster, probes: MetadataProbe[], total: number, count: (m: MetadataResponse) => PartitionCounts, timeoutMs: number): Promise<Record<string, number>> {
  const victim = cluster.nodes.length - 1;
  const survivors = probes.slice(0, victim);
  await cluster.kill(victim);
  (probes[victim] as MetadataProbe).close();
  const t0 = performance.now();
  await cluster.restart(victim, timeoutMs);
  const processStartMs = performance.now() - t0;
  const node = cluster.nodes[victim];
  if (node === undefined) throw new BenchError('no restarted node');
  probes[victim] = await MetadataProbe.open('127.0.0.1', node.kafkaPort);
  await waitAll(probes, (c) => c.partitions === total && c.led === total, count, timeoutMs, 'leaders after the restart');
  const ledMs = performance.now() - t0;
  await waitAll(survivors, (c) => c.fullIsr === total, count, timeoutMs, 'full ISR after the restart');
  return { restartedNode: victim, restartProcessStartMs: round3(processStartMs), restartLedMs: round3(ledMs), restartFullIsrMs: round3(performance.now() - t0) };
}
