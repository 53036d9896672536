import type { Message } from '../core/index.js';

export const EARLY_MAX_GROUPS = 4_096;
export const EARLY_MAX_PER_GROUP = 64;

interface Pending {
  readonly messages: Message[];
  readonly expiresAtTick: number;
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
  dropped = 0;

  constructor(private readonly ttlTicks: number) {}

  add(groupId: string, message: Message, nowTick: number): void {
    let entry = this.pending.get(groupId);
    if (entry === undefined) {
      if (this.pending.size >= EARLY_MAX_GROUPS) {
        this.dropped++;
        return;
      }
      entry = { messages: [], expiresAtTick: nowTick + this.ttlTicks };
      this.pending.set(groupId, entry);
    }
    if (entry.messages.length >= EARLY_MAX_PER_GROUP) {
      this.dropped++;
      return;
    }
    entry.messages.push(message);
  }

  take(groupId: string): Message[] {
    const entry = this.pending.get(groupId);
    this.pending.delete(groupId);
    return entry?.messages ?? [];
  }

  expire(nowTick: number): void {
    if (this.pending.size === 0) return;
    for (const [groupId, entry] of this.pending) {
      if (entry.expiresAtTick > nowTick) continue;
      this.dropped += entry.messages.length;
      this.pending.delete(groupId);
    }
  }

  get size(): number {
    return this.pending.size;
  }
}
