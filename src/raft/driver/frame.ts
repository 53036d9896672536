import { ByteReader, encodeMessageInto, MessageType, messageSize, RaftCodecError, readMessage, type Message } from '../core/index.js';
import { Packer } from './packer.js';

/**
 * One node-to-node payload carries every Raft message one drain (or one tick) produced for one peer:
 *
 *   header (10 bytes):  version u8 | 0 u8 | heartbeatCount u32 | messageCount u32
 *   heartbeat item:     groupLen u16 | group utf8 | type u8 (7 HEARTBEAT, 8 HEARTBEAT_RESP,
 *                       0x87 HEARTBEAT flagged quiesce) | term u64 | commit u64 | context u64
 *   message item:       groupLen u16 | group utf8 | length u32 | message (core codec)
 *
 * Integers are big-endian; u64 is limited to 2^53. `from` and `to` are not repeated: the transport
 * authenticated the sender and we are the receiver. Heartbeats (the only periodic traffic) get the
 * compact 27-byte-plus-group form; every other message is the core's encoding. Small pieces are
 * packed into shared chunks; large entry payloads are passed through as views, never copied.
 */
export const FRAME_VERSION = 1;
const HEADER_BYTES = 10;
const HEARTBEAT_BODY_BYTES = 1 + 8 + 8 + 8;
const TWO_32 = 0x1_0000_0000;
export const MAX_GROUP_ID_BYTES = 1024;
/** Item type of a leader's last heartbeat before it quiesces: HEARTBEAT with the high bit set. */
export const QUIESCE_HEARTBEAT_ITEM = 0x80 | MessageType.HEARTBEAT;

/** A heartbeat whose every field the compact form carries (the core's always are): lossless. */
export function isCompactHeartbeat(m: Message): boolean {
  return (
    (m.type === MessageType.HEARTBEAT || m.type === MessageType.HEARTBEAT_RESP) &&
    !m.reject &&
    m.index === 0 &&
    m.logTerm === 0 &&
    m.rejectHint === 0 &&
    m.entries.length === 0 &&
    m.snapshot === undefined &&
    m.readContext === undefined &&
    (!m.quiesce || m.type === MessageType.HEARTBEAT)
  );
}

/** Accumulates one peer's frame; small pieces are packed together (packer.ts). */
export class FrameBuilder {
  private readonly heartbeatPart = new Packer();
  private readonly messagePart = new Packer();
  heartbeats = 0;
  messages = 0;

  add(groupId: Uint8Array, m: Message): void {
    if (isCompactHeartbeat(m)) this.addHeartbeat(groupId, m);
    else this.addMessage(groupId, m);
  }

  get empty(): boolean {
    return this.heartbeats + this.messages === 0;
  }

  /** Payload bytes so far (without the 10-byte header). */
  get bytes(): number {
    return this.heartbeatPart.bytes + this.messagePart.bytes;
  }

  private addHeartbeat(groupId: Uint8Array, m: Message): void {
    const p = this.heartbeatPart;
    const at = p.reserve(2 + groupId.byteLength + HEARTBEAT_BODY_BYTES);
    const buf = p.buf;
    buf.writeUInt16BE(groupId.byteLength, at);
    buf.set(groupId, at + 2);
    const body = at + 2 + groupId.byteLength;
    buf[body] = m.quiesce ? QUIESCE_HEARTBEAT_ITEM : m.type;
    writeU64(buf, body + 1, m.term);
    writeU64(buf, body + 9, m.commit);
    writeU64(buf, body + 17, m.context);
    this.heartbeats++;
  }

  private addMessage(groupId: Uint8Array, m: Message): void {
    const p = this.messagePart;
    const at = p.reserve(2 + groupId.byteLength + 4);
    const buf = p.buf;
    buf.writeUInt16BE(groupId.byteLength, at);
    buf.set(groupId, at + 2);
    buf.writeUInt32BE(messageSize(m), at + 2 + groupId.byteLength);
    // Headers straight into the packer's chunk, entry data copied or passed through by `put`.
    encodeMessageInto(m, p);
    this.messages++;
  }

