import { ProtocolDecodeError } from './errors.js';

const TWO_POW_32 = 4294967296;

/**
 * A bounds-checked cursor over a Buffer. Every read checks the remaining bytes first, so malformed
 * input throws ProtocolDecodeError instead of a RangeError, and no length read from the wire is
 * used to allocate before it has been checked against what is actually there.
 */
export class Reader {
  readonly buf: Buffer;
  pos: number;
  readonly end: number;

  constructor(buf: Buffer, pos = 0, end = buf.length) {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
  }

  remaining(): number {
    return this.end - this.pos;
  }

  /** Throws unless n more bytes are available. */
  need(n: number): void {
    if (n > this.end - this.pos) {
      throw new ProtocolDecodeError(`truncated: need ${n} bytes at ${this.pos}, have ${this.end - this.pos}`);
    }
  }

  int8(): number {
    this.need(1);
    return this.buf.readInt8(this.pos++);
  }

  uint8(): number {
    this.need(1);
    return this.buf[this.pos++] as number;
  }

  int16(): number {
    this.need(2);
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  uint16(): number {
    this.need(2);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  int32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  uint32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  /** int64 as a number: exact within ±2^53, which covers offsets, timestamps and ids in practice. */
  int64(): number {
    this.need(8);
    const hi = this.buf.readInt32BE(this.pos);
    const lo = this.buf.readUInt32BE(this.pos + 4);
    this.pos += 8;
    return hi * TWO_POW_32 + lo;
  }

  float64(): number {
    this.need(8);
    const v = this.buf.readDoubleBE(this.pos);
    this.pos += 8;
    return v;
  }

  /** Unsigned LEB128 varint of at most 32 bits (5 bytes). */
  uvarint(): number {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.uint8();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) {
        if (result > 0xffffffff) throw new ProtocolDecodeError('unsigned varint exceeds 32 bits');
        return result;
      }
    }
    throw new ProtocolDecodeError('unsigned varint longer than 5 bytes');
  }

  /** Zig-zag signed varint of at most 32 bits. */
  varint(): number {
    const u = this.uvarint();
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }

  /** Zig-zag signed varlong (up to 10 bytes), as a number (exact within ±2^53). */
  varlong(): number {
    let result = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      const b = this.uint8();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result % 2 === 0 ? result / 2 : -(result + 1) / 2;
    }
    throw new ProtocolDecodeError('varlong longer than 10 bytes');
  }

  /** A view (no copy) of the next n bytes. */
  bytes(n: number): Buffer {
    if (n < 0) throw new ProtocolDecodeError(`negative length ${n}`);
    this.need(n);
    const view = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return view;
  }

  utf8(n: number): string {
    if (n < 0) throw new ProtocolDecodeError(`negative string length ${n}`);
    this.need(n);
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }

  skip(n: number): void {
    if (n < 0) throw new ProtocolDecodeError(`negative length ${n}`);
    this.need(n);
    this.pos += n;
  }

  /** Checks an element count against the bytes left before anything is allocated for it. */
  count(n: number, minElementBytes: number): number {
    if (n < 0) throw new ProtocolDecodeError(`negative array length ${n}`);
    if (n * Math.max(1, minElementBytes) > this.end - this.pos) {
      throw new ProtocolDecodeError(`array of ${n} elements exceeds the ${this.end - this.pos} bytes left`);
    }
    return n;
  }
}
