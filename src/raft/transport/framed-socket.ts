import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { encodeFrame, FrameKind, payloadBytes, type FrameKindValue, type FrameParts } from './codec.js';
import { FrameDecoder } from './decoder.js';
import { FrameError } from './errors.js';
import type { LinkDirection } from './faults.js';

/** How long a socket may take to flush its last frame after finish() before it is destroyed. */
const FINISH_LINGER_MS = 1000;
/** Corked bytes that trigger a flush before the end of the tick. */
const EARLY_FLUSH_BYTES = 64 * 1024;

/** A received frame; its payload as the views of the chunks it arrived in (codec.ts). */
export type FrameHandler = (kind: FrameKindValue, parts: FrameParts) => void;
export type CloseHandler = (reason: string, badFrame: boolean) => void;

export interface KeepaliveOptions {
  /** Send a heartbeat when nothing was written for this long. */
  heartbeatMs: number;
  /** Close the connection when nothing was received for this long. */
  idleTimeoutMs: number;
}

/**
 * The transport's injected link faults, applied by the socket to every frame it exchanges with a
 * known peer (handshake and keepalive frames included), so that a cut link falls silent the way a
 * real one does and the idle timeout notices it. DATA frames to a peer are judged earlier, before
 * queueing (transport.ts), and are not passed here on the way out.
 */
export interface FaultGate {
  /** True while a fault is set on this direction of the link with `peer`. */
  faulted(peer: number, direction: LinkDirection): boolean;
  /** Runs `deliver` now, after the injected delay, or never (the frame is lost). */
  pass(peer: number, direction: LinkDirection, kind: FrameKindValue, bytes: number, deliver: () => void): void;
}

/**
 * A TCP socket speaking the frame layout of codec.ts. Owns the decoder, the keepalive timers and the
 * single close path: whatever ends the connection (bad frame, socket error, remote close, idle
 * timeout, owner), the close handler runs exactly once and every timer is gone.
 */
export class FramedSocket {
  private readonly decoder: FrameDecoder;
  private frameHandler: FrameHandler = () => undefined;
  private closeHandler: CloseHandler = () => undefined;
  private drainHandler: () => void = () => undefined;
  private keepaliveTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private corked = false;
  private lastReadMs: number;
  private lastWriteMs: number;
  private lastTickMs = 0;
  /** Who is at the other end, for logs: the node id once known, else the address. */
  peer: number | string;

