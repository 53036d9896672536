import { readCommitted } from '../../node/partition/fetch.js';
import { waitForAny, type WaitTarget } from '../../node/partition/fetch-wait.js';
import type { PartitionReplica } from '../../node/partition/replica.js';
import type { ReadAlloc } from '../../wal/index.js';
import { topicByName } from '../../state/index.js';
import { ErrorCode, KafkaError, NotLeaderError } from '../../util/errors.js';
import {
  ApiKey,
  type FetchRequest,
  type FetchRequestFetchPartition as PartitionRequest,
  type FetchResponse,
  type FetchResponsePartitionData as PartitionData,
} from '../protocol/generated/index.js';
import type { ApiHandler, RequestContext } from '../server/index.js';
import type { BrokerContext } from './context.js';

const MAX_WAIT_CAP_MS = 30_000;
/** Partitions of one fetch read at the same time (each read holds its bytes until the response is sent). */
const MAX_CONCURRENT_READS = 8;
/** Clients expect an empty record set, not a null one, when there is nothing to return. */
const NO_RECORDS = Buffer.alloc(0);

interface Slot {
  readonly topic: string;
  readonly request: PartitionRequest;
  readonly replica: PartitionReplica | undefined;
  result: PartitionData;
  bytes: number;
}

/**
 * Fetch serves committed batches byte for byte. It long-polls up to max_wait_ms until min_bytes are
 * available, woken by the event that applies newly committed data (no polling), and honours
 * max_bytes as Kafka does: at least one batch, so a large batch never stalls a consumer.
 */
export function fetchHandler(broker: BrokerContext): ApiHandler<typeof ApiKey.Fetch> {
  return {
    apiKey: ApiKey.Fetch,
    minVersion: 4,
    maxVersion: 12,
    handle: (request, ctx) => handleFetch(broker, request, ctx),
  };
}

async function handleFetch(broker: BrokerContext, request: FetchRequest, ctx: RequestContext): Promise<FetchResponse> {
  const slots = request.topics.flatMap((t) =>
    t.partitions.map((p): Slot => ({ topic: t.topic, request: p, replica: broker.replica(t.topic, p.partition), result: empty(p.partition, ErrorCode.NONE), bytes: 0 })),
  );
  // The response carries the bytes read as views: their buffers go back once it is written.
  const lease = broker.readBuffers?.lease();
  if (lease !== undefined) ctx.afterResponse(() => lease.release());
  const alloc = lease?.alloc;
  let total = await readAll(broker, slots, request.maxBytes, alloc);
  const waitMs = Math.min(Math.max(request.maxWaitMs, 0), MAX_WAIT_CAP_MS);
  if (total < request.minBytes && waitMs > 0 && slots.every((s) => s.result.errorCode === ErrorCode.NONE)) {
    await waitForAny(waitTargets(slots), waitMs, ctx.signal);
    total = await readAll(broker, slots, request.maxBytes, alloc);
  }
  const responses = request.topics.map((t) => ({
    topic: t.topic,
    topicId: t.topicId,
    partitions: slots.filter((s) => s.topic === t.topic).map((s) => s.result),
  }));
  return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, sessionId: 0, responses, nodeEndpoints: [] };
}

/**
 * Reads the partitions in request order, a window of them at a time, concurrently: a window's
 * limits together fit what is left of max_bytes (each partition assumed to fill its limit), so
 * no read overshoots what the response may carry, and a catch-up fetch over several partitions
 * overlaps their disk reads instead of queueing them one after another.
 */
async function readAll(broker: BrokerContext, slots: Slot[], maxBytes: number, alloc: ReadAlloc | undefined): Promise<number> {
  let remaining = Math.max(maxBytes, 1);
  let total = 0;
  for (let next = 0; next < slots.length; ) {
    const window = takeWindow(slots, next, remaining, total === 0);
    await Promise.all(window.map(async ([slot, limit]) => void (slot.result = await readOne(broker, slot, limit, alloc))));
    for (const [slot] of window) {
      total += slot.bytes;
      remaining = Math.max(0, remaining - slot.bytes);
    }
    next += window.length;
  }
  return total;
}

/** Slots from `from` on whose limits fit `remaining` together (at least one slot). */
function takeWindow(slots: Slot[], from: number, remaining: number, nothingYet: boolean): Array<[Slot, number]> {
  const window: Array<[Slot, number]> = [];
  let left = remaining;
  for (let i = from; i < slots.length && window.length < MAX_CONCURRENT_READS; i++) {
    if (window.length > 0 && left <= 0) break;
    const slot = slots[i] as Slot;
    const limit = Math.max(0, Math.min(slot.request.partitionMaxBytes, left));
    // Nothing read yet: the first partition may return one batch larger than its limit (Kafka's rule).
    window.push([slot, nothingYet && window.length === 0 ? Math.max(limit, 1) : limit]);
    left -= limit;
  }
  return window;
}

async function readOne(broker: BrokerContext, slot: Slot, maxBytes: number, alloc: ReadAlloc | undefined): Promise<PartitionData> {
  const p = slot.request;
  slot.bytes = 0;
  if (topicByName(broker.image(), slot.topic)?.partitions[p.partition] === undefined) return empty(p.partition, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  if (slot.replica === undefined) return empty(p.partition, ErrorCode.NOT_LEADER_OR_FOLLOWER);
  try {
    slot.replica.checkLeaderEpoch(p.currentLeaderEpoch);
    if (maxBytes <= 0) return withWatermarks(empty(p.partition, ErrorCode.NONE), slot.replica);
    const data = await readCommitted(slot.replica, p.fetchOffset, maxBytes, alloc);
    slot.bytes = data.bytes;
    return {
      ...empty(p.partition, ErrorCode.NONE),
      highWatermark: data.highWatermark,
      lastStableOffset: data.highWatermark,
      logStartOffset: data.logStartOffset,
      records: data.batches.length === 0 ? NO_RECORDS : data.batches,
    };
  } catch (err) {
    const code = err instanceof KafkaError ? err.code : ErrorCode.UNKNOWN_SERVER_ERROR;
    const result = empty(p.partition, code);
    if (err instanceof NotLeaderError && err.leaderId !== undefined) result.currentLeader = { leaderId: err.leaderId, leaderEpoch: -1 };
    return code === ErrorCode.OFFSET_OUT_OF_RANGE ? withWatermarks(result, slot.replica) : result;
  }
}

function waitTargets(slots: Slot[]): WaitTarget[] {
  const targets: WaitTarget[] = [];
  for (const s of slots) {
    if (s.replica !== undefined) targets.push({ waiters: s.replica.waiters, offset: s.request.fetchOffset, highWatermark: s.replica.highWatermark });
  }
  return targets;
}

function withWatermarks(result: PartitionData, replica: PartitionReplica): PartitionData {
  return { ...result, highWatermark: replica.highWatermark, lastStableOffset: replica.highWatermark, logStartOffset: replica.logStartOffset };
}

function empty(partitionIndex: number, errorCode: number): PartitionData {
  return {
    partitionIndex,
    errorCode,
    highWatermark: -1,
    lastStableOffset: -1,
    logStartOffset: -1,
    divergingEpoch: { epoch: -1, endOffset: -1 },
    currentLeader: { leaderId: -1, leaderEpoch: -1 },
    snapshotId: { endOffset: -1, epoch: -1 },
    abortedTransactions: null,
    preferredReadReplica: -1,
    records: NO_RECORDS,
  };
}
