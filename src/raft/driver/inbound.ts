import type { Logger } from 'pino';
import type { Message } from '../core/index.js';
import { payloadBytes, type FrameParts } from '../transport/index.js';
import type { EarlyMessages } from './early-messages.js';
import { decodeFrame } from './frame.js';
import type { RaftGroup } from './group.js';
import { toNodeId, toRaftId } from './ids.js';
import type { RaftHostStats } from './stats.js';
import { traceMessage, type RaftTracer } from './trace.js';

/** Frame tags at or above this value are not Raft frames (see dispatchFrame). */
export const OTHER_CHANNEL_MIN_TAG = 0x80;

export interface InboundContext {
  nodeId: number;
  groups: ReadonlyMap<string, RaftGroup>;
  early: EarlyMessages;
  stats: RaftHostStats;
  logger: Logger;
  tick: number;
  tracer: RaftTracer | undefined;
  markDirty(g: RaftGroup): void;
}

/**
 * Decodes one frame from `from` (as the runs it arrived in: decoded in place, never joined) and
 * steps each message into its group. Nothing from the network crashes the node: a malformed frame
 * is dropped whole, a message the core refuses is dropped alone.
 */
export function dispatchFrame(ctx: InboundContext, from: number, parts: FrameParts): void {
  // First bytes of 0x80 and above belong to other channels on the same node connections (the
  // node's RPC); they are theirs to read, not garbage. (The host claims only the frames below.)
  const first = parts[0];
  if (first !== undefined && (first[0] as number) >= OTHER_CHANNEL_MIN_TAG) return;
  let items;
  try {
    items = decodeFrame(parts, toRaftId(from), toRaftId(ctx.nodeId));
  } catch (err) {
    ctx.stats.badFrames++;
    // A peer sending garbage must not flood the log: every drop is counted, a few are logged.
    if (isPowerOfTwo(ctx.stats.badFrames)) ctx.logger.warn({ err, from, bytes: payloadBytes(parts), dropped: ctx.stats.badFrames }, 'dropping undecodable raft frame');
    return;
  }
  for (const { groupId, message } of items) {
    const g = ctx.groups.get(groupId);
    if (g === undefined) {
      // Possibly a group the metadata layer is about to create: hold it briefly (bounded).
      ctx.stats.unknownGroupDrops++;
      ctx.early.add(groupId, message, ctx.tick);
      continue;
    }
    if (g.failed !== undefined) {
      ctx.stats.unknownGroupDrops++;
      continue;
    }
    stepInto(g, message, ctx);
    ctx.markDirty(g);
  }
}

export function stepInto(g: RaftGroup, message: Message, ctx: Pick<InboundContext, 'stats' | 'logger'> & { tracer?: RaftTracer | undefined }): void {
  if (ctx.tracer !== undefined) traceMessage(ctx.tracer, 'recv', g.id, message);
  try {
    g.node.step(message);
  } catch (err) {
    ctx.stats.badMessages++;
    if (isPowerOfTwo(ctx.stats.badMessages)) {
      ctx.logger.warn({ err, from: toNodeId(message.from), group: g.id, type: message.type, dropped: ctx.stats.badMessages }, 'dropping raft message the core refused');
    }
  }
}

/** Logs the 1st, 2nd, 4th, 8th… occurrence: bounded log volume, still visible. */
function isPowerOfTwo(n: number): boolean {
  return n > 0 && Number.isInteger(Math.log2(n));
}