  constructor(
    readonly socket: Socket,
    maxPayloadBytes: number,
    private readonly log: Logger,
    private readonly gate?: FaultGate,
  ) {
    this.decoder = new FrameDecoder(maxPayloadBytes);
    this.peer = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    this.lastReadMs = Date.now();
    this.lastWriteMs = this.lastReadMs;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.drainHandler());
    socket.on('error', (err: Error) => this.close(`socket error: ${err.message}`));
    socket.on('end', () => this.close('closed by remote'));
    socket.on('close', () => this.close('socket closed'));
  }

  /** Resolves once the OS socket is fully closed (after destroy or a finished end). */
  closedPromise(): Promise<void> {
    if (this.socket.closed) return Promise.resolve();
    return new Promise((resolve) => this.socket.once('close', () => resolve()));
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get remote(): string {
    return `${this.socket.remoteAddress ?? '?'}:${this.socket.remotePort ?? '?'}`;
  }

  /** Milliseconds since a frame (of any kind) last arrived. */
  idleMs(nowMs: number): number {
    return nowMs - this.lastReadMs;
  }

  /** True while the socket's buffer is above its high-water mark and a `drain` is pending. */
  get needsDrain(): boolean {
    return this.socket.writableNeedDrain;
  }

  onFrame(handler: FrameHandler): void {
    this.frameHandler = handler;
  }

  onClose(handler: CloseHandler): void {
    this.closeHandler = handler;
  }

  onDrain(handler: () => void): void {
    this.drainHandler = handler;
  }

  setMaxPayloadBytes(maxPayloadBytes: number): void {
    this.decoder.setMaxPayloadBytes(maxPayloadBytes);
  }

  /**
   * Writes already-encoded frame buffers in one corked batch (a single writev). Returns false when the
   * socket wants the caller to wait for `drain` before writing more.
   */
  writeEncoded(buffers: readonly Uint8Array[]): boolean {
    if (this.closed) return false;
    this.lastWriteMs = Date.now();
    // Stay corked until the end of the current tick: every frame sent in this tick (a driver sends
    // the messages of many groups in one go) leaves in a single writev instead of one syscall each.
    // The socket still counts corked bytes, so `write` reports backpressure as usual.
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => this.uncork());
    }
    let ok = true;
    for (const buf of buffers) ok = this.socket.write(buf);
    // A burst must not pile up in user space while the kernel's send buffer has room: hand it over
    // early once a batch is big enough for one syscall to be worth it.
    if (this.socket.writableLength >= EARLY_FLUSH_BYTES) this.uncork();
    return ok;
  }

  /** Hands frames corked in this tick to the kernel now (see NodeTransport.flushCorked). */
  flushCorked(): void {
    if (this.corked) this.uncork();
  }

  private uncork(): void {
    if (!this.corked) return;
    this.corked = false;
    if (!this.socket.destroyed) this.socket.uncork();
  }

  /**
   * Encodes and writes one control frame (handshake, heartbeat). Once the peer is known it goes
   * through the link's injected fault; a frame lost or held there counts as written.
   */
  write(kind: FrameKindValue, parts: readonly Uint8Array[]): boolean {
    const buffers = encodeFrame(kind, parts);
    const peer = this.peer;
    if (this.gate === undefined || typeof peer !== 'number') return this.writeEncoded(buffers);
    this.lastWriteMs = Date.now();
    let ok = true;
    this.gate.pass(peer, 'out', kind, payloadBytes(parts), () => (ok = this.writeEncoded(buffers)));
    return ok;
  }

  /**
   * Passes a frame received from a claimed but not yet admitted peer (a HELLO) through that link's
   * injected fault, so that a cut link cannot complete a handshake either.
   */
  passIn(peer: number, kind: FrameKindValue, bytes: number, deliver: () => void): void {
    if (this.gate === undefined) deliver();
    else this.gate.pass(peer, 'in', kind, bytes, deliver);
  }

  startKeepalive(opts: KeepaliveOptions): void {
    if (this.closed || this.keepaliveTimer !== undefined) return;
    this.lastReadMs = Date.now();
    const tickMs = Math.max(1, Math.min(opts.heartbeatMs, opts.idleTimeoutMs));
    this.lastTickMs = Date.now();
    this.keepaliveTimer = setInterval(() => this.keepaliveTick(opts, tickMs), tickMs);
  }

  private keepaliveTick(opts: KeepaliveOptions, tickMs: number): void {
    const now = Date.now();
    const late = now - this.lastTickMs > 2 * tickMs;
    this.lastTickMs = now;
    // After an event-loop stall timers run before pending reads, so a silence we measure then may be
    // our own: only a tick that ran on time may declare the peer dead.
    if (!late && now - this.lastReadMs > opts.idleTimeoutMs) {
      this.close(`idle for ${now - this.lastReadMs} ms`);
      return;
    }
    // A socket that is backed up already proves nothing more with a heartbeat; skip it.
    if (now - this.lastWriteMs >= opts.heartbeatMs && !this.needsDrain) this.write(FrameKind.HEARTBEAT, []);
  }

  /** Sends a last frame (e.g. REFUSE), then ends the socket once it is flushed. */
  finish(kind: FrameKindValue, payload: Uint8Array, reason: string): void {
    if (this.closed) return;
    this.write(kind, [payload]);
    // end() flushes corked data first, so the last frame is not lost.
    this.socket.end();
    // `end` flushes asynchronously; cap how long a refused peer may keep the socket open (a hard
    // timer: an idle timeout would be reset by a peer that keeps trickling bytes).
    const linger = setTimeout(() => this.socket.destroy(), FINISH_LINGER_MS);
    this.socket.once('close', () => clearTimeout(linger));
    this.markClosed(reason, false);
  }

  /** Tears the socket down even if it is still flushing a last frame (transport shutdown). */
  destroy(reason: string): void {
    this.socket.destroy();
    this.close(reason);
  }

  close(reason: string, badFrame = false): void {
    if (this.closed) return;
    this.socket.destroy();
    this.markClosed(reason, badFrame);
  }

  private markClosed(reason: string, badFrame: boolean): void {
    this.closed = true;
    if (this.keepaliveTimer !== undefined) clearInterval(this.keepaliveTimer);
    this.keepaliveTimer = undefined;
    this.closeHandler(reason, badFrame);
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    // Any byte proves the connection alive (a large frame may take several reads), unless a fault
    // sits on this link: then only a frame that gets through it does.
    const peer = this.peer;
    if (this.gate === undefined || typeof peer !== 'number' || !this.gate.faulted(peer, 'in')) this.lastReadMs = Date.now();
    try {
      this.decoder.push(chunk, (kind, parts) => this.receiveFrame(kind, parts));
    } catch (err) {
      if (!(err instanceof FrameError)) throw err;
      this.log.warn({ peer: this.peer, address: this.remote, reason: err.message, kind: err.kind }, 'closing connection: bad frame');
      this.close(`bad frame: ${err.message}`, true);
    }
  }

  private receiveFrame(kind: FrameKindValue, parts: FrameParts): void {
    if (this.closed) return;
    const peer = this.peer;
    // The common case (no fault) costs one map lookup and no closure.
    if (this.gate === undefined || typeof peer !== 'number' || !this.gate.faulted(peer, 'in')) this.frameHandler(kind, parts);
    else this.gate.pass(peer, 'in', kind, payloadBytes(parts), () => this.deliver(kind, parts));
  }

  private deliver(kind: FrameKindValue, parts: FrameParts): void {
    if (this.closed) return;
    this.lastReadMs = Date.now();
    this.frameHandler(kind, parts);
  }
}
