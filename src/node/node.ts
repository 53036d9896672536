import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { BrokerConfig, HostPort } from '../config/index.js';
import { ErrorCode, KafkaError } from '../util/errors.js';
import { registerBrokerApis } from '../kafka/handlers/register.js';
import type { BrokerContext } from '../kafka/handlers/context.js';
import { apiVersionsHandler, HandlerRegistry, startKafkaServer, type KafkaServer } from '../kafka/server/index.js';
import { RaftHost } from '../raft/driver/index.js';
import { NodeTransport } from '../raft/transport/index.js';
import type { MetaCommand } from '../state/index.js';
import type { Logger } from '../util/logger.js';
import { NodeFileIO, WalStore, type FileIO, type WalDb } from '../wal/index.js';
import { ProducerIdAllocator } from '../kafka/idempotence/index.js';
import { GroupService } from './group-service.js';
import { BROKER_HEAP_GROWING_PERCENT, tuneHeapGrowing } from './heap-tuning.js';
import { MetaService } from './meta-service.js';
import { PartitionManager } from './partition/manager.js';
import { ReadBufferPool } from './partition/read-buffers.js';
import { NodeRpc } from './rpc.js';
import { RetentionService } from './retention/index.js';
import { drainNode, startNodeAdmin, type AdminServer, type NodeParts } from './admin/index.js';
import { NodeMetrics, TimedFileIO } from './metrics/index.js';

const REGISTER_ATTEMPTS = 1_000;
const REGISTER_TIMEOUT_MS = 5_000;

export interface NodeOptions {
  readonly config: BrokerConfig;
  readonly logger: Logger;
  /** Storage injection for the embedded `storage: 'memory'` mode (an in-memory file layer and LevelDB). */
  readonly fileIO?: FileIO;
  readonly db?: WalDb;
  /**
   * V8 heap growing factor for the whole process, in percent (see heap-tuning.ts); 0 leaves V8's
   * own. Default BROKER_HEAP_GROWING_PERCENT. A flag given on the node command line wins.
   */
  readonly heapGrowingPercent?: number;
}

/**
 * One Chronik node: the WAL, the node transport, the Raft host with the `__meta` group and this
 * node's partition groups, and the Kafka listener. `chronik start` and the embedded API both run
 * this class; there is no other code path.
 */
export class ChronikNode {
  private registered = false;
  private readonly producerIds: ProducerIdAllocator;
  /** Catch-up Fetch reads land in these, recycled once each response is written. */
  private readonly readBuffers = new ReadBufferPool();
  private stopping = false;
  private readonly log: Logger;
  private retention: RetentionService | undefined;
  /** Admin HTTP listener (/metrics, /healthz, /readyz, /v1/*) and the parts it and the hand-off read. */
  private admin: AdminServer | undefined;
  private parts: NodeParts | undefined;

  private constructor(
    readonly config: BrokerConfig,
    logger: Logger,
    private readonly wal: WalStore,
    /** Public for fault injection (link faults) by the embedded API; nothing else should send on it. */
    readonly transport: NodeTransport,
    readonly raft: RaftHost,
    private readonly rpc: NodeRpc,
    readonly meta: MetaService,
    readonly partitions: PartitionManager,
    readonly groups: GroupService,
    private readonly kafka: KafkaServer,
    readonly kafkaAddress: HostPort,
  ) {
    this.log = logger.child({ module: 'node' });
    this.producerIds = new ProducerIdAllocator({ logger, allocateBlock: () => this.allocateProducerIdBlock() });
  }

  /** Reserves a block of producer ids cluster-wide through a committed ProducerIdBlockAllocated. */
  private async allocateProducerIdBlock(): Promise<{ firstProducerId: number; size: number }> {
    const outcome = await this.meta.execute({ type: 'AllocateProducerIds', brokerId: this.config.nodeId }, REGISTER_TIMEOUT_MS);
    const event = outcome.events.find((e) => e.type === 'ProducerIdBlockAllocated');
    if (event === undefined || event.type !== 'ProducerIdBlockAllocated') throw new Error('AllocateProducerIds committed no block');
    return { firstProducerId: event.firstProducerId, size: event.size };
  }

