import { assert } from '../../util/assert.js';
import { joinParts, type FrameParts } from './codec.js';
import type { FrameListener, FramePartsListener } from './types.js';

/**
 * The transport's subscribers to received DATA payloads. Parts listeners get every payload as the
 * views it arrived in; a parts listener may also claim the payloads whose first byte is below a
 * tag (a channel), which whole-payload listeners then never see. That is what lets the Raft host
 * decode its frames in place: a whole-payload listener (the node's RPC, which reads only its own
 * tags) would otherwise force a join, i.e. a copy of every Raft frame that spans socket reads.
 */
export class FrameListeners {
  private readonly whole = new Set<FrameListener>();
  private readonly parts = new Map<FramePartsListener, number>();
  /** Payloads whose first byte is below this go to parts listeners only. */
  private claimedBelow = 0;

  addWhole(listener: FrameListener): () => void {
    this.whole.add(listener);
    return () => {
      this.whole.delete(listener);
    };
  }

  addParts(listener: FramePartsListener, claimBelowTag: number): () => void {
    assert(Number.isInteger(claimBelowTag) && claimBelowTag >= 0 && claimBelowTag <= 0x100, 'claimBelowTag must be a byte value or 256');
    this.parts.set(listener, claimBelowTag);
    this.claimedBelow = Math.max(this.claimedBelow, claimBelowTag);
    return () => {
      this.parts.delete(listener);
      this.claimedBelow = 0;
      for (const tag of this.parts.values()) this.claimedBelow = Math.max(this.claimedBelow, tag);
    };
  }

  emit(from: number, parts: FrameParts): void {
    for (const listener of this.parts.keys()) listener(from, parts);
    if (this.whole.size === 0 || firstByte(parts) < this.claimedBelow) return;
    const payload = joinParts(parts);
    for (const listener of this.whole) listener(from, payload);
  }
}

/** The payload's first byte, or 256 for an empty payload (no channel claims it). */
function firstByte(parts: FrameParts): number {
  for (const part of parts) if (part.byteLength > 0) return part[0] as number;
  return 0x100;
}
