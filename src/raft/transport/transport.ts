import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { assert } from '../../util/assert.js';
import { Backoff } from './backoff.js';
import { TransportError } from './errors.js';
import { encodeFrame, FRAME_HEADER_BYTES, FrameKind, payloadBytes, type FrameKindValue, type FrameParts } from './codec.js';
import { DelayLine } from './delay-line.js';
import { judgeFrame, validateFault, type LinkDirection, type LinkFault } from './faults.js';
import { FrameListeners } from './frame-listeners.js';
import { FramedSocket, type FaultGate, type KeepaliveOptions } from './framed-socket.js';
import { HANDSHAKE_MAX_FRAME_BYTES } from './handshake.js';
import { InboundConnection } from './inbound.js';
import { LogBudget } from './log-budget.js';
import { resolveOptions, validatePeers, type NodeTransportOptions, type ResolvedOptions } from './options.js';
import { OutboundLink } from './outbound.js';
import type { QueuedFrame, QueueLimits } from './queue.js';
import { emptyPeerStats, type PeerStats, type TransportStats } from './stats.js';
import type { FrameListener, FramePartsListener, PeerAddress, PeerListener } from './types.js';

/** Refusals are logged in full up to this many per window (every one is counted in stats). */
const REFUSAL_LOGS_PER_WINDOW = 20;
const REFUSAL_LOG_WINDOW_MS = 10_000;

/** Everything the transport keeps about one peer in the current peer set. */
interface Peer {
  link: OutboundLink;
  stats: PeerStats;
  outDelay: DelayLine;
  inDelay: DelayLine;
}

/**
 * Moves opaque payloads between the nodes of a cluster over TCP.
 *
 * Connection rule: every node dials every peer, and uses the connection it dialed only to send and
 * the connections it accepted only to receive. So each directed link is one TCP connection with one
 * owner: there is no tie-breaking between simultaneous dials, a restart on either side heals by
 * redialing, and a directed fault (A→B cut, B→A fine) maps onto exactly one socket. The price is
 * two connections per node pair, which is nothing next to the thousands of Raft groups that share
 * them.
 */
export class NodeTransport {
  private readonly opts: ResolvedOptions;
  private readonly log: Logger;
  private readonly peers = new Map<number, Peer>();
  private readonly inbound = new Map<number, InboundConnection>();
  private readonly pending = new Set<InboundConnection>();
  private readonly sockets = new Set<FramedSocket>();
  private readonly faults = { out: new Map<number, LinkFault>(), in: new Map<number, LinkFault>() };
  private readonly frameListeners = new FrameListeners();
  private readonly upListeners = new Set<PeerListener>();
  private readonly downListeners = new Set<PeerListener>();
  private readonly lostListeners = new Set<PeerListener>();
  private readonly counters = { unknownPeerDrops: 0, oversizeDrops: 0, refusedConnections: 0, badFrameCloses: 0 };
  private readonly refusalLogs: LogBudget;
  /** Every socket applies the injected faults of its peer's link to the frames it exchanges. */
  private readonly gate: FaultGate = {
    faulted: (peer, direction) => this.faults[direction].has(peer),
    pass: (peer, direction, kind, bytes, deliver) => this.passFault(peer, direction, kind, bytes, deliver),
  };
  private server: Server | undefined;
  private state: 'new' | 'started' | 'closed' = 'new';

  constructor(options: NodeTransportOptions) {
    this.opts = resolveOptions(options);
    this.log = this.opts.logger.child({ module: 'transport', nodeId: this.opts.nodeId });
    this.refusalLogs = new LogBudget(REFUSAL_LOGS_PER_WINDOW, REFUSAL_LOG_WINDOW_MS, this.log, 'refused inbound connection');
    for (const [id, address] of this.opts.peers) this.addPeer(id, address);
  }

  get nodeId(): number {
    return this.opts.nodeId;
  }

  /**
   * Listens, then starts dialing every peer. Resolves with the bound address (port 0 → ephemeral);
   * rejects with TransportError if the address cannot be bound (call close() to clean up).
   */
  async start(): Promise<PeerAddress> {
    assert(this.state === 'new', 'transport already started');
    this.state = 'started';
    const server = createServer((socket) => this.onAccept(socket));
    this.server = server;
    const { host, port } = this.opts.listen;
    await new Promise<void>((resolve, reject) => {
      const fail = (err: Error): void => reject(new TransportError(`cannot listen on ${host}:${port}: ${err.message}`, { cause: err }));
      server.once('error', fail);
      server.listen(port, host, () => {
        server.off('error', fail);
        resolve();
      });
    });
    server.on('error', (err) => this.log.error({ err }, 'listener error'));
    for (const peer of this.peers.values()) peer.link.start();
    const address = server.address() as AddressInfo;
    this.log.info({ host: address.address, port: address.port }, 'transport listening');
    return { host: address.address, port: address.port };
  }

