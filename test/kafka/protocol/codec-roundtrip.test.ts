import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { byteLength, type MessageCodec } from '../../../src/kafka/protocol/codec.js';
import * as generated from '../../../src/kafka/protocol/generated/index.js';
import { structArbitrary } from './arbitrary.js';

const SEED = Number(process.env['CHRONIK_FC_SEED'] ?? 20261127);
const RUNS = 12;

function isCodec(x: unknown): x is MessageCodec<unknown> {
  return typeof x === 'object' && x !== null && 'spec' in x && 'encode' in x;
}

const codecs = Object.entries(generated as Record<string, unknown>)
  .filter((e): e is [string, MessageCodec<unknown>] => e[0].endsWith('Codec') && isCodec(e[1]))
  .sort((a, b) => a[0].localeCompare(b[0]));

describe('generated codecs round-trip every version of every message', () => {
  it('covers all schema messages', () => {
    console.log(`codec round-trip seed ${SEED}`);
    expect(codecs.length).toBe(184);
  });

  for (const [name, codec] of codecs) {
    it(`${name} v${codec.minVersion}-${codec.maxVersion}`, () => {
      for (let v = codec.minVersion; v <= codec.maxVersion; v++) {
        fc.assert(
          fc.property(structArbitrary(codec.spec.fields, v), (value) => {
            const chunks = codec.encode(value, v);
            const bytes = Buffer.concat(chunks);
            expect(bytes.length).toBe(byteLength(chunks));
            const decoded = codec.decode(bytes, v);
            expect(decoded).toEqual(value);
            expect(Buffer.concat(codec.encode(decoded, v))).toEqual(bytes);
          }),
          { seed: SEED + v, numRuns: RUNS },
        );
      }
    });
  }
});
