import { AssertionError } from '../../util/assert.js';
import type { SizeContext, ValueCodec } from './compile-scalar.js';
import { compileStruct } from './compile-struct.js';
import { defaultStruct } from './defaults.js';
import { ProtocolDecodeError } from './errors.js';
import { Reader } from './reader.js';
import { inRange, type MessageSpec } from './schema.js';
import { Writer } from './writer.js';

/** Encoder/decoder of one message type over all its versions; values are version-free objects. */
export interface MessageCodec<T> {
  readonly spec: MessageSpec;
  readonly minVersion: number;
  readonly maxVersion: number;
  isFlexible(version: number): boolean;
  /** Decodes at the reader's cursor, advancing it. Throws ProtocolDecodeError on malformed input. */
  read(r: Reader, version: number): T;
  decode(buf: Buffer, version: number): T;
  /** Encoded bytes as a list: small fields in one scratch buffer, large payloads by reference. */
  encode(value: T, version: number): Buffer[];
  /** A fresh object holding every field's schema default. */
  defaults(): T;
}

/** Compiles closures for every valid version of a message up front (once, at module load). */
export function compileMessage<T>(spec: MessageSpec): MessageCodec<T> {
  const [minVersion, maxVersion] = spec.validVersions;
  const versions: ValueCodec[] = [];
  for (let v = minVersion; v <= maxVersion; v++) {
    versions.push(compileStruct(spec.fields, v, inRange(spec.flexibleVersions, v)));
  }
  const forVersion = (version: number): ValueCodec | undefined => versions[version - minVersion];
  return {
    spec,
    minVersion,
    maxVersion,
    isFlexible: (version) => inRange(spec.flexibleVersions, version),
    read(r, version) {
      const codec = forVersion(version);
      if (codec === undefined) throw new ProtocolDecodeError(`${spec.name} has no version ${version}`);
      return codec.decode(r) as T;
    },
    decode(buf, version) {
      return this.read(new Reader(buf), version);
    },
    encode(value, version) {
      const codec = forVersion(version);
      if (codec === undefined) throw new AssertionError(`${spec.name} has no version ${version}`);
      const ctx: SizeContext = { spliced: 0 };
      const total = codec.size(value, ctx);
      const w = new Writer(total - ctx.spliced);
      codec.write(w, value);
      return w.finish();
    },
    defaults: () => defaultStruct(spec.fields) as T,
  };
}

export function byteLength(chunks: readonly Buffer[]): number {
  let n = 0;
  for (const c of chunks) n += c.length;
  return n;
}
