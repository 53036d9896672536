import { ByteReader } from './byte-reader.js';
import { RaftCodecError } from './errors.js';
import { MAX_MESSAGE_TYPE, type ConfState, type Entry, type Message, type MessageType, type Snapshot } from './types.js';

/**
 * Binary layout of a Raft message (all integers big-endian; u64 = 8-byte index/term, limited to 2^53):
 *
 *   header (64 bytes): version u8 | type u8 | flags u8 (1 reject, 2 snapshot, 4 readContext,
 *                      8 quiesce) | 0 u8
 *                      from u32 | to u32 | term u64 | logTerm u64 | index u64 | commit u64
 *                      rejectHint u64 | context u64 | entryCount u32
 *   entryCount x entry: index u64 | term u64 | type u8 | length u32 | data
 *   snapshot (flag 2): index u64 | term u64 | voters u16 + u32 each | learners u16 + u32 each
 *                      | length u32 | data
 *   readContext (flag 4): length u32 | bytes
 *
 * Encoding returns a list of buffers so entry and snapshot payloads are never copied; decoding
 * returns subarray views into the input (which may be several runs: byte-reader.ts).
 */
export const CODEC_VERSION = 1;
const HEADER_BYTES = 64;
const ENTRY_HEADER_BYTES = 21;
const FLAG_REJECT = 1;
const FLAG_SNAPSHOT = 2;
const FLAG_READ_CONTEXT = 4;
const FLAG_QUIESCE = 8;
const KNOWN_FLAGS = FLAG_REJECT | FLAG_SNAPSHOT | FLAG_READ_CONTEXT | FLAG_QUIESCE;
const TWO_32 = 0x1_0000_0000;

function putU64(view: DataView, at: number, n: number): void {
  view.setUint32(at, Math.floor(n / TWO_32));
  view.setUint32(at + 4, n >>> 0);
}

/**
 * The message header and every entry header are written into one buffer and handed out as views of
 * it: an append of n entries costs one allocation instead of n + 1 buffers and DataViews (a fresh
 * small Uint8Array whose `.buffer` is taken is one of the costlier allocations in V8, and this runs
 * for every entry sent to every follower).
 */
export function encodeMessage(m: Message): Uint8Array[] {
  const n = m.entries.length;
  const block = new Uint8Array(HEADER_BYTES + n * ENTRY_HEADER_BYTES);
  const v = new DataView(block.buffer);
  putHeader(v, 0, m);
  const out: Uint8Array[] = [block.subarray(0, HEADER_BYTES)];
  let at = HEADER_BYTES;
  for (const e of m.entries) {
    putEntryHeader(v, at, e);
    out.push(block.subarray(at, at + ENTRY_HEADER_BYTES), e.data);
    at += ENTRY_HEADER_BYTES;
  }
  if (m.snapshot !== undefined) out.push(encodeSnapshotHeader(m.snapshot), m.snapshot.data);
  if (m.readContext !== undefined) {
    const len = new Uint8Array(4);
    new DataView(len.buffer).setUint32(0, m.readContext.byteLength);
    out.push(len, m.readContext);
  }
  return out;
}

/**
 * Where `encodeMessageInto` writes: fixed-size headers are reserved in the sink's current buffer
 * and written in place through `view`; payloads (entry data, snapshot data) are handed to `put`,
 * which copies small ones and keeps large ones as views (the driver's frame packer).
 */
export interface EncodeSink {
  /** Reserves `n` contiguous bytes and returns their offset in `view` (valid until the next call). */
  reserve(n: number): number;
  readonly view: DataView;
  put(b: Uint8Array): void;
}

/**
 * Encodes `m` straight into a frame being built: the same bytes as encodeMessage, without its
 * block, views and list per message (this runs for every append to every follower).
 */
