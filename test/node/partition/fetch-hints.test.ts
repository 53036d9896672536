import { describe, expect, it } from 'vitest';
import { FetchHints } from '../../../src/node/partition/fetch-hints.js';

describe('FetchHints', () => {
  it('remembers where the next read starts, bounded, the oldest forgotten first', () => {
    const hints = new FetchHints(3);
    hints.remember(100, 9);
    expect(hints.get(100)).toBe(10);
    expect(hints.get(99)).toBeUndefined();
    hints.remember(200, 19);
    hints.remember(300, 29);
    hints.remember(100, 9); // refreshed: now the newest
    hints.remember(400, 39);
    expect([100, 200, 300, 400].map((o) => hints.get(o))).toEqual([10, undefined, 30, 40]);
    hints.clear();
    expect(hints.get(400)).toBeUndefined();
  });
});
