import { describe, expect, it } from 'vitest';
import { buildConfig, ConfigError, parseFlags } from '../../src/config/index.js';

describe('config', () => {
  it('defaults to a single node on 127.0.0.1:9092 with Kafka\'s defaults', () => {
    const config = buildConfig({});
    expect(config.kafkaListen).toEqual({ host: '127.0.0.1', port: 9092 });
    expect(config.adminListen.port).toBe(10092);
    expect(config.dataDir).toBe('./data');
    expect(config.peers).toEqual([{ id: 0, host: '127.0.0.1', port: 9192 }]);
    expect(config.autoCreateTopics).toBe(true);
    expect(config.numPartitions).toBe(1);
    expect(config.defaultReplicationFactor).toBeUndefined();
    expect(config.socketRequestMaxBytes).toBe(100 * 1024 * 1024);
    expect(config.fsync).toBe(true);
  });

  it('takes flags over env over file', () => {
    const config = buildConfig({
      file: { 'num.partitions': 2, 'data.dir': '/file', 'node.id': 1, 'raft.peers': '1@h:1' },
      env: { CHRONIK_NUM_PARTITIONS: '3', CHRONIK_DATA_DIR: '/env', PATH: '/bin' },
      flags: parseFlags(['--data-dir', '/flag']).settings,
    });
    expect(config.numPartitions).toBe(3);
    expect(config.dataDir).toBe('/flag');
  });

  it('refuses unknown keys and invalid values with the source named', () => {
    expect(() => buildConfig({ file: { 'num.partition': 1 } })).toThrow(/config file: unknown setting 'num.partition'/);
    expect(() => buildConfig({ env: { CHRONIK_NOPE: '1' } })).toThrow(ConfigError);
    expect(() => buildConfig({ flags: { 'num.partitions': 'x' } })).toThrow(/not an integer/);
    expect(() => buildConfig({ flags: { 'num.partitions': '0' } })).toThrow(/below 1/);
    expect(() => parseFlags(['--bogus', '1'])).toThrow(/unknown flag --bogus/);
    expect(() => buildConfig({ flags: { 'kafka.listen': 'nohost' } })).toThrow(/host:port/);
    expect(() => buildConfig({ flags: { 'raft.peers': '1@a:1,2@b:2' } })).toThrow(/does not list this node/);
  });

  it('raft.quiesce defaults on and is turned off by file, env or --set', () => {
    expect(buildConfig({}).raftQuiesce).toBe(true);
    expect(buildConfig({ file: { 'raft.quiesce': false } }).raftQuiesce).toBe(false);
    expect(buildConfig({ env: { CHRONIK_RAFT_QUIESCE: 'false' } }).raftQuiesce).toBe(false);
    expect(buildConfig({ flags: parseFlags(['--set', 'raft.quiesce=false']).settings }).raftQuiesce).toBe(false);
    expect(buildConfig({}).walJournal).toBe(true);
    expect(buildConfig({ flags: parseFlags(['--set', 'wal.journal=false']).settings }).walJournal).toBe(false);
    expect(() => buildConfig({ flags: { 'raft.quiesce': 'maybe' } })).toThrow(ConfigError);
  });

  it('parses peers and --set', () => {
    const flags = parseFlags(['--node-id=2', '--peers', '0@a:1,1@b:2,2@c:3', '--set', 'min.insync.replicas=2']);
    const config = buildConfig({ flags: flags.settings });
    expect(config.peers.map((p) => p.id)).toEqual([0, 1, 2]);
    expect(config.minInsyncReplicas).toBe(2);
  });
});

describe('YAML config files', () => {
  it('reads flat name: value lines with comments and quotes, and refuses anything nested', async () => {
    const { parseFlatYaml } = await import('../../src/config/index.js');
    const yaml = `# chronik.yaml\nnode.id: 2\nkafka.listen: "127.0.0.1:9095"   # quoted\nraft.peers: '2@127.0.0.1:9195'\n\nauto.create.topics.enable: false\n`;
    const file = parseFlatYaml('chronik.yaml', yaml);
    const config = buildConfig({ file });
    expect(config.nodeId).toBe(2);
    expect(config.kafkaListen.port).toBe(9095);
    expect(config.autoCreateTopics).toBe(false);
    expect(() => parseFlatYaml('c.yaml', 'kafka:\n  listen: x\n')).toThrow(/c.yaml:1/);
    expect(() => parseFlatYaml('c.yaml', 'just text\n')).toThrow(/expected 'name: value'/);
  });
});
