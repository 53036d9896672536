import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MessageCodec } from '../../../src/kafka/protocol/codec.js';
import { ProtocolDecodeError } from '../../../src/kafka/protocol/errors.js';
import { apiCodecs } from '../../../src/kafka/protocol/generated/index.js';
import { structArbitrary } from './arbitrary.js';

const SEED = Number(process.env['CHRONIK_FC_SEED'] ?? 20261127);

function decodeOutcome(codec: MessageCodec<unknown>, bytes: Buffer, version: number): 'ok' | 'typed' {
  try {
    codec.decode(bytes, version);
    return 'ok';
  } catch (err) {
    if (err instanceof ProtocolDecodeError) return 'typed';
    throw err;
  }
}

const codecs = Object.values(apiCodecs).flatMap((a) => [a.request, a.response] as MessageCodec<unknown>[]);

describe('decoding hostile bytes', () => {
  it('every strict prefix of a valid encoding throws ProtocolDecodeError', () => {
    console.log(`decode fuzz seed ${SEED}`);
    for (const codec of codecs) {
      for (let v = codec.minVersion; v <= codec.maxVersion; v++) {
        const [value] = fc.sample(structArbitrary(codec.spec.fields, v), { seed: SEED + v, numRuns: 1 });
        const bytes = Buffer.concat(codec.encode(value, v));
        for (let cut = 0; cut < bytes.length; cut += Math.max(1, Math.floor(bytes.length / 40))) {
          expect(() => codec.decode(bytes.subarray(0, cut), v)).toThrow(ProtocolDecodeError);
        }
      }
    }
  });

  it('random bytes either decode or throw ProtocolDecodeError, never anything else', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: codecs.length - 1 }),
        fc.nat(),
        fc.uint8Array({ maxLength: 300 }),
        (index, versionSeed, raw) => {
          const codec = codecs[index] as MessageCodec<unknown>;
          const version = codec.minVersion + (versionSeed % (codec.maxVersion - codec.minVersion + 1));
          expect(['ok', 'typed']).toContain(decodeOutcome(codec, Buffer.from(raw), version));
        },
      ),
      { seed: SEED, numRuns: 10_000 },
    );
  });

  it('huge declared lengths are rejected before anything is allocated for them', () => {
    const metadata = apiCodecs[3].request;
    // v0 topics array claiming 2^31-1 entries in a 4-byte body.
    expect(() => metadata.decode(Buffer.from([0x7f, 0xff, 0xff, 0xff]), 0)).toThrow(/exceeds the 0 bytes left/);
    // A compact string claiming 2^28 bytes; an overlong varint.
    const apiVersions = apiCodecs[18].request;
    expect(() => apiVersions.decode(Buffer.from([0x81, 0x80, 0x80, 0x80, 0x01]), 3)).toThrow(ProtocolDecodeError);
    expect(() => apiVersions.decode(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), 3)).toThrow(/varint/);
    // A negative non-nullable string length.
    const heartbeat = apiCodecs[12].request;
    expect(() => heartbeat.decode(Buffer.from([0xff, 0xfe, 0, 0, 0, 0, 0, 0]), 0)).toThrow(/invalid string length -2/);
  });
});
