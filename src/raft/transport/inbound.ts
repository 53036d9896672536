import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { HandshakeAuthenticator, HandshakeTranscript } from './auth.js';
import type { LogBudget } from './log-budget.js';
import { FrameKind, joinParts, payloadBytes, type FrameKindValue, type FrameParts } from './codec.js';
import { FrameError, HandshakeError } from './errors.js';
import type { FramedSocket, KeepaliveOptions } from './framed-socket.js';
import {
  decodeHello,
  encodeChallenge,
  encodeRefuse,
  encodeWelcome,
  NONCE_BYTES,
  PROTOCOL_VERSION,
  type Hello,
} from './handshake.js';

export interface InboundOptions {
  selfId: number;
  clusterId: string;
  logger: Logger;
  authenticator: HandshakeAuthenticator;
  maxFrameBytes: number;
  keepalive: KeepaliveOptions;
  handshakeTimeoutMs: number;
  /** Peer-set and duplicate checks, owned by the transport: a refusal reason, or undefined to admit. */
  admit: (fromId: number, connection: InboundConnection) => string | undefined;
  onRefused: () => void;
  /** Shared by all inbound connections, so a stranger hammering the port cannot flood the log. */
  refusalLogs: LogBudget;
  /** A DATA frame from the authenticated peer, as received (never joined). */
  onFrame: (fromId: number, parts: FrameParts) => void;
  onClosed: (connection: InboundConnection, reason: string, badFrame: boolean) => void;
}

/**
 * One connection accepted from a peer, used only to receive. The acceptor speaks first (CHALLENGE)
 * so that the dialer's proof can be bound to a nonce it has never seen before.
 */
export class InboundConnection {
  private peerId: number | undefined;
  /** The id the dialer claimed in HELLO, for refusal logs. */
  private claimedId: number | undefined;
  private readonly nonce = randomBytes(NONCE_BYTES);
  private handshakeTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly socket: FramedSocket,
    private readonly opts: InboundOptions,
  ) {
    socket.onFrame((kind, parts) => this.onFrame(kind, parts));
    socket.onClose((reason, badFrame) => {
      if (this.handshakeTimer !== undefined) clearTimeout(this.handshakeTimer);
      opts.onClosed(this, reason, badFrame);
    });
    this.handshakeTimer = setTimeout(() => socket.close('handshake timed out'), opts.handshakeTimeoutMs);
    socket.write(FrameKind.CHALLENGE, [encodeChallenge({ version: PROTOCOL_VERSION, nonce: this.nonce })]);
  }

  /** The authenticated node id, once the handshake has succeeded. */
  get nodeId(): number | undefined {
    return this.peerId;
  }

  private onFrame(kind: FrameKindValue, parts: FrameParts): void {
    this.guard(() => {
      if (this.peerId !== undefined && kind === FrameKind.DATA) this.opts.onFrame(this.peerId, parts);
      else if (this.peerId !== undefined && kind === FrameKind.HEARTBEAT) return;
      else if (this.peerId === undefined && kind === FrameKind.HELLO) this.receiveHello(decodeHello(joinParts(parts)), payloadBytes(parts));
      else throw new FrameError('malformed', `unexpected frame kind ${kind} ${this.peerId === undefined ? 'before' : 'after'} handshake`);
    });
  }

  /**
   * The HELLO names its sender, so the fault injected on the link from that node applies to it: a
   * cut link must not complete a handshake (the dialer would report us up, then time out, forever).
   */
  private receiveHello(hello: Hello, bytes: number): void {
    this.socket.passIn(hello.fromId, FrameKind.HELLO, bytes, () => {
      if (!this.socket.isClosed && this.peerId === undefined) this.guard(() => this.onHello(hello));
    });
  }

  /** Runs a frame's handling; a bad frame or a refused handshake closes this connection. */
  private guard(handle: () => void): void {
    try {
      handle();
    } catch (err) {
      if (err instanceof HandshakeError) this.refuse(err.message);
      else if (err instanceof FrameError) this.badFrame(err);
      else throw err;
    }
  }

  private onHello(hello: Hello): void {
    const { selfId, clusterId, authenticator } = this.opts;
    this.claimedId = hello.fromId;
    if (hello.version !== PROTOCOL_VERSION) {
      throw new HandshakeError(`protocol version ${hello.version} unsupported (we speak ${PROTOCOL_VERSION})`);
    }
    if (hello.clusterId !== clusterId) {
      throw new HandshakeError(`cluster id mismatch: node ${hello.fromId} is in "${hello.clusterId}", we are in "${clusterId}"`);
    }
    if (hello.toId !== selfId) {
      throw new HandshakeError(`wrong node id: node ${hello.fromId} expected node ${hello.toId} at this address, this is node ${selfId}`);
    }
    const transcript: HandshakeTranscript = {
      clusterId,
      dialerId: hello.fromId,
      acceptorId: selfId,
      dialerNonce: hello.nonce,
      acceptorNonce: this.nonce,
    };
    if (!authenticator.verify('dialer', transcript, hello.proof)) {
      throw new HandshakeError(`node ${hello.fromId} failed authentication (${authenticator.name})`);
    }
    const refusal = this.opts.admit(hello.fromId, this);
    if (refusal !== undefined) throw new HandshakeError(refusal);
    this.welcome(hello.fromId, transcript);
  }

  private welcome(peerId: number, transcript: HandshakeTranscript): void {
    if (this.handshakeTimer !== undefined) clearTimeout(this.handshakeTimer);
    this.handshakeTimer = undefined;
    this.peerId = peerId;
    this.socket.peer = peerId;
    const proof = Buffer.from(this.opts.authenticator.prove('acceptor', transcript));
    const welcome = encodeWelcome({ version: PROTOCOL_VERSION, nodeId: this.opts.selfId, clusterId: this.opts.clusterId, proof });
    this.socket.write(FrameKind.WELCOME, [welcome]);
    // Only now, with the peer known, may frames grow to the full limit.
    this.socket.setMaxPayloadBytes(this.opts.maxFrameBytes);
    this.socket.startKeepalive(this.opts.keepalive);
    this.opts.logger.info({ peer: peerId, address: this.socket.remote }, 'inbound connection accepted');
  }

  private refuse(reason: string): void {
    if (this.opts.refusalLogs.allow(Date.now())) {
      this.opts.logger.warn({ peer: this.socket.remote, claimedId: this.claimedId, reason }, 'refused inbound connection');
    }
    this.opts.onRefused();
    this.socket.finish(FrameKind.REFUSE, encodeRefuse(reason), `refused: ${reason}`);
  }

  private badFrame(err: FrameError): void {
    this.opts.logger.warn({ peer: this.socket.peer, address: this.socket.remote, reason: err.message }, 'closing connection: bad frame');
    this.socket.close(`bad frame: ${err.message}`, true);
  }

  /** Closes this connection (peer removed, superseded, or transport shutdown). */
  close(reason: string): void {
    this.socket.close(reason);
  }
}
