import { describe, expect, it } from 'vitest';
import type { MetaEvent } from '../../src/state/events.js';
import { decodeEvent, encodeEvent } from '../../src/state/event-codec.js';
import { evolve } from '../../src/state/evolve.js';
import { decodeImage, digest, encodeImage } from '../../src/state/image-codec.js';
import { NO_LEADER, topicById, type MetadataImage, type PartitionImage } from '../../src/state/image.js';
import { imageInvariantViolations } from '../../src/state/invariants.js';
import { applyAll, imageWithBrokers } from './helpers.js';

const T = '00000000-0000-4000-8000-0000000000aa';

function elected(leaderId: number, leaderEpoch: number): MetaEvent {
  return { type: 'LeaderElected', v: 1, topicId: T, partition: 0, leaderId, leaderEpoch };
}

function transferred(fromLeaderId: number, fromEpoch: number, toLeaderId: number): MetaEvent {
  return { type: 'LeaderTransferred', v: 1, topicId: T, partition: 0, fromLeaderId, fromEpoch, toLeaderId };
}

/** Partition 0 of a 3-replica topic led by broker 0 at epoch 5. */
function ledBy0At5(): MetadataImage {
  return applyAll(imageWithBrokers([0, 1, 2]), [
    { type: 'TopicCreated', v: 1, topicId: T, name: 'moving', internal: false, partitions: [{ partition: 0, replicas: [0, 1, 2] }], configs: {} },
    elected(0, 5),
  ]);
}

function p0(image: MetadataImage): PartitionImage {
  const p = topicById(image, T)?.partitions[0];
  if (p === undefined) throw new Error('no partition');
  return p;
}

describe('LeaderTransferred', () => {
  it('names the target at the next epoch, provisionally; the target winning that epoch confirms it', () => {
    const moved = applyAll(ledBy0At5(), [transferred(0, 5, 1)]);
    expect(p0(moved)).toMatchObject({ leader: 1, leaderEpoch: 6, transferredFrom: 0 });
    const confirmed = applyAll(moved, [elected(1, 6)]);
    expect(p0(confirmed)).toMatchObject({ leader: 1, leaderEpoch: 6, transferredFrom: NO_LEADER });
    // Once confirmed, the epoch is settled: a second claim to it is stale, as always.
    expect(evolve(confirmed, elected(2, 6))).toBe(confirmed);
    expect(imageInvariantViolations(moved)).toEqual([]);
  });

  it('someone else winning the epoch replaces the provisional leader; a later epoch always does', () => {
    const moved = applyAll(ledBy0At5(), [transferred(0, 5, 1)]);
    expect(p0(applyAll(moved, [elected(2, 6)]))).toMatchObject({ leader: 2, leaderEpoch: 6, transferredFrom: NO_LEADER });
    expect(p0(applyAll(moved, [elected(0, 6)]))).toMatchObject({ leader: 0, leaderEpoch: 6, transferredFrom: NO_LEADER });
    expect(p0(applyAll(moved, [elected(0, 7)]))).toMatchObject({ leader: 0, leaderEpoch: 7, transferredFrom: NO_LEADER });
    expect(evolve(moved, elected(0, 5))).toBe(moved);
  });

  it('is stale unless the image names its sender at its epoch (or its own pending transfer)', () => {
    const img = ledBy0At5();
    expect(evolve(img, transferred(1, 5, 2))).toBe(img); // not the leader
    expect(evolve(img, transferred(0, 4, 2))).toBe(img); // an older epoch
    expect(evolve(img, transferred(0, 6, 2))).toBe(img); // an epoch the sender does not hold
    expect(evolve(img, transferred(0, 5, 0))).toBe(img); // to itself
    expect(evolve(img, transferred(0, 5, 7))).toBe(img); // to a non-replica
    const moved = applyAll(img, [transferred(0, 5, 1)]);
    // A failed attempt re-aimed at another follower: same sender, same epoch.
    expect(p0(applyAll(moved, [transferred(0, 5, 2)]))).toMatchObject({ leader: 2, leaderEpoch: 6, transferredFrom: 0 });
    expect(evolve(moved, transferred(1, 6, 2))).toBe(moved); // the provisional leader cannot pass it on
    const confirmed = applyAll(moved, [elected(1, 6)]);
    expect(evolve(confirmed, transferred(0, 5, 2))).toBe(confirmed); // replayed after the confirmation
    expect(p0(applyAll(confirmed, [transferred(1, 6, 2)]))).toMatchObject({ leader: 2, leaderEpoch: 7, transferredFrom: 1 });
  });

  it('ISR changes measured by the old leader in its epoch are stale after the transfer', () => {
    const moved = applyAll(ledBy0At5(), [transferred(0, 5, 1)]);
    expect(evolve(moved, { type: 'IsrChanged', v: 1, topicId: T, partition: 0, isr: [0], leaderEpoch: 5 })).toBe(moved);
  });

  it('round-trips through the event codec and the snapshot codec; a settled image encodes as before', () => {
    const e = transferred(0, 5, 1);
    expect(decodeEvent(encodeEvent(e))).toEqual(e);
    const moved = applyAll(ledBy0At5(), [e]);
    expect(digest(decodeImage(encodeImage(moved)))).toBe(digest(moved));
    expect(p0(decodeImage(encodeImage(moved))).transferredFrom).toBe(0);
    const settled = applyAll(moved, [elected(1, 6)]);
    const json = Buffer.from(encodeImage(settled).subarray(1)).toString('utf8');
    // The partition tuple keeps its five elements when nothing is provisional.
    expect(json).toContain('[[0,1,2],[0,1,2],1,6,-1]');
  });
});
