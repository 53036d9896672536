import { connect, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import {
  encodeFrame,
  FrameDecoder,
  FrameKind,
  joinParts,
  PROTOCOL_VERSION,
  type PeerAddress,
} from '../../../src/raft/transport/index.js';
import { encodeHello } from '../../../src/raft/transport/handshake.js';
import type { FrameKindValue } from '../../../src/raft/transport/codec.js';
import { withTimeout } from './helpers.js';

export interface RawFrame {
  kind: FrameKindValue;
  payload: Buffer;
}

/** Encodes a frame into one buffer, for tests that then corrupt it. */
export function frameBytes(kind: FrameKindValue, payload: Uint8Array): Buffer {
  return Buffer.concat(encodeFrame(kind, [payload]));
}

/**
 * A hand-driven node-to-node client: a plain TCP socket plus our decoder, so a test can speak the
 * protocol correctly up to the point where it misbehaves on purpose.
 */
export class RawPeer {
  private readonly frames: RawFrame[] = [];
  private waiter: { resolve: (f: RawFrame) => void; reject: (e: Error) => void } | undefined;
  readonly closed: Promise<void>;

  private constructor(readonly socket: Socket) {
    const decoder = new FrameDecoder(1 << 20);
    socket.on('data', (chunk: Buffer) => {
      decoder.push(chunk, (kind, parts) => this.frames.push({ kind, payload: joinParts(parts) }));
      this.handOver();
    });
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.waiter?.reject(new Error('connection closed'));
        this.waiter = undefined;
        resolve();
      }),
    );
  }

  static async connect(address: PeerAddress): Promise<RawPeer> {
    const socket = connect(address.port, address.host);
    await withTimeout(new Promise((resolve) => socket.once('connect', resolve)), 5000, 'raw connect');
    return new RawPeer(socket);
  }

  /** The next frame from the node; rejects if the connection closes first or after `timeoutMs`. */
  next(timeoutMs = 5000): Promise<RawFrame> {
    if (this.socket.destroyed && this.frames.length === 0) return Promise.reject(new Error('connection closed'));
    const frame = new Promise<RawFrame>((resolve, reject) => (this.waiter = { resolve, reject }));
    this.handOver();
    return withTimeout(frame, timeoutMs, 'a frame');
  }

  private handOver(): void {
    const frame = this.waiter === undefined ? undefined : this.frames.shift();
    if (frame === undefined) return;
    this.waiter?.resolve(frame);
    this.waiter = undefined;
  }

  write(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** Reads the CHALLENGE, sends a HELLO claiming `fromId`, and returns the answer (WELCOME or REFUSE). */
  async hello(fromId: number, toId: number, clusterId: string): Promise<RawFrame> {
    const challenge = await this.next();
    if (challenge.kind !== FrameKind.CHALLENGE) throw new Error(`expected CHALLENGE, got ${challenge.kind}`);
    const hello = encodeHello({ version: PROTOCOL_VERSION, fromId, toId, clusterId, nonce: randomBytes(16), proof: Buffer.alloc(0) });
    this.write(frameBytes(FrameKind.HELLO, hello));
    return this.next();
  }

  destroy(): void {
    this.socket.destroy();
  }
}
