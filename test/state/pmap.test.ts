import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PMap } from '../../src/state/pmap.js';
import { fcParams } from './helpers.js';

type Op = { kind: 'set'; key: string; value: number } | { kind: 'delete'; key: string };

// Short keys over a tiny alphabet collide on trie slots often, exercising deep branches and collapse.
const keyArb = fc.string({ unit: fc.constantFrom('a', 'b', 'c'), maxLength: 4 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), key: keyArb, value: fc.integer() }),
  fc.record({ kind: fc.constant('delete' as const), key: keyArb }),
);

function sorted<V>(entries: Iterable<readonly [string, V]>): [string, V][] {
  return [...entries].map(([k, v]): [string, V] => [k, v]).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

describe('PMap (persistent hash trie)', () => {
  it('behaves like a Map under random set/delete, and never changes an older version', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 200 }), (ops) => {
        let map = PMap.empty<string, number>();
        const model = new Map<string, number>();
        const history: [PMap<string, number>, [string, number][]][] = [];
        for (const op of ops) {
          if (op.kind === 'set') {
            map = map.set(op.key, op.value);
            model.set(op.key, op.value);
          } else {
            map = map.delete(op.key);
            model.delete(op.key);
          }
          history.push([map, sorted(model.entries())]);
          expect(map.size).toBe(model.size);
          for (const [k, v] of model) expect(map.get(k)).toBe(v);
        }
        for (const [version, entries] of history) expect(sorted(version.entries())).toEqual(entries);
      }),
      fcParams(300),
    );
  });

  it('keeps entries whose 32-bit hashes fully collide (FNV-1a pairs found offline)', () => {
    // 't439599'/'t622382' and 't439598'/'t622383' have equal FNV-1a hashes: they share a bucket.
    const pairs = [['t439599', 't622382'], ['t439598', 't622383']] as const;
    let map = PMap.empty<string, number>().set('other', 0);
    for (const [a, b] of pairs) map = map.set(a, 1).set(b, 2);
    expect(map.size).toBe(5);
    for (const [a, b] of pairs) expect([map.get(a), map.get(b)]).toEqual([1, 2]);
    const updated = map.set('t622382', 3);
    expect(updated.get('t622382')).toBe(3);
    expect(map.get('t622382')).toBe(2);
    let shrunk = map;
    for (const [a] of pairs) shrunk = shrunk.delete(a);
    expect(shrunk.size).toBe(3);
    expect(shrunk.get('t439599')).toBeUndefined();
    expect(shrunk.get('t622382')).toBe(2);
    expect(sorted(shrunk.entries())).toEqual([['other', 0], ['t622382', 2], ['t622383', 2]]);
  });

  it('handles many keys through a full insert/delete cycle', () => {
    const keys = Array.from({ length: 5_000 }, (_, i) => `k${i}`);
    let map = PMap.empty<string, number>();
    keys.forEach((k, i) => (map = map.set(k, i)));
    expect(map.size).toBe(keys.length);
    keys.forEach((k, i) => expect(map.get(k)).toBe(i));
    keys.forEach((k) => (map = map.delete(k)));
    expect(map.size).toBe(0);
    expect([...map.entries()]).toEqual([]);
  });

  it('returns the same instance for no-op updates and supports number keys', () => {
    const m = PMap.from<number, string>([[1, 'a'], [2, 'b']]);
    expect(m.set(1, 'a')).toBe(m);
    expect(m.delete(3)).toBe(m);
    expect(m.get(2)).toBe('b');
    expect(m.has(3)).toBe(false);
    expect(Object.isFrozen(m)).toBe(true);
  });
});
