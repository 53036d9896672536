import { ErrorCode, KafkaError } from '../../util/errors.js';

/** A group record that cannot be decoded: its bytes are damaged or from an unknown format. */
export class CorruptGroupRecordError extends KafkaError {
  override readonly name = 'CorruptGroupRecordError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.CORRUPT_MESSAGE, message, options);
  }
}

/** Builds a record as a list of small buffers, concatenated once at the end. */
export class ByteWriter {
  readonly #chunks: Buffer[] = [];

  int8(value: number): this {
    const b = Buffer.allocUnsafe(1);
    b.writeInt8(value);
    return this.#push(b);
  }

  int32(value: number): this {
    const b = Buffer.allocUnsafe(4);
    b.writeInt32BE(value);
    return this.#push(b);
  }

  /** Offsets and timestamps: JavaScript numbers, 8 bytes big-endian. */
  int64(value: number): this {
    const b = Buffer.allocUnsafe(8);
    b.writeBigInt64BE(BigInt(value));
    return this.#push(b);
  }

  /** int16 length (-1 for null) + UTF-8. */
  nullableString(value: string | null): this {
    if (value === null) {
      const b = Buffer.allocUnsafe(2);
      b.writeInt16BE(-1);
      return this.#push(b);
    }
    const utf8 = Buffer.from(value, 'utf8');
    const b = Buffer.allocUnsafe(2);
    b.writeInt16BE(utf8.length);
    return this.#push(b).#push(utf8);
  }

  string(value: string): this {
    return this.nullableString(value);
  }

  /** int32 length + raw bytes. */
  bytes(value: Uint8Array): this {
    return this.int32(value.length).#push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
  }

  finish(): Buffer {
    return Buffer.concat(this.#chunks);
  }

  #push(chunk: Buffer): this {
    this.#chunks.push(chunk);
    return this;
  }
}

/** Reads a record with bounds checks: damaged input raises CorruptGroupRecordError, never a crash. */
export class ByteReader {
  readonly #buf: Buffer;
  #pos = 0;

  constructor(bytes: Uint8Array) {
    this.#buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  int8(): number {
    this.#need(1);
    const v = this.#buf.readInt8(this.#pos);
    this.#pos += 1;
    return v;
  }

  int16(): number {
    this.#need(2);
    const v = this.#buf.readInt16BE(this.#pos);
    this.#pos += 2;
    return v;
  }

  int32(): number {
    this.#need(4);
    const v = this.#buf.readInt32BE(this.#pos);
    this.#pos += 4;
    return v;
  }

  int64(): number {
    this.#need(8);
    const v = this.#buf.readBigInt64BE(this.#pos);
    this.#pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw new CorruptGroupRecordError(`int64 ${v} outside the safe integer range`);
    }
    return Number(v);
  }

  nullableString(): string | null {
    const length = this.int16();
    if (length === -1) return null;
    if (length < 0) throw new CorruptGroupRecordError(`negative string length ${length}`);
    this.#need(length);
    const v = this.#buf.toString('utf8', this.#pos, this.#pos + length);
    this.#pos += length;
    return v;
  }

  string(): string {
    const v = this.nullableString();
    if (v === null) throw new CorruptGroupRecordError('null where a string is required');
    return v;
  }

  bytes(): Uint8Array {
    const length = this.int32();
    if (length < 0) throw new CorruptGroupRecordError(`negative bytes length ${length}`);
    this.#need(length);
    // Copied so that a decoded record does not pin the (possibly large) source buffer.
    const v = new Uint8Array(this.#buf.subarray(this.#pos, this.#pos + length));
    this.#pos += length;
    return v;
  }

  expectEnd(): void {
    if (this.#pos !== this.#buf.length) {
      throw new CorruptGroupRecordError(`${this.#buf.length - this.#pos} trailing bytes`);
    }
  }

  #need(n: number): void {
    if (this.#pos + n > this.#buf.length) {
      throw new CorruptGroupRecordError(`truncated: need ${n} bytes at ${this.#pos} of ${this.#buf.length}`);
    }
  }
}
