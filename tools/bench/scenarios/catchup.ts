/**
 * Node restart to caught up (issue 6's failover figures): a 1-partition RF-3 topic, one follower
 * SIGKILLed, ~1 GB produced with librdkafka at acks=all while it is down (the other two commit),
 * then the follower is restarted and timed until its Raft log ends where the leader's ended when
 * the load stopped. Progress is read from the restarted node's admin `/v1/raft` view with a 100 ms
 * back-off (bounded): nothing pushes "caught up" to an outside observer.
 */
import type { BenchCluster } from './cluster.js';
import { BenchError } from './errors.js';
import { measured } from './measure.js';
import { runPythonClient } from './python.js';
import { raftLeader } from './raft-leader.js';
import { rates, round3 } from './stats.js';
import type { ScenarioResult } from './types.js';
import { MIB } from './types.js';

const PAGE = 1000;
const MAX_PAGES = 20;
const HTTP_TIMEOUT_MS = 2000;
const POLL_BACKOFF_MS = 100;
/** Large messages keep the Python client from being the bottleneck of the fill (it is not timed). */
const MESSAGE_BYTES = 16 * 1024;

export interface CatchupOptions {
  name: string;
  title: string;
  topic: string;
  /** Data produced while the follower is down. */
  mib: number;
  /** Bound on the fill and, separately, on the catch-up. */
  timeoutS: number;
}

interface GroupView {
  topic?: string;
  partition?: number;
  role: string;
  term: number;
  leader: number | null;
  lastIndex: number;
  commit: number;
  firstIndex: number;
}

/** The group of topic-partition on one node's admin endpoint; undefined when it has none (yet). */
async function groupOn(cluster: BenchCluster, node: number, topic: string): Promise<GroupView | undefined> {
  const admin = cluster.nodes[node]?.admin;
  if (admin === undefined) return undefined;
  let offset: number | null = 0;
  for (let page = 0; page < MAX_PAGES && offset !== null; page++) {
    const res = await fetch(`http://${admin.host}:${admin.port}/v1/raft?offset=${offset}&limit=${PAGE}`, { signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) });
    const body = (await res.json()) as { groups: GroupView[]; next: number | null };
    const hit = body.groups.find((g) => g.topic === topic && g.partition === 0);
    if (hit !== undefined) return hit;
    offset = body.next;
  }
  return undefined;
}

/**
 * Sum of a Prometheus counter's samples whose labels include every `labels` pair (text format,
 * one sample a line); 0 when there is none.
 */
export function sumCounter(text: string, name: string, labels: Record<string, string>): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const close = line.lastIndexOf('}');
    const labelText = close < 0 ? '' : line.slice(name.length + 1, close);
    if (!Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`))) continue;
    const value = Number(line.slice(close < 0 ? name.length : close + 1).trim());
    if (Number.isFinite(value)) sum += value;
  }
  return sum;
}

/** Bytes the other nodes' Raft transports have sent to `peer` so far (their counters; none restarts here). */
async function bytesSentTo(cluster: BenchCluster, peer: number): Promise<number> {
  let sum = 0;
  for (const n of cluster.nodes) {
    if (n.id === peer || n.admin === undefined) continue;
    const res = await fetch(`http://${n.admin.host}:${n.admin.port}/metrics`, { signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) });
    sum += sumCounter(await res.text(), 'chronik_transport_sent_bytes_total', { peer: String(peer) });
  }
  return sum;
}

/** True once a follower's view has reached the target log end. */
export function caughtUp(view: { lastIndex: number } | undefined, targetIndex: number): boolean {
  return view !== undefined && view.lastIndex >= targetIndex;
}

/** MB/s of a transfer; 0 when no time passed. */
export function mbPerSec(bytes: number, ms: number): number {
  return ms > 0 ? round3(bytes / MIB / (ms / 1000)) : 0;
}

interface CatchupProgress {
  ms: number;
  firstSeen: GroupView | undefined;
  /** Distinct leaders the follower followed while catching up: more than one means elections. */
  leaders: number[];
  view: GroupView;
}