  /**
   * Sends one payload (given as a list of buffers, to avoid concatenating header and body). The
   * buffers are not copied: treat them as immutable once sent (they may sit in a queue). Returns true when the frame was written
   * or queued without loss (a frame lost to an injected fault also counts as sent, as on a real
   * network); false when the peer is unknown, the payload is over maxFrameBytes, or the peer's
   * bounded queue had to drop frames (the oldest) to take this one: the peer is down or not keeping
   * up.
   */
  send(to: number, payload: Uint8Array | readonly Uint8Array[]): boolean {
    if (this.state === 'closed') return false;
    const peer = this.peers.get(to);
    if (peer === undefined) {
      this.counters.unknownPeerDrops += 1;
      return false;
    }
    const parts: readonly Uint8Array[] = payload instanceof Uint8Array ? [payload] : payload;
    const size = payloadBytes(parts);
    if (size > this.opts.maxFrameBytes) {
      this.counters.oversizeDrops += 1;
      this.log.warn({ peer: to, bytes: size, maxFrameBytes: this.opts.maxFrameBytes }, 'dropping oversized frame');
      return false;
    }
    const frame: QueuedFrame = { buffers: encodeFrame(FrameKind.DATA, parts), bytes: size + FRAME_HEADER_BYTES };
    if (!this.faults.out.has(to)) return peer.link.send(frame);
    this.passFault(to, 'out', FrameKind.DATA, frame.bytes, () => peer.link.send(frame));
    return true;
  }

  /**
   * Hands every peer's frames written in this tick to the kernel now. Frames are corked until the
   * end of the tick so that one tick's sends to a peer leave in one writev; a caller about to do
   * more synchronous work before the tick ends (the driver, writing its own log after sending its
   * appends) calls this so the peers get them first (§10.2.1: the leader's write runs beside
   * replication, not before it).
   */
  flushCorked(): void {
    for (const peer of this.peers.values()) peer.link.flushCorked();
  }

  /**
   * Applies the injected fault of one direction of the link with `peerId` to one frame: every frame,
   * DATA or control (handshake, keepalive), so that a cut link is as silent as a real one. DATA
   * frames arriving count in framesIn/bytesIn even when the fault then loses them (they did cross
   * the wire); losses count in faultDrops (DATA) or controlFaultDrops.
   */
  private passFault(peerId: number, direction: LinkDirection, kind: FrameKindValue, bytes: number, deliver: () => void): void {
    const peer = this.peers.get(peerId);
    if (peer === undefined) {
      // Not (or no longer) a peer: no fault can be set on it; the handshake refuses a stranger.
      deliver();
      return;
    }
    const verdict = judgeFrame(this.faults[direction].get(peerId), this.opts.random);
    if (verdict.action === 'pass') {
      deliver();
      return;
    }
    const line = direction === 'out' ? peer.outDelay : peer.inDelay;
    if (verdict.action === 'delay' && line.hold(verdict.delayMs, bytes, deliver)) return;
    if (kind !== FrameKind.DATA) {
      peer.stats.controlFaultDrops += 1;
      return;
    }
    peer.stats.faultDrops += 1;
    if (direction === 'in') countIn(peer.stats, bytes);
  }

  /**
   * Subscribes to received payloads. A payload is a view into the received chunk (never reused, so
   * it stays valid), which keeps that whole chunk alive: copy small payloads you retain for long.
   * Returns an unsubscribe function.
   */
  onFrame(listener: FrameListener): () => void {
    return this.frameListeners.addWhole(listener);
  }

  /**
   * Subscribes to received payloads as the views of the chunks they arrived in (never joined: a
   * large frame spans several socket reads). With `claimBelowTag`, payloads whose first byte is
   * below it are for parts listeners only: `onFrame` listeners do not see them, so nothing joins
   * them. The Raft host claims its frames (first byte below 0x80) this way.
   */
  onFrameParts(listener: FramePartsListener, claimBelowTag = 0): () => void {
    return this.frameListeners.addParts(listener, claimBelowTag);
  }