  static async start(options: NodeOptions): Promise<ChronikNode> {
    const { config, logger } = options;
    tuneHeapGrowing(options.heapGrowingPercent ?? BROKER_HEAP_GROWING_PERCENT, logger);
    await mkdir(config.dataDir, { recursive: true });
    const metrics = new NodeMetrics(config.nodeId);
    const timedIO = new TimedFileIO(options.fileIO ?? new NodeFileIO(), metrics.observeFsync);
    const wal = await WalStore.open({ dir: config.dataDir, logger, fsync: config.fsync ? 'always' : 'never', journal: config.walJournal, segmentBytes: config.segmentBytes, ...injectedStorage(options), fileIO: timedIO });
    const transport = new NodeTransport({
      nodeId: config.nodeId,
      clusterId: config.clusterId,
      listen: config.raftListen,
      peers: new Map(config.peers.filter((p) => p.id !== config.nodeId).map((p) => [p.id, { host: p.host, port: p.port }])),
      logger,
    });
    let raftBound: HostPort;
    try {
      raftBound = await transport.start();
    } catch (err) {
      // Not started: release what is open (sockets, the LevelDB lock) so the caller can retry or exit.
      await transport.close();
      await wal.close();
      throw err;
    }
    const raft = new RaftHost({
      transport,
      wal,
      dataDir: join(config.dataDir, 'raft'),
      logger,
      tickMs: config.raftTickMs,
      electionTicks: config.raftElectionTicks,
      heartbeatTicks: config.raftHeartbeatTicks,
      quiesce: config.raftQuiesce,
    });
    const rpc = new NodeRpc(transport, logger);
    const liveBrokers = (): ReadonlySet<number> => liveSet(config, transport);
    const meta = new MetaService({
      raft,
      rpc,
      nodeId: config.nodeId,
      voters: config.peers.map((p) => p.id),
      logger,
      liveBrokers,
      isPeerUp: (id) => transport.isPeerUp(id),
      onPeerUp: (listener) => transport.onPeerUp(listener),
    });
    meta.registerReadIndexRpc();
    const partitions = new PartitionManager({
      nodeId: config.nodeId,
      raft,
      wal,
      meta,
      logger,
      ...(config.autoLeaderRebalance ? { leaderBalanceIntervalMs: config.leaderImbalanceCheckIntervalMs, isPeerUp: (id: number) => transport.isPeerUp(id) } : {}),
    });
    const groups = new GroupService({ config, meta, partitions, logger });
    const registry = new HandlerRegistry();
    const kafka = await startKafkaServer({ host: config.kafkaListen.host, port: config.kafkaListen.port, logger, registry, maxRequestBytes: config.socketRequestMaxBytes, metrics: metrics.kafka });
    const advertised = config.kafkaAdvertised.port === 0 ? { host: config.kafkaAdvertised.host, port: kafka.address.port } : config.kafkaAdvertised;
    // Port 0 means "any free port": what registers in __meta is the port actually bound (a
    // registration with port 0 is refused, and was retried 1,000 times in ~60 ms, then given up).
    const raftListen = config.raftListen.port === 0 ? { host: config.raftListen.host, port: raftBound.port } : config.raftListen;
    const node = new ChronikNode({ ...config, kafkaAdvertised: advertised, raftListen }, logger, wal, transport, raft, rpc, meta, partitions, groups, kafka, kafka.address);
    registry.register(apiVersionsHandler(registry));
    registerBrokerApis(registry, { ...node.brokerContext(), onBatchAppended: metrics.observeBatch });
    node.watchRegistrations();
    node.retention = new RetentionService({ config, partitions, raft, rpc, image: () => meta.image, isPeerUp: (id) => transport.isPeerUp(id), logger });
    node.retention.start();
    await meta.start();
    void node.registerBroker();
    node.parts = { config, logger, metrics, raft, transport, wal, meta, partitions, groups, liveBrokers, accepting: () => !node.stopping };
    // An unbindable admin port costs observability, not service: the node keeps serving Kafka.
    node.admin = await startNodeAdmin(node.parts).catch((err: unknown) => {
      node.log.error({ err, admin: config.adminListen }, 'admin listener failed to start');
      return undefined;
    });
    node.log.info({ kafka: kafka.address, raft: raftListen, admin: node.admin?.address ?? null, nodeId: config.nodeId, peers: config.peers.length }, 'node started');
    return node;
  }

  /** Resolves once this broker's registration is applied locally (it appears in Metadata). */
  async ready(timeoutMs: number): Promise<void> {
    await this.meta.state.waiters.waitFor((image) => (image.brokers.has(this.config.nodeId) ? true : undefined), { timeoutMs, what: 'broker registration' });
  }

