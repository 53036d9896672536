import { assert } from '../../util/assert.js';
import { ProtocolDecodeError } from './errors.js';
import type { Reader } from './reader.js';
import type { PrimitiveType } from './schema.js';
import { uvarintSize, type Writer } from './writer.js';

/** Byte fields at least this large are spliced into the output by reference instead of copied. */
export const SPLICE_MIN_BYTES = 1024;

/** Counts the bytes that encoding will splice by reference rather than write into scratch. */
export interface SizeContext {
  spliced: number;
}

export interface ValueCodec {
  /** Fewest bytes an encoded value occupies; bounds array counts against the bytes left. */
  readonly minBytes: number;
  decode(r: Reader): unknown;
  size(v: unknown, ctx: SizeContext): number;
  write(w: Writer, v: unknown): void;
}

function fixed(minBytes: number, decode: (r: Reader) => unknown, write: (w: Writer, v: unknown) => void): ValueCodec {
  return { minBytes, decode, size: () => minBytes, write };
}

const FIXED: Partial<Record<PrimitiveType, ValueCodec>> = {
  bool: fixed(1, (r) => r.int8() !== 0, (w, v) => w.uint8(v === true ? 1 : 0)),
  int8: fixed(1, (r) => r.int8(), (w, v) => w.int8(v as number)),
  int16: fixed(2, (r) => r.int16(), (w, v) => w.int16(v as number)),
  uint16: fixed(2, (r) => r.uint16(), (w, v) => w.uint16(v as number)),
  int32: fixed(4, (r) => r.int32(), (w, v) => w.int32(v as number)),
  uint32: fixed(4, (r) => r.uint32(), (w, v) => w.uint32(v as number)),
  int64: fixed(8, (r) => r.int64(), (w, v) => w.int64(v as number)),
  float64: fixed(8, (r) => r.float64(), (w, v) => w.float64(v as number)),
  uuid: fixed(
    16,
    (r) => r.bytes(16).toString('base64url'),
    (w, v) => {
      const n = w.buf.write(v as string, w.pos, 16, 'base64url');
      assert(n === 16, `uuid ${String(v)} is not 16 bytes of base64url`);
      w.pos += 16;
    },
  ),
};

/** Reads a length prefix: int16/int32 or compact (uvarint length+1). -1 means null. */
function lengthReader(compact: boolean, wide: boolean): (r: Reader) => number {
  if (compact) return (r) => r.uvarint() - 1;
  return wide ? (r) => r.int32() : (r) => r.int16();
}

function lengthSize(compact: boolean, wide: boolean, n: number): number {
  if (compact) return uvarintSize(n + 1);
  return wide ? 4 : 2;
}

function writeLength(w: Writer, compact: boolean, wide: boolean, n: number): void {
  if (compact) w.uvarint(n + 1);
  else if (wide) w.int32(n);
  else w.int16(n);
}

function stringCodec(name: string, compact: boolean, nullable: boolean): ValueCodec {
  const readLength = lengthReader(compact, false);
  return {
    minBytes: compact ? 1 : 2,
    decode(r) {
      const n = readLength(r);
      if (n >= 0) return r.utf8(n);
      if (nullable && n === -1) return null;
      throw new ProtocolDecodeError(`field ${name}: invalid string length ${n}`);
    },
    size(v) {
      if (v === null) return lengthSize(compact, false, -1);
      const n = Buffer.byteLength(v as string, 'utf8');
      return lengthSize(compact, false, n) + n;
    },
    write(w, v) {
      if (v === null) {
        assert(nullable, `field ${name} is not nullable in this version`);
        writeLength(w, compact, false, -1);
        return;
      }
      const n = Buffer.byteLength(v as string, 'utf8');
      assert(compact || n <= 0x7fff, `field ${name}: string of ${n} bytes is too long`);
      writeLength(w, compact, false, n);
      w.utf8(v as string, n);
    },
  };
}

function totalLength(parts: readonly Uint8Array[]): number {
  let n = 0;
  for (const part of parts) n += part.byteLength;
  return n;
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function bytesCodec(name: string, compact: boolean, nullable: boolean, spliceMin: number): ValueCodec {
  const readLength = lengthReader(compact, true);
  return {
    minBytes: compact ? 1 : 4,
    decode(r) {
      const n = readLength(r);
      if (n >= 0) return r.bytes(n);
      if (nullable && n === -1) return null;
      throw new ProtocolDecodeError(`field ${name}: invalid bytes length ${n}`);
    },
    size(v, ctx) {
      if (v === null) return lengthSize(compact, true, -1);
      if (Array.isArray(v)) {
        const n = totalLength(v as readonly Uint8Array[]);
        ctx.spliced += n;
        return lengthSize(compact, true, n) + n;
      }
      const n = (v as Buffer).length;
      if (n >= spliceMin) ctx.spliced += n;
      return lengthSize(compact, true, n) + n;
    },
    write(w, v) {
      if (v === null) {
        assert(nullable, `field ${name} is not nullable in this version`);
        writeLength(w, compact, true, -1);
        return;
      }
      if (Array.isArray(v)) {
        // A list of stored batches: each is spliced by reference, none is copied.
        const parts = v as readonly Uint8Array[];
        writeLength(w, compact, true, totalLength(parts));
        for (const part of parts) w.splice(asBuffer(part));
        return;
      }
      const b = v as Buffer;
      writeLength(w, compact, true, b.length);
      if (b.length >= spliceMin) w.splice(b);
      else w.copy(b);
    },
  };
}

export function scalarCodec(name: string, type: PrimitiveType, compact: boolean, nullable: boolean): ValueCodec {
  const fixedCodec = FIXED[type];
  if (fixedCodec !== undefined) return fixedCodec;
  if (type === 'string') return stringCodec(name, compact, nullable);
  // Record batches are always spliced: they are the large payload of produce and fetch.
  return bytesCodec(name, compact, nullable, type === 'records' ? 1 : SPLICE_MIN_BYTES);
}

export function arrayCodec(name: string, element: ValueCodec, compact: boolean, nullable: boolean): ValueCodec {
  const readLength = lengthReader(compact, true);
  return {
    minBytes: compact ? 1 : 4,
    decode(r) {
      const n = readLength(r);
      if (n === -1 && nullable) return null;
      r.count(n, element.minBytes);
      const out: unknown[] = [];
      for (let i = 0; i < n; i++) out.push(element.decode(r));
      return out;
    },
    size(v, ctx) {
      if (v === null) return lengthSize(compact, true, -1);
      const a = v as unknown[];
      let total = lengthSize(compact, true, a.length);
      for (const x of a) total += element.size(x, ctx);
      return total;
    },
    write(w, v) {
      if (v === null) {
        assert(nullable, `field ${name} is not nullable in this version`);
        writeLength(w, compact, true, -1);
        return;
      }
      const a = v as unknown[];
      writeLength(w, compact, true, a.length);
      for (const x of a) element.write(w, x);
    },
  };
}

/** A nullable struct is preceded by an int8: -1 for null, 1 for present. */
export function nullableStructCodec(name: string, inner: ValueCodec): ValueCodec {
  return {
    minBytes: 1,
    decode(r) {
      const marker = r.int8();
      if (marker < 0) return null;
      return inner.decode(r);
    },
    size(v, ctx) {
      return v === null ? 1 : 1 + inner.size(v, ctx);
    },
    write(w, v) {
      assert(v !== undefined, `field ${name} is undefined`);
      if (v === null) {
        w.int8(-1);
        return;
      }
      w.int8(1);
      inner.write(w, v);
    },
  };
}
