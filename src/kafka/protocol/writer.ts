import { assert } from '../../util/assert.js';

const TWO_POW_32 = 4294967296;

/**
 * Writes small fields into one pre-sized scratch buffer and splices large payloads (record batches,
 * big byte fields) into the output list by reference, so fetched batches go to the socket without
 * being copied. The caller sizes the scratch buffer exactly with the codec's size pass.
 */
export class Writer {
  readonly buf: Buffer;
  pos = 0;
  private chunkStart = 0;
  private readonly chunks: Buffer[] = [];

  constructor(scratchBytes: number) {
    this.buf = Buffer.allocUnsafe(scratchBytes);
  }

  int8(v: number): void {
    this.pos = this.buf.writeInt8(v, this.pos);
  }

  uint8(v: number): void {
    this.buf[this.pos++] = v;
  }

  int16(v: number): void {
    this.pos = this.buf.writeInt16BE(v, this.pos);
  }

  uint16(v: number): void {
    this.pos = this.buf.writeUInt16BE(v, this.pos);
  }

  int32(v: number): void {
    this.pos = this.buf.writeInt32BE(v, this.pos);
  }

  uint32(v: number): void {
    this.pos = this.buf.writeUInt32BE(v, this.pos);
  }

  int64(v: number): void {
    assert(Number.isInteger(v), `int64 field is not an integer: ${v}`);
    const hi = Math.floor(v / TWO_POW_32);
    this.buf.writeInt32BE(hi, this.pos);
    this.buf.writeUInt32BE(v - hi * TWO_POW_32, this.pos + 4);
    this.pos += 8;
  }

  float64(v: number): void {
    this.pos = this.buf.writeDoubleBE(v, this.pos);
  }

  uvarint(v: number): void {
    let n = v;
    while (n >= 0x80) {
      this.buf[this.pos++] = (n & 0x7f) | 0x80;
      n = Math.floor(n / 128);
    }
    this.buf[this.pos++] = n;
  }

  varint(v: number): void {
    this.uvarint(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  varlong(v: number): void {
    this.uvarint(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  copy(b: Buffer): void {
    this.pos += b.copy(this.buf, this.pos);
  }

  utf8(s: string, byteLength: number): void {
    this.pos += this.buf.write(s, this.pos, byteLength, 'utf8');
  }

  /** Emits b by reference: what was written so far becomes one chunk, b the next. */
  splice(b: Buffer): void {
    if (this.pos > this.chunkStart) this.chunks.push(this.buf.subarray(this.chunkStart, this.pos));
    this.chunks.push(b);
    this.chunkStart = this.pos;
  }

  /** The output: scratch chunks and spliced payloads in order. */
  finish(): Buffer[] {
    assert(this.pos === this.buf.length, `writer sized ${this.buf.length} but wrote ${this.pos}`);
    if (this.pos > this.chunkStart) this.chunks.push(this.buf.subarray(this.chunkStart, this.pos));
    return this.chunks;
  }
}

export function uvarintSize(v: number): number {
  let n = 1;
  let x = v;
  while (x >= 0x80) {
    n++;
    x = Math.floor(x / 128);
  }
  return n;
}

export function varintSize(v: number): number {
  return uvarintSize(v >= 0 ? v * 2 : -v * 2 - 1);
}
