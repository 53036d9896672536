import { randomBytes } from 'node:crypto';
import { connect, type TcpNetConnectOpts } from 'node:net';
import type { Logger } from 'pino';
import type { HandshakeAuthenticator, HandshakeTranscript } from './auth.js';
import type { Backoff } from './backoff.js';
import { FrameKind, joinParts, type FrameKindValue } from './codec.js';
import { FrameError, HandshakeError } from './errors.js';
import { FramedSocket, type FaultGate, type KeepaliveOptions } from './framed-socket.js';
import {
  decodeChallenge,
  decodeRefuse,
  decodeWelcome,
  encodeHello,
  HANDSHAKE_MAX_FRAME_BYTES,
  NONCE_BYTES,
  PROTOCOL_VERSION,
} from './handshake.js';
import { BoundedFrameQueue, type QueueLimits, type QueuedFrame } from './queue.js';
import type { PeerStats } from './stats.js';
import type { PeerAddress } from './types.js';

export interface OutboundLinkOptions {
  selfId: number;
  clusterId: string;
  peerId: number;
  address: PeerAddress;
  logger: Logger;
  authenticator: HandshakeAuthenticator;
  queueLimits: QueueLimits;
  backoff: Backoff;
  keepalive: KeepaliveOptions;
  handshakeTimeoutMs: number;
  /** The transport's injected link faults, applied to the handshake and keepalive frames too. */
  gate: FaultGate;
  stats: PeerStats;
  /** Every socket this link opens, so the transport can tear them all down on close. */
  track: (socket: FramedSocket) => void;
  onUp: (peerId: number) => void;
  onDown: (peerId: number, reason: string) => void;
  onBadFrame: () => void;
}

/**
 * User-space bytes a socket may hold before `write` asks us to wait for `drain`. Frames of one tick are
 * corked together and handed to the kernel every 64 KiB (framed-socket.ts), so this only fills when
 * the kernel's send buffer is full; it is well above the 16 KiB default so a burst of small frames
 * does not spill into the (count-bounded) queue while the kernel still has room.
 */
const SOCKET_HIGH_WATER_BYTES = 1024 * 1024;

type State = 'idle' | 'connecting' | 'up' | 'backoff' | 'closed';

/**
 * The one connection this node dials to a peer, used only to send. It redials with backoff for as long
 * as the peer is in the peer set, and buffers frames in a bounded queue while it is down or while the
 * socket is waiting for `drain`.
 */
export class OutboundLink {
  private state: State = 'idle';
  private socket: FramedSocket | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private handshakeTimer: NodeJS.Timeout | undefined;
  private everUp = false;
  private readonly queue: BoundedFrameQueue;
  private readonly log: Logger;

  constructor(private readonly opts: OutboundLinkOptions) {
    this.queue = new BoundedFrameQueue(opts.queueLimits);
    this.log = opts.logger.child({ peerId: opts.peerId });
  }

  get isUp(): boolean {
    return this.state === 'up';
  }

  get address(): PeerAddress {
    return this.opts.address;
  }

  start(): void {
    if (this.state === 'idle') this.dial();
  }

  /** Writes or queues one encoded frame. False when the queue had to drop frames to take it. */
  send(frame: QueuedFrame): boolean {
    if (this.state === 'closed') return false;
    if (this.state === 'up' && this.socket !== undefined && this.queue.frames === 0 && !this.socket.needsDrain) {
      this.writeNow(this.socket, frame);
      return true;
    }
    const dropped = this.queue.push(frame);
    this.opts.stats.queueDrops += dropped;
    this.syncQueueStats();
    return dropped === 0;
  }

  /** Hands the frames written in this tick to the kernel now instead of at the end of the tick. */
  flushCorked(): void {
    this.socket?.flushCorked();
  }

  close(): void {
    if (this.state === 'closed') return;
    const wasUp = this.state === 'up';
    this.state = 'closed';
    this.clearTimers();
    this.socket?.close('transport closing');
    this.socket = undefined;
    this.queue.clear();
    this.syncQueueStats();
    this.opts.stats.connected = false;
    if (wasUp) this.opts.onDown(this.opts.peerId, 'peer removed or transport closed');
  }

  private dial(): void {
    this.state = 'connecting';
    const { host, port } = this.opts.address;
    // net.Socket hands its options to stream.Duplex, which honours writableHighWaterMark; the Node
    // typings just do not declare it on connect's options.
    const options: TcpNetConnectOpts & { writableHighWaterMark: number } = { host, port, writableHighWaterMark: SOCKET_HIGH_WATER_BYTES };
    const raw = connect(options);
    const socket = new FramedSocket(raw, HANDSHAKE_MAX_FRAME_BYTES, this.log, this.opts.gate);
    socket.peer = this.opts.peerId;
    this.socket = socket;
    this.opts.track(socket);
    const nonce = randomBytes(NONCE_BYTES);
    socket.onFrame((kind, parts) => this.onFrame(socket, nonce, kind, joinParts(parts)));
    socket.onClose((reason, badFrame) => {
      if (badFrame) this.opts.onBadFrame();
      this.onClosed(socket, reason);
    });
    socket.onDrain(() => this.flush());
    this.handshakeTimer = setTimeout(() => socket.close('handshake timed out'), this.opts.handshakeTimeoutMs);
  }

