// A `__meta` node in a process of its own, running the built code in dist/ (as test/cluster/meta-host.ts
// does in-process), so a test can SIGKILL it. argv: id dir raftPort peers-json voters-json tuning-json.
// stdout, one JSON object per line: { opened: { restores, firstIndex } } once the group is open, then
// { applied, digest } after every applied batch or restore. `opened` also names the snapshots LevelDB
// held when the process started: the local one (a blob) and one installed from a leader.
const dist = new URL('../../dist/src/', import.meta.url);
const { RaftHost } = await import(new URL('raft/driver/index.js', dist).href);
const { NodeTransport } = await import(new URL('raft/transport/index.js', dist).href);
const { WalStore } = await import(new URL('wal/index.js', dist).href);
const { MetaStateMachine, digest } = await import(new URL('state/index.js', dist).href);
const { silentLogger } = await import(new URL('util/logger.js', dist).href);
const { loadLocalSnapshot } = await import(new URL('raft/driver/snapshot-store.js', dist).href);

const [id, dir, port, peersJson, votersJson, tuningJson] = process.argv.slice(2);
const logger = silentLogger();
const peers = new Map(JSON.parse(peersJson));
const wal = await WalStore.open({ dir, logger, fsync: 'always' });
const transport = new NodeTransport({ nodeId: Number(id), clusterId: 'meta-snapshot-test', listen: { host: '127.0.0.1', port: Number(port) }, peers, logger });
await transport.start();
const host = new RaftHost({ transport, wal, dataDir: `${dir}/raft`, logger, ...JSON.parse(tuningJson) });
const sm = new MetaStateMachine({ logger });
const localSnapshot = (await loadLocalSnapshot(wal.blobs, '__meta'))?.index ?? 0;
const installedSnapshot = (await wal.openLog('__meta', { kind: 'raft' })).snapshot?.index ?? 0;
const restores = [];
const say = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);
await host.addGroup('__meta', {
  logId: '__meta',
  kind: 'raft',
  voters: JSON.parse(votersJson),
  stateMachine: {
    apply: (entries) => {
      for (const e of entries) sm.apply(e);
      say({ applied: sm.image.appliedIndex, digest: digest(sm.image) });
    },
    appliedIndex: () => sm.image.appliedIndex,
    snapshot: () => sm.snapshot().data,
    restore: (data, index, term) => {
      restores.push({ index, term });
      sm.restore({ data, index, term });
      say({ applied: sm.image.appliedIndex, digest: digest(sm.image) });
    },
  },
});
say({ opened: { restores, localSnapshot, installedSnapshot, firstIndex: host.status('__meta').firstIndex, applied: sm.image.appliedIndex } });