  /** Our outbound connection to the peer completed its handshake: sends now go straight out. */
  onPeerUp(listener: PeerListener): () => void {
    return subscribe(this.upListeners, listener);
  }

  /** Our outbound connection to the peer was lost; sends are queued while we redial. */
  onPeerDown(listener: PeerListener): () => void {
    return subscribe(this.downListeners, listener);
  }

  /**
   * Some connection with the peer closed: our outbound one went down (as onPeerDown), or the one
   * it dialed to us did. A failure detector's hint (a killed process closes both at once; seeing
   * either is enough), not a state: the peer may be back already. Fires once per closed socket.
   */
  onPeerConnectionLost(listener: PeerListener): () => void {
    return subscribe(this.lostListeners, listener);
  }

  isPeerUp(id: number): boolean {
    return this.peers.get(id)?.link.isUp ?? false;
  }

  /** Replaces the peer set (membership change): new peers are dialed, removed ones disconnected. */
  setPeers(peers: ReadonlyMap<number, PeerAddress>): void {
    if (this.state === 'closed') return;
    validatePeers(peers);
    for (const [id, peer] of [...this.peers]) {
      const next = peers.get(id);
      if (next === undefined || next.host !== peer.link.address.host || next.port !== peer.link.address.port) {
        this.removePeer(id, next === undefined ? 'removed from peer set' : 'address changed');
      }
    }
    for (const [id, address] of peers) {
      if (this.peers.has(id) || id === this.opts.nodeId) continue;
      this.addPeer(id, address);
      if (this.state === 'started') this.peers.get(id)?.link.start();
    }
  }

  /**
   * Injects a fault on the directed link to (`out`, applied before queueing) or from (`in`, applied
   * before delivery) `peer`; undefined clears it. Partitions are built from these: symmetric = both
   * directions, asymmetric = one.
   */
  setLinkFault(peer: number, fault: LinkFault | undefined, direction: LinkDirection = 'out'): void {
    if (fault === undefined) {
      this.faults[direction].delete(peer);
      return;
    }
    validateFault(fault);
    this.faults[direction].set(peer, { ...fault });
  }

  /** Clears every injected fault. Frames already held by a delay are still released on time. */
  clearLinkFaults(): void {
    this.faults.out.clear();
    this.faults.in.clear();
  }

  /** A snapshot of the counters (a fresh plain object each call). */
  stats(): TransportStats {
    const peers: Record<string, PeerStats> = {};
    for (const [id, peer] of this.peers) peers[String(id)] = { ...peer.stats, inboundConnected: this.inbound.has(id) };
    return { peers, ...this.counters };
  }