export function encodeMessageInto(m: Message, sink: EncodeSink): void {
  // `view` is read after each `reserve`, which may have moved the sink to a new buffer.
  let at = sink.reserve(HEADER_BYTES);
  putHeader(sink.view, at, m);
  for (const e of m.entries) {
    at = sink.reserve(ENTRY_HEADER_BYTES);
    putEntryHeader(sink.view, at, e);
    sink.put(e.data);
  }
  if (m.snapshot !== undefined) {
    sink.put(encodeSnapshotHeader(m.snapshot));
    sink.put(m.snapshot.data);
  }
  if (m.readContext !== undefined) {
    at = sink.reserve(4);
    sink.view.setUint32(at, m.readContext.byteLength);
    sink.put(m.readContext);
  }
}

/** The encoded size of `m` (what encodeMessage's buffers add up to). */
export function messageSize(m: Message): number {
  let n = HEADER_BYTES;
  for (const e of m.entries) n += ENTRY_HEADER_BYTES + e.data.byteLength;
  if (m.snapshot !== undefined) n += snapshotHeaderBytes(m.snapshot) + m.snapshot.data.byteLength;
  if (m.readContext !== undefined) n += 4 + m.readContext.byteLength;
  return n;
}

function snapshotHeaderBytes(s: Snapshot): number {
  const { voters, learners } = s.metadata.confState;
  return 16 + 2 + 4 * voters.length + 2 + 4 * learners.length + 4;
}

/** The 64-byte message header at `at`. */
function putHeader(v: DataView, at: number, m: Message): void {
  const flags =
    (m.reject ? FLAG_REJECT : 0) |
    (m.snapshot !== undefined ? FLAG_SNAPSHOT : 0) |
    (m.readContext !== undefined ? FLAG_READ_CONTEXT : 0) |
    (m.quiesce ? FLAG_QUIESCE : 0);
  v.setUint8(at, CODEC_VERSION);
  v.setUint8(at + 1, m.type);
  v.setUint8(at + 2, flags);
  v.setUint8(at + 3, 0);
  v.setUint32(at + 4, m.from);
  v.setUint32(at + 8, m.to);
  putU64(v, at + 12, m.term);
  putU64(v, at + 20, m.logTerm);
  putU64(v, at + 28, m.index);
  putU64(v, at + 36, m.commit);
  putU64(v, at + 44, m.rejectHint);
  putU64(v, at + 52, m.context);
  v.setUint32(at + 60, m.entries.length);
}

function putEntryHeader(v: DataView, at: number, e: Entry): void {
  putU64(v, at, e.index);
  putU64(v, at + 8, e.term);
  v.setUint8(at + 16, e.type);
  v.setUint32(at + 17, e.data.byteLength);
}

function encodeSnapshotHeader(s: Snapshot): Uint8Array {
  const { voters, learners } = s.metadata.confState;
  const h = new Uint8Array(snapshotHeaderBytes(s));
  const v = new DataView(h.buffer);
  putU64(v, 0, s.metadata.index);
  putU64(v, 8, s.metadata.term);
  let at = 16;
  for (const ids of [voters, learners]) {
    v.setUint16(at, ids.length);
    at += 2;
    for (const id of ids) {
      v.setUint32(at, id);
      at += 4;
    }
  }
  v.setUint32(at, s.data.byteLength);
  return h;
}

export function decodeMessage(bytes: Uint8Array): Message {
  return readMessage(new ByteReader([bytes], 'message'), bytes.byteLength);
}

/**
 * Decodes the message in the next `length` bytes of `r` (a frame read in place, its runs never
 * joined); entry and snapshot data are views of the reader's runs (a copy only for one that
 * crosses a run boundary). Throws RaftCodecError if the message does not fill exactly `length`.
 */
export function readMessage(r: ByteReader, length: number): Message {
  const outer = r.narrow(length, 'message');
  const m = readMessageFields(r);
  if (r.remaining() !== 0) throw new RaftCodecError(`${r.remaining()} trailing bytes`);
  r.widen(outer);
  return m;
}

