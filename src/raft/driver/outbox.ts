import { MessageType, type Message } from '../core/index.js';
import type { NodeTransport } from '../transport/index.js';
import { FrameBuilder } from './frame.js';
import type { RaftGroup } from './group.js';
import { toNodeId, toRaftId } from './ids.js';
import { peerTraffic, type RaftHostStats } from './stats.js';

/**
 * A peer's messages of one drain are split into frames of about this size, far below the
 * transport's maxFrameBytes (a frame over it would be dropped whole), so one busy drain of many
 * groups never becomes one oversized frame.
 */
export const FRAME_SPLIT_BYTES = 4 * 1024 * 1024;

interface PeerBatch {
  frame: FrameBuilder;
  /** Frames already full (FRAME_SPLIT_BYTES), sent before `frame`. */
  full: FrameBuilder[];
  /** Groups with a message in this frame, told when it could not be sent. */
  groups: Set<RaftGroup>;
  snapshots: Array<{ group: RaftGroup; to: number }>;
}

/**
 * Collects the messages of one drain phase (or one tick) and sends them as one frame per peer:
 * every group's messages to that peer together, heartbeats in their compact form.
 */
export class Outbox {
  private readonly peers = new Map<number, PeerBatch>();

  add(group: RaftGroup, messages: readonly Message[]): void {
    for (const m of messages) this.addOne(group, m);
  }

  addOne(group: RaftGroup, m: Message): void {
    const to = toNodeId(m.to);
    if (to === undefined) return;
    let batch = this.peers.get(to);
    if (batch === undefined) {
      batch = { frame: new FrameBuilder(), full: [], groups: new Set(), snapshots: [] };
      this.peers.set(to, batch);
    }
    batch.frame.add(group.idBytes, m);
    if (batch.frame.bytes >= FRAME_SPLIT_BYTES) {
      batch.full.push(batch.frame);
      batch.frame = new FrameBuilder();
    }
    batch.groups.add(group);
    if (m.type === MessageType.SNAPSHOT) batch.snapshots.push({ group, to: m.to });
  }

  get empty(): boolean {
    return this.peers.size === 0;
  }

  /**
   * Sends every frame. A frame the transport could not take (peer unknown, queue overflowing) makes
   * its groups treat the peer as unreachable, so leaders fall back to probing instead of streaming
   * into the void. Returns the groups whose Raft state changed (to be drained again).
   */
  flush(transport: NodeTransport, stats: RaftHostStats): Set<RaftGroup> {
    const touched = new Set<RaftGroup>();
    for (const [peer, batch] of this.peers) {
      let ok = true;
      const t = peerTraffic(stats, peer);
      for (const frame of [...batch.full, batch.frame]) {
        if (frame.empty) continue;
        ok = transport.send(peer, frame.build()) && ok;
        t.frames++;
        t.messages += frame.messages;
        t.heartbeats += frame.heartbeats;
      }
      for (const s of batch.snapshots) {
        if (s.group.failed !== undefined || s.group.removed) continue;
        s.group.node.reportSnapshot(s.to, ok);
        touched.add(s.group);
      }
      if (ok) continue;
      for (const g of batch.groups) {
        if (g.failed !== undefined || g.removed) continue;
        g.node.reportUnreachable(toRaftId(peer));
        touched.add(g);
      }
    }
    this.peers.clear();
    return touched;
  }
}
