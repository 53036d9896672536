import { buildConfig, type BrokerConfig, type RawSettings } from '../config/index.js';
import { ChronikNode } from '../node/node.js';
import type { Logger } from '../util/logger.js';
import { EmbeddedClusterError } from './errors.js';
import type { NodeStorage } from './storage.js';

/** Addresses of one node, fixed for the cluster's life so that restarts keep peers and clients working. */
export interface NodeAddresses {
  readonly id: number;
  /** 0 until the first start binds an ephemeral port; then reused by every restart. */
  kafkaPort: number;
  readonly raftPort: number;
}

/**
 * One node of an embedded cluster across its lives: the running ChronikNode (if up), its fixed
 * addresses and its storage. Start and restart go through `ChronikNode.start` — the same code path
 * as `chronik start`.
 */
export class NodeSlot {
  private current: ChronikNode | undefined;
  private transition: Promise<void> = Promise.resolve();

  constructor(
    readonly addresses: NodeAddresses,
    private readonly storage: NodeStorage,
    private readonly settings: (addresses: NodeAddresses) => RawSettings,
    private readonly logger: Logger,
  ) {}

  get id(): number {
    return this.addresses.id;
  }

  get node(): ChronikNode | undefined {
    return this.current;
  }

  /** The running node, or an error naming the node that is down. */
  running(): ChronikNode {
    if (this.current === undefined) throw new EmbeddedClusterError(`node ${this.id} is not running`);
    return this.current;
  }

  start(): Promise<ChronikNode> {
    return this.serialise(async () => {
      if (this.current !== undefined) return this.current;
      const config: BrokerConfig = buildConfig({ overrides: this.settings(this.addresses) });
      const node = await ChronikNode.start({ config, logger: this.logger, ...(this.storage.memory ?? {}) });
      this.addresses.kafkaPort = node.kafkaAddress.port;
      this.current = node;
      return node;
    });
  }

  /**
   * Stops the node abruptly as far as its peers can tell: the node-to-node transport goes first, so
   * peers see the links drop at once and no leadership is handed over; then everything else is
   * closed so that no handle (and no LevelDB lock) outlives the node. Acknowledged data was synced
   * before it was acknowledged (wal.fsync), which is what a restart recovers from.
   */
  kill(): Promise<void> {
    return this.serialise(async () => {
      const node = this.current;
      if (node === undefined) return;
      this.current = undefined;
      await node.transport.close();
      await node.stop();
    });
  }

  /** Graceful stop (the same as `chronik start` on SIGTERM). */
  stop(): Promise<void> {
    return this.serialise(async () => {
      const node = this.current;
      this.current = undefined;
      await node?.stop();
    });
  }

  /** Start, kill and stop of one node never interleave. */
  private serialise<T>(action: () => Promise<T>): Promise<T> {
    const run = this.transition.then(action);
    this.transition = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }
}