  build(): Uint8Array[] {
    const header = Buffer.allocUnsafe(HEADER_BYTES);
    header[0] = FRAME_VERSION;
    header[1] = 0;
    header.writeUInt32BE(this.heartbeats, 2);
    header.writeUInt32BE(this.messages, 6);
    return [header, ...this.heartbeatPart.finish(), ...this.messagePart.finish()];
  }
}

function writeU64(buf: Buffer, at: number, n: number): void {
  buf.writeUInt32BE(Math.floor(n / TWO_32), at);
  buf.writeUInt32BE(n >>> 0, at + 4);
}

export interface FrameItem {
  groupId: string;
  message: Message;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

function readGroupId(c: ByteReader): string {
  const n = c.u16('group id length');
  if (n === 0 || n > MAX_GROUP_ID_BYTES) throw new RaftCodecError(`group id length ${n}`);
  const bytes = c.view(n, 'group id');
  // Group ids are nearly always ASCII, which decodes the same as Latin-1 and needs no validation;
  // anything else goes through the strict UTF-8 decoder.
  if (isAscii(bytes)) return asBuffer(bytes).toString('latin1');
  try {
    return decoder.decode(bytes);
  } catch (err) {
    throw new RaftCodecError('group id is not UTF-8', { cause: err });
  }
}

function isAscii(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.byteLength; i++) if ((bytes[i] as number) >= 0x80) return false;
  return true;
}

/** Views of received chunks are Buffers already; a copied run (crossing two chunks) is not. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function readHeartbeat(c: ByteReader, from: number, to: number): FrameItem {
  const groupId = readGroupId(c);
  const item = c.u8('heartbeat type');
  const quiesce = item === QUIESCE_HEARTBEAT_ITEM;
  const type = quiesce ? MessageType.HEARTBEAT : item;
  if (type !== MessageType.HEARTBEAT && type !== MessageType.HEARTBEAT_RESP) throw new RaftCodecError(`heartbeat type ${item}`);
  const term = c.u64('term');
  const commit = c.u64('commit');
  const context = c.u64('context');
  // Every field spelled out (what message() fills in): one object shape for all heartbeats.
  const m: Message = { type, from, to, term, logTerm: 0, index: 0, commit, reject: false, rejectHint: 0, context, entries: [], snapshot: undefined, readContext: undefined, quiesce };
  return { groupId, message: m };
}

function readItem(c: ByteReader, from: number, to: number): FrameItem {
  const groupId = readGroupId(c);
  const m = readMessage(c, c.u32('message length'));
  if (m.from !== from || m.to !== to) throw new RaftCodecError(`message ${m.from}→${m.to} in a frame ${from}→${to}`);
  return { groupId, message: m };
}

/**
 * Decodes a whole frame from Raft node `from` to `to`; throws RaftCodecError on anything malformed,
 * so a bad frame is dropped as a whole. The payload may be the runs it arrived in (views of socket
 * reads), decoded in place without joining them; entry data are views into them.
 */
export function decodeFrame(payload: Uint8Array | readonly Uint8Array[], from: number, to: number): FrameItem[] {
  const c = new ByteReader(payload instanceof Uint8Array ? [payload] : payload, 'frame');
  const version = c.u8('version');
  if (version !== FRAME_VERSION) throw new RaftCodecError(`frame version ${version}`);
  if (c.u8('reserved') !== 0) throw new RaftCodecError('reserved byte set');
  const heartbeats = c.u32('heartbeat count');
  const messages = c.u32('message count');
  // Each item takes at least 3 bytes: refuse absurd counts before looping.
  if ((heartbeats + messages) * 3 > c.remaining()) throw new RaftCodecError('item counts exceed the frame');
  const out: FrameItem[] = [];
  for (let i = 0; i < heartbeats; i++) out.push(readHeartbeat(c, from, to));
  for (let i = 0; i < messages; i++) out.push(readItem(c, from, to));
  if (c.remaining() !== 0) throw new RaftCodecError(`${c.remaining()} trailing bytes`);
  return out;
}