  private onFrame(socket: FramedSocket, nonce: Buffer, kind: FrameKindValue, payload: Buffer): void {
    try {
      if (this.state === 'up') {
        // Inbound-only traffic on a dialed connection is heartbeats; anything else is a protocol error.
        if (kind !== FrameKind.HEARTBEAT) throw new FrameError('malformed', `unexpected frame kind ${kind} after handshake`);
      } else if (kind === FrameKind.CHALLENGE) {
        this.sendHello(socket, nonce, payload);
      } else if (kind === FrameKind.WELCOME) {
        this.acceptWelcome(socket, nonce, payload);
      } else if (kind === FrameKind.REFUSE) {
        throw new HandshakeError(`refused by peer: ${decodeRefuse(payload)}`);
      } else {
        throw new FrameError('malformed', `unexpected frame kind ${kind} during handshake`);
      }
    } catch (err) {
      if (!(err instanceof FrameError || err instanceof HandshakeError)) throw err;
      this.logFailure(socket, err.message);
      socket.close(err.message, err instanceof FrameError);
    }
  }

  private acceptorNonce: Buffer | undefined;
  private lastFailure: string | undefined;

  /** Warns once per distinct reason: a misconfigured peer is redialed forever, every few seconds. */
  private logFailure(socket: FramedSocket, reason: string): void {
    const level = reason === this.lastFailure ? 'debug' : 'warn';
    this.lastFailure = reason;
    this.log[level]({ peer: this.opts.peerId, address: socket.remote, reason }, 'outbound connection failed');
  }

  private sendHello(socket: FramedSocket, nonce: Buffer, payload: Buffer): void {
    const challenge = decodeChallenge(payload);
    if (challenge.version !== PROTOCOL_VERSION) {
      throw new HandshakeError(`peer speaks protocol version ${challenge.version}, we speak ${PROTOCOL_VERSION}`);
    }
    this.acceptorNonce = Buffer.from(challenge.nonce);
    const proof = this.opts.authenticator.prove('dialer', this.transcript(nonce, this.acceptorNonce));
    const hello = encodeHello({
      version: PROTOCOL_VERSION,
      fromId: this.opts.selfId,
      toId: this.opts.peerId,
      clusterId: this.opts.clusterId,
      nonce,
      proof: Buffer.from(proof),
    });
    socket.write(FrameKind.HELLO, [hello]);
  }

  private acceptWelcome(socket: FramedSocket, nonce: Buffer, payload: Buffer): void {
    const welcome = decodeWelcome(payload);
    if (this.acceptorNonce === undefined) throw new HandshakeError('welcome before challenge');
    if (welcome.version !== PROTOCOL_VERSION) throw new HandshakeError(`peer answered with version ${welcome.version}`);
    if (welcome.clusterId !== this.opts.clusterId) {
      throw new HandshakeError(`cluster id mismatch: peer is in "${welcome.clusterId}", we are in "${this.opts.clusterId}"`);
    }
    if (welcome.nodeId !== this.opts.peerId) {
      throw new HandshakeError(`wrong node id: expected node ${this.opts.peerId} at this address, found node ${welcome.nodeId}`);
    }
    if (!this.opts.authenticator.verify('acceptor', this.transcript(nonce, this.acceptorNonce), welcome.proof)) {
      throw new HandshakeError('peer failed authentication');
    }
    this.becomeUp(socket);
  }

  private transcript(dialerNonce: Buffer, acceptorNonce: Buffer): HandshakeTranscript {
    const { clusterId, selfId, peerId } = this.opts;
    return { clusterId, dialerId: selfId, acceptorId: peerId, dialerNonce, acceptorNonce };
  }

  private becomeUp(socket: FramedSocket): void {
    this.clearTimers();
    this.state = 'up';
    this.opts.backoff.reset();
    this.lastFailure = undefined;
    this.opts.stats.connected = true;
    if (this.everUp) this.opts.stats.reconnects += 1;
    this.everUp = true;
    socket.startKeepalive(this.opts.keepalive);
    this.log.info({ peer: this.opts.peerId, address: socket.remote }, 'peer up');
    this.opts.onUp(this.opts.peerId);
    this.flush();
  }

  /** Writes queued frames until the queue is empty or the socket asks us to wait for `drain`. */
  private flush(): void {
    const socket = this.socket;
    if (this.state !== 'up' || socket === undefined) return;
    while (!socket.needsDrain && !socket.isClosed) {
      const frame = this.queue.shift();
      if (frame === undefined) break;
      this.writeNow(socket, frame);
    }
    this.syncQueueStats();
  }

  private writeNow(socket: FramedSocket, frame: QueuedFrame): void {
    socket.writeEncoded(frame.buffers);
    this.opts.stats.framesOut += 1;
    this.opts.stats.bytesOut += frame.bytes;
  }

  private onClosed(socket: FramedSocket, reason: string): void {
    if (socket !== this.socket || this.state === 'closed') return;
    const wasUp = this.state === 'up';
    this.socket = undefined;
    this.acceptorNonce = undefined;
    this.clearTimers();
    this.opts.stats.connected = false;
    if (wasUp) {
      this.log.warn({ peer: this.opts.peerId, reason }, 'peer down');
      this.opts.onDown(this.opts.peerId, reason);
    } else {
      this.opts.stats.connectFailures += 1;
      this.log.debug({ peer: this.opts.peerId, reason }, 'connect attempt failed');
    }
    this.state = 'backoff';
    this.retryTimer = setTimeout(() => this.dial(), this.opts.backoff.next());
  }

  private clearTimers(): void {
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    if (this.handshakeTimer !== undefined) clearTimeout(this.handshakeTimer);
    this.retryTimer = undefined;
    this.handshakeTimer = undefined;
  }

  private syncQueueStats(): void {
    this.opts.stats.queuedFrames = this.queue.frames;
    this.opts.stats.queuedBytes = this.queue.bytes;
  }
}
