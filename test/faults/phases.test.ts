import { describe, expect, it } from 'vitest';
import { failoverPhases } from '../../tools/soak/phases.js';

const Q = { killed: 0, killedAtMs: 1_000, groupId: 'p/t1/0', topic: 't', partition: 0 };

describe('failoverPhases (where a failover went, from node logs)', () => {
  it('takes the first line of each phase on any survivor, after the kill only, in ms from the kill', () => {
    const node1 = [
      { time: 900, msg: 'peer down', peer: 0 }, // before the kill: an earlier incident
      { time: 1_012, msg: 'peer down', peer: 0 },
      { time: 1_013, msg: 'lost the connection to the leader of some groups: electing successors', peer: 0, groups: 3 },
      { time: 1_090, group: 'p/t1/0', module: 'raft', msg: 'campaigning', term: 2 },
      { time: 1_095, group: 'p/t1/1', module: 'raft', msg: 'became leader', term: 2 }, // another partition
    ];
    const node2 = [
      { time: 1_008, msg: 'inbound connection closed', peer: 0 },
      { time: 1_009, msg: 'peer down', peer: 1 }, // another peer
      { time: 1_100, group: 'p/t1/0', module: 'raft', msg: 'became leader', term: 2 },
      { time: 1_104, module: 'partition', topic: 't', partition: 0, msg: 'serving as leader' },
      { time: 1_130, module: 'partitions', topic: 't', partition: 0, msg: 'LeaderElected committed' },
    ];
    expect(failoverPhases([node1, node2], Q)).toEqual({ detected: 8, forgot: 13, campaign: 90, leader: 100, serving: 104, announced: 130 });
  });

  it('leaves phases nobody logged undefined (info level has no debug lines)', () => {
    expect(failoverPhases([[{ time: 1_005, msg: 'peer down', peer: 0 }]], Q)).toEqual({ detected: 5 });
    expect(failoverPhases([], Q)).toEqual({});
  });
});
