import { connect, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import {
  encodeFrame,
  FrameDecoder,
  FrameKind,
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
  private wake: (() => void) | undefined;
  readonly closed: Promise<void>;

  private constructor(readonly socket: Socket) {
    const decoder = new FrameDecoder(1 << 20);
    socket.on('data', (chunk: Buffer) => {
      decoder.push(chunk, (kind, payload) => this.frames.push({ kind, payload }));
      this.wake?.();
    });
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
  }

  static async connect(address: PeerAddress): Promise<RawPeer> {
    const socket = connect(address.port, address.host);
    await withTimeout(new Promise((resolve) => socket.once('connect', resolve)), 5000, 'raw connect');
    return new RawPeer(socket);
  }

  async next(timeoutMs = 5000): Promise<RawFrame> {
    const deadline = withTimeout(this.closed.then(() => Promise.reject(new Error('closed'))), timeoutMs, 'frame');
    deadline.catch(() => undefined);
    for (let i = 0; i < 100; i++) {
      const frame = this.frames.shift();
      if (frame !== undefined) return frame;
      await Promise.race([new Promise<void>((resolve) => (this.wake = resolve)), deadline]);
    }
    throw new Error('no frame after 100 wake-ups');
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
