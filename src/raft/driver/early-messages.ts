import type { Message } from '../core/index.js';

export const EARLY_MAX_GROUPS = 4_096;
export const EARLY_MAX_PER_GROUP = 64;
/** Held entry payloads keep their received frames alive: bound them in bytes too. */
export const EARLY_MAX_BYTES = 16 * 1024 * 1024;

interface Pending {
  readonly messages: Message[];
  readonly expiresAtTick: number;
  bytes: number;
}

function payloadBytes(m: Message): number {
  let n = m.snapshot?.data.byteLength ?? 0;
  for (const e of m.entries) n += e.data.byteLength;
  return n;
}

/**
 * Messages for a group this node does not host yet. A just-created partition's designated leader
 * campaigns as soon as it applies the TopicCreated event; its peers may apply that event a moment
 * later (they learn the commit from the next append or heartbeat). Dropping the vote requests in
 * between would cost a whole election timeout, so they are held here, bounded in groups, messages
 * and time, and stepped in when the group is added. Whatever expires is dropped: Raft tolerates loss.
 */
export class EarlyMessages {
  private readonly pending = new Map<string, Pending>();
  private bytes = 0;
  dropped = 0;

  constructor(private readonly ttlTicks: number) {}

  add(groupId: string, message: Message, nowTick: number): void {
    let entry = this.pending.get(groupId);
    if (entry === undefined) {
      if (this.pending.size >= EARLY_MAX_GROUPS) {
        this.dropped++;
        return;
      }
      entry = { messages: [], expiresAtTick: nowTick + this.ttlTicks, bytes: 0 };
      this.pending.set(groupId, entry);
    }
    const size = payloadBytes(message);
    if (entry.messages.length >= EARLY_MAX_PER_GROUP || this.bytes + size > EARLY_MAX_BYTES) {
      this.dropped++;
      return;
    }
    entry.messages.push(message);
    entry.bytes += size;
    this.bytes += size;
  }

  take(groupId: string): Message[] {
    const entry = this.pending.get(groupId);
    if (entry === undefined) return [];
    this.pending.delete(groupId);
    this.bytes -= entry.bytes;
    return entry.messages;
  }

  expire(nowTick: number): void {
    if (this.pending.size === 0) return;
    for (const [groupId, entry] of this.pending) {
      if (entry.expiresAtTick > nowTick) continue;
      this.dropped += entry.messages.length;
      this.bytes -= entry.bytes;
      this.pending.delete(groupId);
    }
  }

  get size(): number {
    return this.pending.size;
  }
}
