import { describe, expect, it } from 'vitest';
import { parseLinkFaultRequest } from '../../src/node/admin/faults.js';
import { checkHistory, encodeValue, type AckedWrite, type ReadRecord } from '../../tools/soak/checker.js';
import { compareReplicaLogs, type FrameDigest, type ReplicaLog } from '../../tools/soak/replicas.js';

/** The checker must catch each kind of broken promise, and only those. */
const w = (producer: string, seq: number, partition: number, offset: number): AckedWrite => ({ producer, seq, topic: 't', partition, offset });
const r = (producer: string, seq: number, partition: number, offset: number): ReadRecord => ({ topic: 't', partition, offset, value: encodeValue(producer, seq, 3) });

describe('checker', () => {
  it('passes a clean history, including unacknowledged writes that made it', () => {
    const report = checkHistory({ acked: [w('a', 0, 0, 0), w('a', 1, 0, 1)], read: [r('a', 0, 0, 0), r('a', 1, 0, 1), r('a', 2, 0, 2)] });
    expect(report).toMatchObject({ ok: true, lost: 0, duplicated: 0, reordered: 0, moved: 0 });
  });

  it('counts lost, duplicated, reordered and moved writes with examples', () => {
    const acked = [w('a', 0, 0, 0), w('a', 1, 0, 1), w('a', 2, 0, 2), w('b', 0, 1, 0)];
    const read = [r('a', 0, 0, 0), r('a', 2, 0, 1), r('a', 1, 0, 2), r('a', 2, 0, 3), r('x', 9, 1, 0)];
    const report = checkHistory({ acked, read });
    expect(report.lost).toBe(1); // b|0
    expect(report.duplicated).toBe(1); // a|2 twice
    expect(report.reordered).toBe(1); // a|1 after a|2
    expect(report.moved).toBe(2); // a|1 acked at 1 read at 2; a|2 acked at 2 read at 1
    expect(report.ok).toBe(false);
    expect(report.examples.join('\n')).toMatch(/lost: b\|0/);
  });

  it('counts group offsets below an acknowledged commit', () => {
    const report = checkHistory({
      acked: [], read: [],
      groups: { acked: [{ topic: 't', partition: 0, offset: 10 }, { topic: 't', partition: 0, offset: 20 }, { topic: 't', partition: 1, offset: 5 }], final: new Map([['t/0', 15], ['t/1', 5]]) },
    });
    expect(report.offsetsBackwards).toBe(1);
  });
});

const f = (index: number, term: number, crc = index * 7): FrameDigest => ({ index, term, type: 2, size: 100, crc, crcOk: true });
const log = (node: number, commit: number, frames: FrameDigest[]): ReplicaLog => ({ node, dir: `n${node}`, commit, frames });

describe('replica comparison', () => {
  it('accepts identical committed prefixes and a follower behind its own commit', () => {
    const a = log(0, 3, [f(1, 1), f(2, 1), f(3, 1), f(4, 2)]);
    const b = log(1, 2, [f(1, 1), f(2, 1)]);
    expect(compareReplicaLogs('t-0', [a, b], false)).toEqual([]);
    expect(compareReplicaLogs('t-0', [a, b], true).length).toBeGreaterThan(0);
  });

  it('reports a committed frame that differs', () => {
    const a = log(0, 3, [f(1, 1), f(2, 1), f(3, 1)]);
    const b = log(1, 3, [f(1, 1), f(2, 1), f(3, 1, 999)]);
    const out = compareReplicaLogs('t-0', [a, b], false);
    expect(out).toHaveLength(1);
    expect(out[0]?.index).toBe(3);
  });
});

describe('fault route body', () => {
  it('parses a cut and a delay, and refuses bad input', () => {
    expect(parseLinkFaultRequest('{"peer":2,"direction":"both"}')).toEqual({ peer: 2, direction: 'both', fault: { dropProbability: 1 } });
    expect(parseLinkFaultRequest('{"peer":1,"direction":"out","delayMs":50}')).toEqual({ peer: 1, direction: 'out', fault: { delayMs: 50 } });
    expect(() => parseLinkFaultRequest('nope')).toThrow(/JSON/);
    expect(() => parseLinkFaultRequest('{"peer":-1}')).toThrow(/peer/);
    expect(() => parseLinkFaultRequest('{"peer":1,"direction":"sideways"}')).toThrow(/direction/);
  });
});
