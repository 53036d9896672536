import { once } from 'node:events';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { encodeResponsePrefix, MetadataResponseCodec, type MetadataResponse } from '../../src/kafka/protocol/index.js';
import { evaluateTargets } from '../../tools/bench/report/targets.js';
import { caughtUp, mbPerSec, sumCounter } from '../../tools/bench/scenarios/catchup.js';
import { OPT_IN, parseOptions, SCENARIOS } from '../../tools/bench/scenarios/options.js';
import { countPartitions, idleCpuMax, MetadataProbe } from '../../tools/bench/scenarios/scale.js';
import type { BenchReport, ScenarioResult } from '../../tools/bench/scenarios/types.js';

function partition(partitionIndex: number, leaderId: number, isrNodes: number[]): MetadataResponse['topics'][number]['partitions'][number] {
  return { errorCode: 0, partitionIndex, leaderId, leaderEpoch: 0, replicaNodes: [0, 1, 2], isrNodes, offlineReplicas: [] };
}

function metadata(topics: Array<{ name: string; errorCode?: number; partitions: MetadataResponse['topics'][number]['partitions'] }>): MetadataResponse {
  return {
    throttleTimeMs: 0, brokers: [{ nodeId: 0, host: '127.0.0.1', port: 9092, rack: null }], clusterId: 'c', controllerId: 0, clusterAuthorizedOperations: 0,
    topics: topics.map((t) => ({ errorCode: t.errorCode ?? 0, name: t.name, topicId: '00000000-0000-0000-0000-000000000000', isInternal: false, partitions: t.partitions, topicAuthorizedOperations: 0 })),
  };
}

describe('scale-3n helpers', () => {
  it('counts only the bench topics, and among them the led and the fully replicated partitions', () => {
    const m = metadata([
      { name: 'bench-scale-0', partitions: [partition(0, 1, [0, 1, 2]), partition(1, -1, [0, 1]), partition(2, 2, [2, 0])] },
      { name: 'bench-scale-1', partitions: [partition(0, 0, [0, 1, 2])] },
      { name: 'other', partitions: [partition(0, 0, [0, 1, 2])] },
      // A topic answered with an error does not count as present.
      { name: 'bench-scale-2', errorCode: 3, partitions: [] },
    ]);
    expect(countPartitions(m, 'bench-scale', 3)).toEqual({ partitions: 4, led: 3, fullIsr: 2 });
  });

  it('judges idle CPU by the busiest node', () => {
    expect(idleCpuMax([{ cpuPercentAvg: 2.5 }, { cpuPercentAvg: 7.1 }, { cpuPercentAvg: 3 }])).toBe(7.1);
    expect(idleCpuMax([])).toBe(0);
  });

  it('times a Metadata round trip over a real socket and decodes the answer, across split frames', async () => {
    const answer = metadata([{ name: 'bench-scale-0', partitions: [partition(0, 1, [0, 1, 2])] }]);
    const server = createServer((socket: Socket) => {
      socket.on('data', (req: Buffer) => {
        const correlationId = req.readInt32BE(8);
        const body = Buffer.concat(MetadataResponseCodec.encode(answer, 4));
        const frame = Buffer.concat([encodeResponsePrefix(correlationId, false, body.length), body]);
        // Two writes: the probe must reassemble a response that arrives in pieces.
        socket.write(frame.subarray(0, 3));
        socket.write(frame.subarray(3));
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const probe = await MetadataProbe.open('127.0.0.1', (server.address() as AddressInfo).port);
    try {
      for (let i = 0; i < 3; i++) {
        const { ms, meta } = await probe.request();
        expect(ms).toBeGreaterThanOrEqual(0);
        expect(countPartitions(meta, 'bench-scale', 3)).toEqual({ partitions: 1, led: 1, fullIsr: 1 });
      }
    } finally {
      probe.close();
      server.close();
    }
  });
});

describe('restart-catchup-3n helpers', () => {
  it('is caught up once the follower log reaches the target index', () => {
    expect(caughtUp(undefined, 10)).toBe(false);
    expect(caughtUp({ lastIndex: 9 }, 10)).toBe(false);
    expect(caughtUp({ lastIndex: 10 }, 10)).toBe(true);
  });

  it('sums a Prometheus counter over the samples with the given labels', () => {
    const text = [
      '# HELP chronik_transport_sent_bytes_total bytes',
      '# TYPE chronik_transport_sent_bytes_total counter',
      'chronik_transport_sent_bytes_total{peer="1",node_id="0"} 408',
      'chronik_transport_sent_bytes_total{peer="2",node_id="0"} 272584550',
      'chronik_transport_sent_bytes_total_other{peer="1"} 5',
      'chronik_transport_received_bytes_total{peer="1",node_id="0"} 99',
    ].join('\n');
    expect(sumCounter(text, 'chronik_transport_sent_bytes_total', { peer: '2' })).toBe(272584550);
    expect(sumCounter(text, 'chronik_transport_sent_bytes_total', {})).toBe(272584958);
    expect(sumCounter(text, 'chronik_transport_sent_bytes_total', { peer: '7' })).toBe(0);
    expect(sumCounter('plain_total 3\n', 'plain_total', {})).toBe(3);
  });

  it('computes MB/s of a transfer', () => {
    expect(mbPerSec(100 * 1024 * 1024, 2000)).toBe(50);
    expect(mbPerSec(1, 0)).toBe(0);
  });
});

describe('bench options and targets for the two scenarios', () => {
  it('leaves restart-catchup-3n out of the default run, takes --catchup-mib', () => {
    const o = parseOptions([]);
    expect(o.only.has('scale-3n')).toBe(true);
    expect(o.only.has('restart-catchup-3n')).toBe(false);
    expect(o.only.size).toBe(SCENARIOS.length - OPT_IN.size);
    expect(o.catchupMib).toBe(1024);
    const picked = parseOptions(['--only', 'restart-catchup-3n', '--catchup-mib', '64']);
    expect([...picked.only]).toEqual(['restart-catchup-3n']);
    expect(picked.catchupMib).toBe(64);
  });

  it('judges idle CPU (< 5% of a core) and Metadata p99 (< 50 ms)', () => {
    const scale: ScenarioResult = {
      name: 'scale-3n', title: 'scale', client: 'raw Metadata v4', nodes: 3, params: { partitions: 1000 }, messages: 150, bytes: 0, seconds: 30, msgsPerSec: 0, mbPerSec: 0,
      latency: { samples: 150, p50Ms: 10, p99Ms: 40, p999Ms: 60, maxMs: 60 }, servers: [], extra: { idleCpuPercentMax: 10, settleMs: 1234 },
    };
    const report: BenchReport = {
      format: 'chronik-bench/1', startedAt: '', finishedAt: '', argv: [], params: {}, versions: {}, machine: {}, scenarios: [scale], micro: {}, targets: [], errors: [],
    };
    const targets = evaluateTargets(report).filter((t) => t.name.startsWith('scale:'));
    expect(targets.map((t) => [t.value, t.pass, t.ratio])).toEqual([[10, false, 0.5], [40, true, 1.25]]);
    expect(targets[0]?.basis).toContain('1000 partitions RF 3 led 1234 ms');
  });
});
