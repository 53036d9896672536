import type { Socket } from 'node:net';
import { ErrorCode } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import {
  decodeFrame,
  encodeResponse,
  encodeUnsupportedApiVersions,
  errorResponse,
  topLevelErrorCode,
  type DecodedFrame,
} from './dispatch.js';
import { FrameDecoder } from './frame-decoder.js';
import type { KafkaServerMetrics } from './metrics.js';
import type { HandlerRegistry, RequestContext } from './registry.js';

export interface ConnectionOptions {
  readonly id: number;
  readonly socket: Socket;
  readonly registry: HandlerRegistry;
  readonly logger: Logger;
  readonly metrics: KafkaServerMetrics;
  readonly maxRequestBytes: number;
  readonly maxInFlight: number;
  /** Bytes of admitted-but-unanswered request frames before reading pauses (exceeded by at most one frame). */
  readonly maxInFlightBytes: number;
  readonly idleTimeoutMs: number;
  readonly onClose: (connection: Connection) => void;
}

/** A response position in request order; chunks stay null until its handler finishes. */
interface Slot {
  chunks: Buffer[] | null;
  /** Size of the request frame, released from the in-flight byte count once it is answered. */
  readonly requestBytes: number;
  /** The request gets no response (acks=0): it is never queued, and leaves when its handler ends. */
  readonly silent: boolean;
  /** The handler's `afterResponse` callbacks: run once, when the response is written or abandoned. */
  after: Array<() => void>;
}

/** Finished responses held for the end of the turn up to this many bytes; more are written at once. */
const FLUSH_NOW_BYTES = 64 * 1024;

type Request = Extract<DecodedFrame, { kind: 'request' }>;

/**
 * One client connection: frames in, handlers run concurrently, responses out strictly in request
 * order. Reading pauses while maxInFlight requests or maxInFlightBytes of request frames are
 * admitted-but-unanswered, or while the socket's write buffer is full, so memory per connection
 * stays bounded whatever the client does (an acks=0 flood of 1 MiB requests held 100 of them, about
 * 100 MB, per connection under the request bound alone).
 */
export class Connection {
  readonly id: number;
  /** Resolves once the socket has fully closed. */
  readonly closed: Promise<void>;
  private readonly o: ConnectionOptions;
  private readonly log: Logger;
  private readonly decoder: FrameDecoder;
  private readonly pending: Slot[] = [];
  private readonly abort = new AbortController();
  private readonly clientAddress: string;
  private inFlight = 0;
  private inFlightBytes = 0;
  private writeBlocked = false;
  private paused = false;
  private pumping = false;
  /** A flush is queued for the end of this turn's microtasks (see flushSoon). */
  private flushQueued = false;
  /** Bytes of finished responses not written yet. */
  private finishedBytes = 0;
  private isClosed = false;
  /** Draining: no new requests are admitted; the connection ends once the admitted ones are answered. */
  private draining = false;
  /** The FIN is sent; whatever the client still sends is read and dropped. */
  private ending = false;
  private markClosed: () => void = () => {};