function readMessageFields(r: ByteReader): Message {
  const version = r.u8('version');
  if (version !== CODEC_VERSION) throw new RaftCodecError(`unsupported message version ${version}`);
  const type = r.u8('type');
  if (type < 1 || type > MAX_MESSAGE_TYPE) throw new RaftCodecError(`unknown message type ${type}`);
  const flags = r.u8('flags');
  if ((flags & ~KNOWN_FLAGS) !== 0 || r.u8('reserved') !== 0) throw new RaftCodecError(`bad flags ${flags}`);
  const from = r.u32('from');
  const to = r.u32('to');
  if (from === 0 || to === 0) throw new RaftCodecError('node id 0');
  const m: Message = {
    type: type as MessageType,
    from,
    to,
    term: r.u64('term'),
    logTerm: r.u64('logTerm'),
    index: r.u64('index'),
    commit: r.u64('commit'),
    reject: (flags & FLAG_REJECT) !== 0,
    rejectHint: r.u64('rejectHint'),
    context: r.u64('context'),
    entries: [],
    snapshot: undefined,
    readContext: undefined,
    quiesce: (flags & FLAG_QUIESCE) !== 0,
  };
  m.entries = readEntries(r, r.u32('entryCount'), m);
  if ((flags & FLAG_SNAPSHOT) !== 0) m.snapshot = readSnapshot(r);
  if ((flags & FLAG_READ_CONTEXT) !== 0) m.readContext = r.view(r.u32('readContext length'), 'readContext');
  return m;
}

function readEntries(r: ByteReader, count: number, m: Message): Entry[] {
  // Reject absurd counts before allocating anything.
  if (count * ENTRY_HEADER_BYTES > r.remaining()) throw new RaftCodecError(`entry count ${count} exceeds message size`);
  const out: Entry[] = [];
  for (let i = 0; i < count; i++) {
    const index = r.u64('entry index');
    const term = r.u64('entry term');
    const type = r.u8('entry type');
    const data = r.view(r.u32('entry length'), 'entry data');
    // Entries of an append are consecutive after prevLogIndex and never newer than the message.
    if (index !== m.index + 1 + i) throw new RaftCodecError(`entry index ${index} not consecutive after ${m.index}`);
    if (term > m.term || term === 0) throw new RaftCodecError(`entry term ${term} invalid in message of term ${m.term}`);
    // Terms never decrease along a log.
    const prevTerm = i === 0 ? m.logTerm : (out[i - 1]?.term ?? 0);
    if (term < prevTerm) throw new RaftCodecError(`entry term ${term} decreases after ${prevTerm}`);
    out.push({ index, term, type, data });
  }
  return out;
}

function readIds(r: ByteReader, what: string): number[] {
  const n = r.u16(what);
  if (n * 4 > r.remaining()) throw new RaftCodecError(`${what} count ${n} exceeds message size`);
  const ids: number[] = [];
  for (let i = 0; i < n; i++) ids.push(r.u32(what));
  return ids;
}

function readSnapshot(r: ByteReader): Snapshot {
  const index = r.u64('snapshot index');
  const term = r.u64('snapshot term');
  const confState: ConfState = { voters: readIds(r, 'voters'), learners: readIds(r, 'learners') };
  if (index === 0 || term === 0) throw new RaftCodecError('empty snapshot');
  const data = r.view(r.u32('snapshot length'), 'snapshot data');
  return { metadata: { index, term, confState }, data };
}

/** Total encoded size, for framing. */
export function encodedSize(buffers: readonly Uint8Array[]): number {
  let n = 0;
  for (const b of buffers) n += b.byteLength;
  return n;
}

/** Joins an encoded message into one buffer (tests and small messages). */
export function concatBuffers(buffers: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(encodedSize(buffers));
  let at = 0;
  for (const b of buffers) {
    out.set(b, at);
    at += b.byteLength;
  }
  return out;
}