async function waitCaughtUp(cluster: BenchCluster, node: number, topic: string, targetIndex: number, timeoutMs: number): Promise<CatchupProgress> {
  const t0 = performance.now();
  let firstSeen: GroupView | undefined;
  const leaders = new Set<number>();
  let last: GroupView | undefined;
  while (performance.now() - t0 < timeoutMs) {
    last = await groupOn(cluster, node, topic).catch(() => undefined);
    firstSeen ??= last;
    if (last?.leader !== undefined && last.leader !== null) leaders.add(last.leader);
    if (last !== undefined && caughtUp(last, targetIndex)) return { ms: performance.now() - t0, firstSeen, leaders: [...leaders], view: last };
    // Back-off between admin polls (a timer for backoff; there is no catch-up event to wait on).
    await new Promise((r) => setTimeout(r, POLL_BACKOFF_MS));
  }
  throw new BenchError(`node ${node} did not reach index ${targetIndex} within ${timeoutMs} ms (last view: ${JSON.stringify(last)})`);
}

interface FillOutput {
  acked: number;
  errors: number;
  firstError: string | null;
  seconds: number;
}

async function fill(cluster: BenchCluster, o: CatchupOptions): Promise<FillOutput> {
  const messages = Math.max(1, Math.ceil((o.mib * MIB) / MESSAGE_BYTES));
  const out = await runPythonClient<FillOutput>('producer.py', {
    bootstrap: cluster.bootstrap, topic: o.topic, messageBytes: MESSAGE_BYTES, durationS: o.timeoutS,
    maxMessages: messages, rate: 0, acks: 'all', lingerMs: 10, batchBytes: 1_000_000, batchMessages: 10_000,
  }, (o.timeoutS + 120) * 1000);
  if (out.acked < messages) throw new BenchError(`fill acked ${out.acked} of ${messages} messages within ${o.timeoutS} s (${out.errors} errors, first: ${out.firstError ?? 'none'})`);
  return out;
}

export function restartCatchup(cluster: BenchCluster, o: CatchupOptions): Promise<ScenarioResult> {
  const params = { topic: o.topic, mib: o.mib, messageBytes: MESSAGE_BYTES, acks: 'all', replicationFactor: cluster.nodes.length, timeoutS: o.timeoutS };
  return measured(cluster, { name: o.name, title: o.title, client: 'librdkafka fill, admin /v1/raft', params }, async () => {
    const leader = await raftLeader(cluster, o.topic, 0);
    if (leader === undefined) throw new BenchError(`no Raft leader for ${o.topic}-0`);
    const follower = (leader + 1) % cluster.nodes.length;
    await cluster.kill(follower);
    const filled = await fill(cluster, o);
    const leaderView = await groupOn(cluster, leader, o.topic);
    if (leaderView === undefined) throw new BenchError(`leader ${leader} has no group for ${o.topic}-0`);
    const bytes = filled.acked * MESSAGE_BYTES;
    const sentBefore = await bytesSentTo(cluster, follower);
    const t0 = performance.now();
    await cluster.restart(follower, o.timeoutS * 1000);
    const processStartMs = performance.now() - t0;
    const done = await waitCaughtUp(cluster, follower, o.topic, leaderView.lastIndex, o.timeoutS * 1000);
    const totalMs = processStartMs + done.ms;
    // Raft bytes sent to the follower while it caught up, per byte of data: ~1 when nothing is sent twice.
    const sentToFollower = (await bytesSentTo(cluster, follower)) - sentBefore;
    return {
      client: 'librdkafka fill, admin /v1/raft', params, messages: filled.acked, bytes, seconds: round3(totalMs / 1000), ...rates(filled.acked, bytes, totalMs / 1000),
      extra: {
        leader, follower, targetIndex: leaderView.lastIndex, leaderFirstIndex: leaderView.firstIndex,
        fillSeconds: round3(filled.seconds), fillMbPerSec: mbPerSec(bytes, filled.seconds * 1000),
        restartToCaughtUpMs: round3(totalMs), processStartMs: round3(processStartMs),
        startedToCaughtUpMs: round3(done.ms), catchupMbPerSec: mbPerSec(bytes, totalMs), catchupMbPerSecAfterStart: mbPerSec(bytes, done.ms),
        followerFirstIndex: done.view.firstIndex,
        raftBytesSentToFollower: sentToFollower, raftBytesPerDataByte: round3(sentToFollower / bytes),
        // Terms seen by the follower from its first view to caught up: a rise means elections during the catch-up.
        termAtFirstView: done.firstSeen?.term ?? null, termAtCaughtUp: done.view.term, leadersFollowed: done.leaders,
      },
    };
  });
}