  constructor(options: ConnectionOptions) {
    this.o = options;
    this.id = options.id;
    this.closed = new Promise((resolve) => {
      this.markClosed = resolve;
    });
    const socket = options.socket;
    this.clientAddress = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
    this.log = options.logger.child({ connectionId: this.id, client: this.clientAddress });
    this.decoder = new FrameDecoder(options.maxRequestBytes);
    socket.setNoDelay(true);
    socket.setTimeout(options.idleTimeoutMs);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.onDrain());
    socket.on('timeout', () => this.onIdle());
    socket.on('error', (err) => this.close('info', 'socket error', err));
    socket.on('close', () => this.onSocketClosed());
  }

  get isOpen(): boolean {
    return !this.isClosed;
  }

  /**
   * Graceful close: admits no further request (frames not yet admitted are dropped: the client
   * sees the connection close and retries them on another broker), fires the handlers' AbortSignal so
   * long waits (a Fetch long-poll) answer now with what they have, writes every admitted request's
   * response, then ends the socket. The caller bounds it and closes the connection if it takes too long.
   */
  drain(): void {
    if (this.isClosed || this.draining) return;
    this.draining = true;
    this.abort.abort();
    this.pump();
  }

  /** Closes the connection; in-flight handlers see their AbortSignal fire. */
  close(level: 'info' | 'warn' | 'error', reason: string, err?: unknown): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.log[level]({ err, reason }, 'closing connection');
    this.abort.abort();
    this.o.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.o.metrics.bytesReceived(chunk.length);
    if (this.draining) return;
    this.decoder.push(chunk);
    this.pump();
  }

  private onDrain(): void {
    if (!this.writeBlocked) return;
    this.writeBlocked = false;
    this.o.metrics.writeBackpressure(false);
    this.flush();
    this.pump();
  }

  private onIdle(): void {
    if (this.inFlight === 0) this.close('info', `idle for ${this.o.idleTimeoutMs} ms`);
  }

  private onSocketClosed(): void {
    this.isClosed = true;
    this.abort.abort();
    // Finished responses that will never be written; unfinished ones run theirs when their handler ends.
    for (const slot of this.pending) if (slot.chunks !== null) runAfter(slot);
    this.o.onClose(this);
    this.markClosed();
  }

  /**
   * Admits buffered frames while under the in-flight bound, then pauses or resumes reading. A
   * handler that completes synchronously calls back in here; the running loop already re-checks
   * the state on every iteration, so the nested call returns at once instead of recursing once
   * per pipelined request.
   */
  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (!this.isClosed && !this.draining && !this.writeBlocked && !this.inFlightFull()) {
        const frame = this.decoder.next();
        if (frame === undefined) break;
        this.admit(decodeFrame(frame, this.o.registry), frame.length);
      }
    } catch (err) {
      this.close('warn', err instanceof Error ? err.message : 'bad request', err);
      return;
    } finally {
      this.pumping = false;
    }
    this.updateFlow();
    this.endIfDrained();
  }

  /**
   * Once draining and every admitted request is answered: FIN after the written responses. Reading
   * resumes to discard what the client still sends, so the final close is orderly, not a reset that
   * could make the client drop responses it has not read yet.
   */
  private endIfDrained(): void {
    if (!this.draining || this.ending || this.isClosed || this.inFlight > 0) return;
    this.ending = true;
    this.o.socket.end();
    this.o.socket.resume();
  }

  private updateFlow(): void {
    if (this.isClosed || this.ending) return;
    const shouldPause = this.draining || this.writeBlocked || this.inFlightFull();
    if (shouldPause === this.paused) return;
    this.paused = shouldPause;
    if (shouldPause) this.o.socket.pause();
    else this.o.socket.resume();
  }

  private inFlightFull(): boolean {
    return this.inFlight >= this.o.maxInFlight || this.inFlightBytes >= this.o.maxInFlightBytes;
  }

  private admit(decoded: DecodedFrame, requestBytes: number): void {
    this.inFlightBytes += requestBytes;
    if (decoded.kind === 'unsupported-api-versions') {
      this.inFlight++;
      const chunks = encodeUnsupportedApiVersions(this.o.registry, decoded.header);
      for (const c of chunks) this.finishedBytes += c.length;
      this.pending.push({ chunks, requestBytes, silent: false, after: [] });
      this.o.metrics.requestCompleted(decoded.header.apiKey, decoded.header.apiVersion, ErrorCode.UNSUPPORTED_VERSION, 0);
      this.flush();
      return;
    }
    const startMs = performance.now();
    let silent: boolean;
    try {
      silent = decoded.handler.noResponse(decoded.request);
    } catch (err) {
      this.log.error({ err, api: decoded.handler.name }, 'noResponse check failed');
      this.close('error', `${decoded.handler.name} noResponse check failed`);
      return;
    }
    const slot: Slot = { chunks: null, requestBytes, silent, after: [] };
    if (!silent) this.pending.push(slot);
    this.inFlight++;
    let result: unknown;
    try {
      result = decoded.handler.handle(decoded.request, this.context(decoded, slot));
    } catch (err) {
      this.fail(slot, decoded, err);
      return;
    }
    if (result instanceof Promise) {
      result.then(
        (response: unknown) => this.succeed(slot, decoded, response, startMs),
        (err: unknown) => this.fail(slot, decoded, err),
      );
    } else {
      this.succeed(slot, decoded, result, startMs);
    }
  }

  private context(decoded: Request, slot: Slot): RequestContext {
    return {
      connectionId: this.id,
      clientId: decoded.header.clientId,
      clientAddress: this.clientAddress,
      apiKey: decoded.header.apiKey,
      apiVersion: decoded.header.apiVersion,
      correlationId: decoded.header.correlationId,
      logger: this.log,
      signal: this.abort.signal,
      afterResponse: (fn) => void slot.after.push(fn),
    };
  }

  private succeed(slot: Slot, decoded: Request, response: unknown, startMs: number): void {
    if (this.isClosed) return runAfter(slot);
    const { header } = decoded;
    this.o.metrics.requestCompleted(header.apiKey, header.apiVersion, topLevelErrorCode(response), performance.now() - startMs);
    this.complete(slot, decoded, response);
  }

  private fail(slot: Slot, decoded: Request, err: unknown): void {
    if (this.isClosed) return runAfter(slot);
    const { header, handler } = decoded;
    this.log.error({ err, api: handler.name, version: header.apiVersion, correlationId: header.correlationId }, 'handler failed');
    this.o.metrics.requestCompleted(header.apiKey, header.apiVersion, ErrorCode.UNKNOWN_SERVER_ERROR, 0);
    if (slot.silent) {
      // The client expects no response, so closing is the only way to tell it something failed.
      this.close('error', `${handler.name} handler failed on a request without response`);
      return runAfter(slot);
    }
    const response = errorResponse(handler, header.apiVersion, decoded.request, ErrorCode.UNKNOWN_SERVER_ERROR);
    if (response === undefined) {
      this.close('error', `${handler.name} handler failed and its response has no error code`);
      return runAfter(slot);
    }
    this.complete(slot, decoded, response);
  }

  private complete(slot: Slot, decoded: Request, response: unknown): void {
    if (slot.silent) {
      runAfter(slot);
      this.inFlight--;
      this.inFlightBytes -= slot.requestBytes;
      this.pump();
      return;
    }
    try {
      slot.chunks = encodeResponse(decoded.handler, decoded.header, response);
      for (const c of slot.chunks) this.finishedBytes += c.length;
    } catch (err) {
      this.log.error({ err, api: decoded.handler.name }, 'response does not encode');
      this.close('error', `${decoded.handler.name} response does not encode`);
      runAfter(slot);
      return;
    }
    if (this.finishedBytes < FLUSH_NOW_BYTES) {
      this.flushSoon();
      return;
    }
    // Large responses leave at once, so a full socket buffer pauses admission as early as before.
    this.flush();
    this.pump();
  }

  /**
   * Writes the finished responses once the current turn's promise reactions have run, not at each
   * completion: one Raft commit settles every produce it covers in the same turn (and a request's
   * partitions settle together), and each socket write is a syscall whose loopback TCP processing
   * runs inline in the kernel, tens of microseconds each. A nextTick queued from a promise reaction
   * runs once the microtask queue is empty, so responses settled together leave in one writev,
   * still in request order and with no timer between completion and write.
   */
  private flushSoon(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    process.nextTick(() => {
      this.flushQueued = false;
      this.flush();
      this.pump();
    });
  }

  /** Writes finished responses from the head of the queue until one is unfinished or the socket is full. */
  private flush(): void {
    if (this.isClosed || this.writeBlocked) return;
    const socket = this.o.socket;
    let bytes = 0;
    socket.cork();
    while (this.pending.length > 0) {
      const head = this.pending[0] as Slot;
      const chunks = head.chunks;
      if (chunks === null) break;
      this.pending.shift();
      this.inFlight--;
      this.inFlightBytes -= head.requestBytes;
      const last = chunks.length - 1;
      for (let i = 0; i <= last; i++) {
        const c = chunks[i] as Buffer;
        // The socket is done with a response's buffers once the write of its last chunk completes
        // (or fails, the socket destroyed): only then may they be recycled.
        if (i === last && head.after.length > 0) socket.write(c, () => runAfter(head));
        else socket.write(c);
        bytes += c.length;
      }
      if (chunks.length === 0) runAfter(head);
      if (socket.writableNeedDrain) {
        this.writeBlocked = true;
        this.o.metrics.writeBackpressure(true);
        break;
      }
    }
    socket.uncork();
    this.finishedBytes -= bytes;
    if (bytes > 0) this.o.metrics.bytesSent(bytes);
  }
}

/** Runs a request's afterResponse callbacks, once. */
function runAfter(slot: Slot): void {
  const after = slot.after;
  if (after.length === 0) return;
  slot.after = [];
  for (const fn of after) fn();
}
