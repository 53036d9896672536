/**
 * Handshake messages (payloads of CHALLENGE, HELLO, WELCOME and REFUSE frames), big-endian:
 *
 *   CHALLENGE  u16 version, u8 nonceLen, nonce
 *   HELLO      u16 version, u32 fromId, u32 toId, u16 clusterLen, cluster (UTF-8),
 *              u8 nonceLen, nonce, u16 proofLen, proof
 *   WELCOME    u16 version, u32 nodeId, u16 clusterLen, cluster (UTF-8), u16 proofLen, proof
 *   REFUSE     u16 reasonLen, reason (UTF-8)
 *
 * The flow is CHALLENGE (acceptor, on accept) → HELLO (dialer) → WELCOME or REFUSE (acceptor). Each
 * side sends a fresh nonce before it has to prove anything, so an authenticator can answer a
 * challenge that cannot be replayed; without an authenticator the proofs are empty.
 */
import { FrameError } from './errors.js';

/** Bumped on any incompatible change of the frame layout or of the handshake. */
export const PROTOCOL_VERSION = 1;
/** Frames before the handshake completes are tiny; an unauthenticated peer gets no more than this. */
export const HANDSHAKE_MAX_FRAME_BYTES = 4096;
export const NONCE_BYTES = 16;

export interface Challenge {
  version: number;
  nonce: Buffer;
}

export interface Hello {
  version: number;
  fromId: number;
  toId: number;
  clusterId: string;
  nonce: Buffer;
  proof: Buffer;
}

export interface Welcome {
  version: number;
  nodeId: number;
  clusterId: string;
  proof: Buffer;
}

class Writer {
  private readonly parts: Buffer[] = [];

  u8(v: number): this {
    const b = Buffer.allocUnsafe(1);
    b.writeUInt8(v);
    this.parts.push(b);
    return this;
  }

  u16(v: number): this {
    const b = Buffer.allocUnsafe(2);
    b.writeUInt16BE(v);
    this.parts.push(b);
    return this;
  }

  u32(v: number): this {
    const b = Buffer.allocUnsafe(4);
    b.writeUInt32BE(v);
    this.parts.push(b);
    return this;
  }

  bytes8(v: Uint8Array): this {
    return this.u8(v.byteLength).raw(v);
  }

  bytes16(v: Uint8Array): this {
    return this.u16(v.byteLength).raw(v);
  }

  raw(v: Uint8Array): this {
    this.parts.push(Buffer.from(v.buffer, v.byteOffset, v.byteLength));
    return this;
  }

  done(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/** Bounds-checked reader: running past the end is the peer's fault, so it throws FrameError. */
class Reader {
  private pos = 0;

  constructor(
    private readonly buf: Buffer,
    private readonly what: string,
  ) {}

  private need(n: number): number {
    const at = this.pos;
    if (at + n > this.buf.byteLength) throw new FrameError('malformed', `truncated ${this.what}`);
    this.pos += n;
    return at;
  }

  u8(): number {
    return this.buf.readUInt8(this.need(1));
  }

  u16(): number {
    return this.buf.readUInt16BE(this.need(2));
  }

  u32(): number {
    return this.buf.readUInt32BE(this.need(4));
  }

  bytes(n: number): Buffer {
    const at = this.need(n);
    return this.buf.subarray(at, at + n);
  }

  end(): void {
    if (this.pos !== this.buf.byteLength) throw new FrameError('malformed', `trailing bytes in ${this.what}`);
  }
}

export function encodeChallenge(c: Challenge): Buffer {
  return new Writer().u16(c.version).bytes8(c.nonce).done();
}

export function decodeChallenge(payload: Buffer): Challenge {
  const r = new Reader(payload, 'challenge');
  const version = r.u16();
  const nonce = r.bytes(r.u8());
  r.end();
  return { version, nonce };
}

export function encodeHello(h: Hello): Buffer {
  const w = new Writer().u16(h.version).u32(h.fromId).u32(h.toId).bytes16(Buffer.from(h.clusterId, 'utf8'));
  return w.bytes8(h.nonce).bytes16(h.proof).done();
}

export function decodeHello(payload: Buffer): Hello {
  const r = new Reader(payload, 'hello');
  const version = r.u16();
  const fromId = r.u32();
  const toId = r.u32();
  const clusterId = r.bytes(r.u16()).toString('utf8');
  const nonce = r.bytes(r.u8());
  const proof = r.bytes(r.u16());
  r.end();
  return { version, fromId, toId, clusterId, nonce, proof };
}

export function encodeWelcome(w: Welcome): Buffer {
  return new Writer().u16(w.version).u32(w.nodeId).bytes16(Buffer.from(w.clusterId, 'utf8')).bytes16(w.proof).done();
}

export function decodeWelcome(payload: Buffer): Welcome {
  const r = new Reader(payload, 'welcome');
  const version = r.u16();
  const nodeId = r.u32();
  const clusterId = r.bytes(r.u16()).toString('utf8');
  const proof = r.bytes(r.u16());
  r.end();
  return { version, nodeId, clusterId, proof };
}

/** Reasons are for logs; they are cut so that a refusal always fits a handshake frame. */
export function encodeRefuse(reason: string): Buffer {
  const bytes = Buffer.from(reason.slice(0, 512), 'utf8');
  return new Writer().bytes16(bytes).done();
}

export function decodeRefuse(payload: Buffer): string {
  const r = new Reader(payload, 'refuse');
  const reason = r.bytes(r.u16()).toString('utf8');
  r.end();
  return reason;
}