  /** Ends every socket and timer; afterwards the transport holds no handles and sends return false. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    const wasStarted = this.state === 'started';
    this.state = 'closed';
    // Wait for every socket's 'close' (destroy is asynchronous) so that no handle outlives close().
    const socketsClosed = [...this.sockets].map((s) => s.closedPromise());
    for (const id of [...this.peers.keys()]) this.removePeer(id, 'transport closing');
    for (const connection of [...this.pending]) connection.close('transport closing');
    for (const socket of [...this.sockets]) socket.destroy('transport closing');
    const server = this.server;
    this.server = undefined;
    if (wasStarted && server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
    await Promise.all(socketsClosed);
    this.log.info('transport closed');
  }

  private addPeer(id: number, address: PeerAddress): void {
    if (id === this.opts.nodeId) return;
    const stats = emptyPeerStats();
    const limits: QueueLimits = { maxBytes: this.opts.maxQueueBytes, maxFrames: this.opts.maxQueueFrames };
    const link = new OutboundLink({
      selfId: this.opts.nodeId,
      clusterId: this.opts.clusterId,
      peerId: id,
      address: { host: address.host, port: address.port },
      logger: this.log,
      authenticator: this.opts.authenticator,
      queueLimits: limits,
      backoff: new Backoff({ minMs: this.opts.reconnectMinMs, maxMs: this.opts.reconnectMaxMs, random: this.opts.random }),
      keepalive: this.keepalive(),
      handshakeTimeoutMs: this.opts.handshakeTimeoutMs,
      gate: this.gate,
      stats,
      track: (socket) => this.track(socket),
      onUp: (peerId) => emit(this.upListeners, peerId),
      onDown: (peerId) => {
        emit(this.downListeners, peerId);
        emit(this.lostListeners, peerId);
      },
      onBadFrame: () => (this.counters.badFrameCloses += 1),
    });
    this.peers.set(id, { link, stats, outDelay: new DelayLine(limits), inDelay: new DelayLine(limits) });
  }

  private removePeer(id: number, reason: string): void {
    const peer = this.peers.get(id);
    if (peer === undefined) return;
    this.peers.delete(id);
    peer.link.close();
    peer.outDelay.clear();
    peer.inDelay.clear();
    this.inbound.get(id)?.close(reason);
    this.inbound.delete(id);
    this.log.info({ peer: id, reason }, 'peer removed');
  }

  private keepalive(): KeepaliveOptions {
    return { heartbeatMs: this.opts.heartbeatMs, idleTimeoutMs: this.opts.idleTimeoutMs };
  }

  private track(socket: FramedSocket): void {
    this.sockets.add(socket);
    socket.socket.once('close', () => this.sockets.delete(socket));
  }

  private onAccept(raw: Socket): void {
    if (this.state !== 'started' || this.pending.size >= this.opts.maxPendingHandshakes) {
      this.log.warn({ address: `${raw.remoteAddress}:${raw.remotePort}`, pending: this.pending.size }, 'refusing connection: too many pending handshakes or closing');
      raw.destroy();
      return;
    }
    const socket = new FramedSocket(raw, HANDSHAKE_MAX_FRAME_BYTES, this.log, this.gate);
    this.track(socket);
    const connection = new InboundConnection(socket, {
      selfId: this.opts.nodeId,
      clusterId: this.opts.clusterId,
      logger: this.log,
      authenticator: this.opts.authenticator,
      maxFrameBytes: this.opts.maxFrameBytes,
      keepalive: this.keepalive(),
      handshakeTimeoutMs: this.opts.handshakeTimeoutMs,
      admit: (fromId, conn) => this.admit(fromId, conn),
      onRefused: () => (this.counters.refusedConnections += 1),
      refusalLogs: this.refusalLogs,
      onFrame: (fromId, parts) => this.receive(fromId, parts),
      onClosed: (conn, reason, badFrame) => this.onInboundClosed(conn, reason, badFrame),
    });
    this.pending.add(connection);
  }

  private admit(fromId: number, connection: InboundConnection): string | undefined {
    if (fromId === this.opts.nodeId) return `node id ${fromId} is our own`;
    if (!this.peers.has(fromId)) return `unknown node id ${fromId} (not in our peer set)`;
    const existing = this.inbound.get(fromId);
    // A live connection (heard from within two heartbeats) wins: a second dialer with the same id is
    // a misconfiguration. A silent one is a leftover of a peer that restarted: replace it.
    if (existing !== undefined && existing.socket.idleMs(Date.now()) < 2 * this.opts.heartbeatMs) {
      return `duplicate connection from node ${fromId}`;
    }
    existing?.close('superseded by a new connection from the same node');
    this.pending.delete(connection);
    this.inbound.set(fromId, connection);
    return undefined;
  }

  /** A DATA frame that got through the link's fault, if one is set (the socket applies it). */
  private receive(from: number, parts: FrameParts): void {
    const peer = this.peers.get(from);
    if (peer === undefined) return;
    countIn(peer.stats, payloadBytes(parts));
    this.frameListeners.emit(from, parts);
  }

  private onInboundClosed(connection: InboundConnection, reason: string, badFrame: boolean): void {
    this.pending.delete(connection);
    const id = connection.nodeId;
    if (id !== undefined && this.inbound.get(id) === connection) {
      this.inbound.delete(id);
      this.log.info({ peer: id, reason }, 'inbound connection closed');
      // Our own dial to the peer may not be up (still in backoff after a restart), so this close
      // can be the only sign that the peer died.
      if (this.state === 'started') emit(this.lostListeners, id);
    }
    if (badFrame) this.counters.badFrameCloses += 1;
  }
}

function subscribe<T>(set: Set<T>, listener: T): () => void {
  set.add(listener);
  return () => {
    set.delete(listener);
  };
}

function emit(listeners: ReadonlySet<PeerListener>, peerId: number): void {
  for (const listener of listeners) listener(peerId);
}

function countIn(stats: PeerStats, payloadBytes: number): void {
  stats.framesIn += 1;
  stats.bytesIn += payloadBytes + FRAME_HEADER_BYTES;
}
