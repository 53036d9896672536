import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MetaDecodeError, UnsupportedMetaVersionError } from '../../src/state/errors.js';
import { decodeEvent, encodeEvent } from '../../src/state/event-codec.js';
import { decodeImage, digest, encodeImage, IMAGE_FORMAT_JSON } from '../../src/state/image-codec.js';
import { emptyImage, type MetadataImage } from '../../src/state/image.js';
import { applyAll, eventSequenceArb, fcParams } from './helpers.js';

/** A plain, order-independent view of an image, for deep equality. */
function plain(image: MetadataImage): unknown {
  const byKey = <V>(m: Iterable<readonly [string | number, V]>): [string | number, V][] =>
    [...m].map(([k, v]): [string | number, V] => [k, v]).sort(([a], [b]) => String(a).localeCompare(String(b)));
  return {
    appliedIndex: image.appliedIndex,
    appliedTerm: image.appliedTerm,
    clusterId: image.clusterId,
    nextProducerId: image.nextProducerId,
    clusterConfig: image.clusterConfig,
    brokers: byKey(image.brokers.entries()),
    topics: byKey(image.topicsById.entries()),
    names: byKey(image.topicIdsByName.entries()),
    brokerConfigs: byKey(image.brokerConfigs.entries()),
    partitionTotal: image.partitionTotal,
    collisionIndex: byKey(image.topicNamesByCollisionKey.entries()).map(([k, names]) => [k, [...names].sort()]),
  };
}

describe('image snapshots and digests', () => {
  it('encode/decode round-trips exactly (same content, same digest, frozen)', () => {
    fc.assert(
      fc.property(eventSequenceArb, (events) => {
        const img = applyAll(emptyImage(), events, 3);
        const back = decodeImage(encodeImage(img));
        expect(plain(back)).toEqual(plain(img));
        expect(digest(back)).toBe(digest(img));
        expect(Object.isFrozen(back)).toBe(true);
      }),
      fcParams(300),
    );
  });

  it('replaying the same committed events twice gives equal digests; through the byte codec too', () => {
    fc.assert(
      fc.property(eventSequenceArb, (events) => {
        const a = applyAll(emptyImage(), events);
        const b = applyAll(emptyImage(), events.map((e) => decodeEvent(encodeEvent(e))));
        expect(digest(a)).toBe(digest(b));
      }),
      fcParams(300),
    );
  });

  it('a snapshot plus the remaining events equals a full replay (InstallSnapshot path)', () => {
    fc.assert(
      fc.property(eventSequenceArb, fc.nat(), (events, cut) => {
        const at = events.length === 0 ? 0 : cut % events.length;
        const full = applyAll(emptyImage(), events);
        const snap = decodeImage(encodeImage(applyAll(emptyImage(), events.slice(0, at))));
        expect(digest(applyAll(snap, events.slice(at)))).toBe(digest(full));
      }),
      fcParams(200),
    );
  });

  it('the digest sees every change, including the applied index', () => {
    const a = applyAll(emptyImage(), [{ type: 'BrokerConfigChanged', v: 1, brokerId: null, set: { x: '1' }, deleted: [] }]);
    const b = applyAll(emptyImage(), [{ type: 'BrokerConfigChanged', v: 1, brokerId: null, set: { x: '2' }, deleted: [] }]);
    expect(digest(a)).not.toBe(digest(b));
    expect(digest(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(digest(emptyImage())).not.toBe(digest({ ...emptyImage(), appliedIndex: 1 }));
  });

  it('refuses garbage, broken invariants and future versions with typed errors', () => {
    const enc = (v: unknown): Uint8Array => Uint8Array.of(IMAGE_FORMAT_JSON, ...new TextEncoder().encode(JSON.stringify(v)));
    const good = JSON.parse(new TextDecoder().decode(encodeImage(emptyImage()).subarray(1))) as Record<string, unknown>;
    expect(() => decodeImage(enc({ ...good, v: 2 }))).toThrow(UnsupportedMetaVersionError);
    expect(() => decodeImage(enc({ ...good, appliedIndex: 'x' }))).toThrow(MetaDecodeError);
    const topic = ['00000000-0000-4000-8000-0000000000aa', 'a', false, [], [[[1], [1], -1, -1, -1]]];
    expect(() => decodeImage(enc({ ...good, topics: [topic, topic] }))).toThrow(/unique topic/);
    expect(() => decodeImage(enc({ ...good, topics: [['00000000-0000-4000-8000-0000000000aa', 'a', 'no', [], []]] }))).toThrow(/internal/);
    expect(() => decodeImage(Uint8Array.of(9, 1))).toThrow(/unknown image format/);
    expect(() => decodeImage(enc({ ...good, topics: [['id', 'a', false, [], []]] }))).toThrow(/topicId/);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          decodeImage(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(MetaDecodeError);
        }
      }),
      fcParams(1000),
    );
  });
});