  /** Logs once when every configured voter has registered: the cluster is ready to serve. */
  private watchRegistrations(): void {
    const voters = this.config.peers.map((p) => p.id);
    this.meta.state.waiters
      .waitFor((image) => (voters.every((id) => image.brokers.has(id)) ? true : undefined), { timeoutMs: 2 ** 31 - 1, what: 'cluster registration' })
      .then(
        () => this.log.info({ brokers: voters }, 'cluster ready: all brokers registered'),
        () => undefined,
      );
  }

  brokerContext(): BrokerContext {
    const config = this.config;
    return {
      nodeId: config.nodeId,
      config,
      logger: this.log,
      image: () => this.meta.image,
      liveBrokers: () => liveSet(config, this.transport),
      metaLeader: () => this.meta.leader(),
      metaLeaderlessMs: () => this.meta.leaderlessForMs(),
      metaBarrier: (timeoutMs) => this.meta.readBarrier(timeoutMs),
      waitForLeaders: (topics, timeoutMs, signal) => this.meta.state.waiters.waitForLeaders(topics, timeoutMs, signal),
      executeMeta: (command: MetaCommand, timeoutMs) => this.meta.execute(command, timeoutMs),
      replica: (topic, partition) => this.partitions.replica(topic, partition),
      reachableReplicas: (replicas) => replicas.filter((r) => r === config.nodeId || this.transport.isPeerUp(r)).length,
      groups: this.groups.coordinator,
      findGroupCoordinator: (groupId, timeoutMs) => this.groups.coordinatorFor(groupId, timeoutMs),
      allocateProducerId: () => this.producerIds.nextProducerId(),
      readBuffers: this.readBuffers,
    };
  }

  /** Registers this broker's addresses in `__meta`, retrying (bounded) until a leader takes it. */
  private async registerBroker(): Promise<void> {
    const c = this.config;
    const command: MetaCommand = {
      type: 'RegisterBroker',
      brokerId: c.nodeId,
      kafkaHost: c.kafkaAdvertised.host,
      kafkaPort: c.kafkaAdvertised.port,
      raftHost: c.raftListen.host,
      raftPort: c.raftListen.port,
      rack: c.rack,
      incarnation: randomUUID(),
    };
    for (let attempt = 1; attempt <= REGISTER_ATTEMPTS && !this.stopping; attempt++) {
      try {
        await this.meta.execute(command, REGISTER_TIMEOUT_MS);
        this.registered = true;
        this.log.info({ attempt }, 'broker registered');
        return;
      } catch (err) {
        if (this.stopping) return;
        // A refusal of the command itself (not a lost leader or a timeout) would be refused again.
        if (err instanceof KafkaError && err.code === ErrorCode.INVALID_REQUEST) {
          this.log.error({ err, attempt }, 'broker registration refused');
          return;
        }
        this.log.debug({ err, attempt }, 'broker registration not committed yet; retrying');
      }
    }
    if (!this.registered) this.log.error({ attempts: REGISTER_ATTEMPTS }, 'broker registration gave up');
  }

  /**
   * Stops the node. `graceful` first stops accepting connections, hands leadership of everything it
   * leads to live followers (bounded) while still answering clients, so they move to the new
   * leaders without waiting out an election, then answers every request in flight before closing
   * the connections (bounded); /readyz reports 503 from the start of the stop.
   */
  async stop(options: { graceful?: boolean } = {}): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    if (options.graceful === true && this.parts !== undefined) await drainNode(this.parts, this.kafka);
    this.retention?.stop();
    await this.kafka.close();
    this.groups.close();
    this.partitions.close();
    this.meta.close();
    this.rpc.close();
    await this.raft.close();
    await this.transport.close();
    await this.wal.close();
    await this.admin?.close();
    this.log.info('node stopped');
  }
}

function injectedStorage(options: NodeOptions): { fileIO?: FileIO; db?: WalDb } {
  return { ...(options.fileIO === undefined ? {} : { fileIO: options.fileIO }), ...(options.db === undefined ? {} : { db: options.db }) };
}

function liveSet(config: BrokerConfig, transport: NodeTransport): ReadonlySet<number> {
  return new Set(config.peers.filter((p) => p.id === config.nodeId || transport.isPeerUp(p.id)).map((p) => p.id));
}
