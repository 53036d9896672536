import { MessageType, type Message, type Ready } from '../core/index.js';

/**
 * Where one entry is on its way from proposal to resolution (docs/raft-driver.md, "Tracing one
 * proposal"). Each point is marked with the index of the last entry it concerns.
 */
export type TracePoint =
  /** Leader: `propose` took the entry. */
  | 'propose'
  /** A drain took a Ready carrying the entry (to persist). */
  | 'collect'
  /** That Ready's writes are durable. */
  | 'durable'
  /** An append carrying the entry was handed to the transport (leader). */
  | 'sendApp'
  /** A follower stepped an append carrying the entry. */
  | 'recvApp'
  /** A follower handed its acknowledgement (append response) to the transport. */
  | 'sendResp'
  /** The leader stepped an acknowledgement covering the entry. */
  | 'recvResp'
  /** A drain took a Ready whose committed entries include it. */
  | 'collectCommit'
  /** The state machine applied it. */
  | 'applied'
  /** Its proposal was settled (leader). */
  | 'resolved'
  /** File-layer calls (marked by a bench's FileIO wrapper, group '' and index 0): start and end. */
  | 'ioWriteStart'
  | 'ioWriteEnd'
  | 'ioSyncStart'
  | 'ioSyncEnd';

/**
 * Receives trace points. Bench-only (`tools/bench/raft.ts --trace`): the host calls it only when one
 * is given, and marks nothing at all otherwise (no cost beyond one undefined check per drain step).
 * Implementations must be cheap and must not throw.
 */
export interface RaftTracer {
  mark(point: TracePoint, group: string, index: number): void;
}

/** Marks `point` for every group of the batch whose Ready has entries (their last index). */
export function traceEntries(t: RaftTracer, point: TracePoint, batch: ReadonlyArray<readonly [{ id: string }, Ready]>): void {
  for (const [g, rd] of batch) {
    const last = rd.entries.at(-1);
    if (last !== undefined) t.mark(point, g.id, last.index);
  }
}

/** Marks the committed entries that a drain just collected. */
export function traceCommitted(t: RaftTracer, batch: ReadonlyArray<readonly [{ id: string }, Ready]>): void {
  for (const [g, rd] of batch) {
    const last = rd.committedEntries.at(-1);
    if (last !== undefined) t.mark('collectCommit', g.id, last.index);
  }
}

/** Appends carrying entries and acknowledgements, as they are sent (`send`) or stepped (`recv`). */
export function traceMessage(t: RaftTracer, dir: 'send' | 'recv', group: string, m: Message): void {
  if (m.type === MessageType.APPEND) {
    const last = m.entries.at(-1);
    if (last !== undefined) t.mark(dir === 'send' ? 'sendApp' : 'recvApp', group, last.index);
  } else if (m.type === MessageType.APPEND_RESP && !m.reject) {
    t.mark(dir === 'send' ? 'sendResp' : 'recvResp', group, m.index);
  }
}

export interface TraceEvent {
  point: TracePoint;
  group: string;
  index: number;
  /** CLOCK_MONOTONIC milliseconds: comparable between processes of one machine. */
  atMs: number;
}

/** Milliseconds on the machine-wide monotonic clock (process.hrtime is CLOCK_MONOTONIC on Linux). */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** A tracer that keeps the first `capacity` events in memory (a bench reads them afterwards). */
export class TraceRecorder implements RaftTracer {
  private events: TraceEvent[] = [];

  constructor(private readonly capacity: number) {}

  mark(point: TracePoint, group: string, index: number): void {
    if (this.events.length < this.capacity) this.events.push({ point, group, index, atMs: monotonicMs() });
  }

  /** The events recorded since the last take, oldest first. */
  take(): TraceEvent[] {
    const out = this.events;
    this.events = [];
    return out;
  }
}
