import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MetaDecodeError, UnsupportedMetaVersionError } from '../../src/state/errors.js';
import { decodeEvent, encodeEvent, EVENT_FORMAT_JSON } from '../../src/state/event-codec.js';
import type { MetaEvent } from '../../src/state/events.js';
import { ErrorCode } from '../../src/util/errors.js';
import { fcParams, metaEventArb } from './helpers.js';

function jsonBytes(value: unknown): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(value));
  return Uint8Array.of(EVENT_FORMAT_JSON, ...json);
}

const anyText = fc.string({ unit: 'binary', maxLength: 12 });
const ID = '00000000-0000-4000-8000-0000000000aa';

describe('event codec', () => {
  it('round-trips every event type exactly', () => {
    fc.assert(
      fc.property(metaEventArb, (event) => {
        expect(decodeEvent(encodeEvent(event))).toEqual(event);
      }),
      fcParams(1000),
    );
  });

  it('round-trips arbitrary unicode strings and awkward config keys', () => {
    fc.assert(
      fc.property(anyText, fc.dictionary(anyText, anyText), (name, configs) => {
        const event: MetaEvent = {
          type: 'TopicCreated', v: 1, topicId: ID, name, internal: false,
          partitions: [{ partition: 0, replicas: [1, 2] }], configs: { ...configs, ['__proto__']: 'x' },
        };
        const back = decodeEvent(encodeEvent(event));
        expect(back).toEqual(event);
        expect(Object.getPrototypeOf(back.type === 'TopicCreated' ? back.configs : null)).toBe(Object.prototype);
      }),
      fcParams(300),
    );
  });

  it('refuses garbage with a typed error and never crashes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          decodeEvent(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(MetaDecodeError);
        }
      }),
      fcParams(2000),
    );
    // Corrupt one byte of a valid event: either a typed error or a still well-formed event.
    fc.assert(
      fc.property(metaEventArb, fc.nat(), fc.integer({ min: 0, max: 255 }), (event, at, byte) => {
        const bytes = encodeEvent(event);
        bytes[at % bytes.length] = byte;
        try {
          const back = decodeEvent(bytes);
          expect(decodeEvent(encodeEvent(back))).toEqual(back);
        } catch (error) {
          expect(error).toBeInstanceOf(MetaDecodeError);
        }
      }),
      fcParams(2000),
    );
    expect(() => decodeEvent(new Uint8Array(0))).toThrow(MetaDecodeError);
    expect(() => decodeEvent(Uint8Array.of(7, 1, 2))).toThrow(/unknown event format 7/);
    expect(() => decodeEvent(Uint8Array.of(EVENT_FORMAT_JSON, 0xff, 0xfe))).toThrow(/UTF-8/);
    expect(() => decodeEvent(jsonBytes([1, 2]))).toThrow(MetaDecodeError);
    expect(() => decodeEvent(jsonBytes({ type: 'Nope', v: 1 }))).toThrow(/unknown event type/);
    expect(() => decodeEvent(jsonBytes({ type: 'TopicDeleted', v: 1 }))).toThrow(/TopicDeleted.topicId/);
    expect(() => decodeEvent(jsonBytes({ type: 'LeaderElected', v: 1, topicId: ID, partition: 0, leaderId: 1.5, leaderEpoch: 1 })))
      .toThrow(/leaderId: expected a safe integer/);
    expect(() => decodeEvent(jsonBytes({ type: 'TopicConfigChanged', v: 1, topicId: ID, set: { a: 1 }, deleted: [] })))
      .toThrow(/set.a: expected a string/);
  });

  it('refuses future event versions with a clear, typed error', () => {
    const future = jsonBytes({ type: 'TopicDeleted', v: 2, topicId: ID });
    expect(() => decodeEvent(future)).toThrow(UnsupportedMetaVersionError);
    expect(() => decodeEvent(future)).toThrow(/TopicDeleted version 2 is newer than .* 1; upgrade/);
    try {
      decodeEvent(future);
    } catch (error) {
      expect((error as UnsupportedMetaVersionError).code).toBe(ErrorCode.CORRUPT_MESSAGE);
      expect((error as UnsupportedMetaVersionError).version).toBe(2);
    }
    expect(() => decodeEvent(jsonBytes({ type: 'TopicDeleted', v: 0, topicId: ID }))).toThrow(/invalid version 0/);
  });

  it('refuses topic ids that are not canonical non-zero UUIDs', () => {
    for (const bad of ['t', ID.toUpperCase(), '00000000-0000-0000-0000-000000000000', `${ID}0`]) {
      expect(() => decodeEvent(jsonBytes({ type: 'TopicDeleted', v: 1, topicId: bad }))).toThrow(/expected a topic id/);
    }
  });

  it('drops unknown fields so that the decoded event is exactly the typed shape', () => {
    const e = decodeEvent(jsonBytes({ type: 'TopicDeleted', v: 1, topicId: ID, extra: { big: true } }));
    expect(e).toEqual({ type: 'TopicDeleted', v: 1, topicId: ID });
  });
});
