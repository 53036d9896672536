import { GroupCoordinator, decodeGroupRecord, encodeGroupRecord, systemClock, systemScheduler, type GroupLog, type GroupRecord } from '../kafka/groups/index.js';
import type { BrokerConfig } from '../config/index.js';
import { NO_LEADER, topicByName, type TopicImage } from '../state/index.js';
import { ErrorCode, KafkaError, NotLeaderError } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import { EntryType } from '../wal/index.js';
import type { MetaService } from './meta-service.js';
import type { PartitionManager } from './partition/manager.js';
import type { PartitionReplica } from './partition/replica.js';

export const OFFSETS_TOPIC = '__consumer_offsets';
const LOAD_CHUNK_BYTES = 4 * 1024 * 1024;
const MAX_RECORDS_PER_ENTRY = 100_000;

export interface GroupServiceOptions {
  readonly config: BrokerConfig;
  readonly meta: MetaService;
  readonly partitions: PartitionManager;
  readonly logger: Logger;
}

/**
 * Consumer groups on top of the `__consumer_offsets` topic. Each of its partitions is a Raft group;
 * the coordinator of a consumer group is the leader of the group's partition. The coordinator's
 * records are appended as entries of that partition's log (committed = durable on a majority),
 * and replayed when this node starts leading the partition.
 */
export class GroupService {
  readonly coordinator: GroupCoordinator;
  private readonly log: Logger;
  private creating: Promise<unknown> | undefined;

  constructor(private readonly opts: GroupServiceOptions) {
    this.log = opts.logger.child({ module: 'groups' });
    const config = opts.config;
    this.coordinator = new GroupCoordinator({
      log: this.groupLog(),
      clock: systemClock(),
      scheduler: systemScheduler(),
      logger: opts.logger,
      config: {
        numPartitions: config.offsetsTopicPartitions,
        initialRebalanceDelayMs: config.groupInitialRebalanceDelayMs,
        minSessionTimeoutMs: config.groupMinSessionTimeoutMs,
        maxSessionTimeoutMs: config.groupMaxSessionTimeoutMs,
      },
    });
    opts.partitions.onServing((replica, serving) => this.onServing(replica, serving));
  }

  /** The `__consumer_offsets` topic, created on first use (as Kafka does) and waited on, bounded. */
  async offsetsTopic(timeoutMs: number): Promise<TopicImage> {
    const existing = topicByName(this.opts.meta.image, OFFSETS_TOPIC);
    if (existing !== undefined) return existing;
    this.creating ??= this.createOffsetsTopic(timeoutMs).finally(() => (this.creating = undefined));
    await this.creating;
    const [topic] = await this.opts.meta.state.waiters.waitForLeaders([OFFSETS_TOPIC], timeoutMs);
    if (topic === undefined) throw new KafkaError(ErrorCode.COORDINATOR_NOT_AVAILABLE, `${OFFSETS_TOPIC} is not available`);
    return topic;
  }

  /** The broker that coordinates `groupId`, or a Kafka error code when there is none right now. */
  async coordinatorFor(groupId: string, timeoutMs: number): Promise<number> {
    const topic = await this.offsetsTopic(timeoutMs);
    const partition = topic.partitions[this.coordinator.partitionFor(groupId)];
    if (partition === undefined || partition.leader === NO_LEADER) {
      throw new KafkaError(ErrorCode.COORDINATOR_NOT_AVAILABLE, `no leader for the coordinator partition of ${groupId}`);
    }
    return partition.leader;
  }

  close(): void {
    this.coordinator.stop();
  }

  private async createOffsetsTopic(timeoutMs: number): Promise<void> {
    const config = this.opts.config;
    const brokers = this.opts.meta.image.brokers.size;
    const outcome = await this.opts.meta.execute(
      {
        type: 'CreateTopics',
        validateOnly: false,
        topics: [
          {
            name: OFFSETS_TOPIC,
            numPartitions: config.offsetsTopicPartitions,
            replicationFactor: Math.max(1, Math.min(config.offsetsTopicReplicationFactor, brokers)),
            configs: { 'cleanup.policy': 'compact' },
            internal: true,
          },
        ],
      },
      timeoutMs,
    );
    const result = outcome.results[0];
    if (result !== undefined && result.errorCode !== ErrorCode.NONE && result.errorCode !== ErrorCode.TOPIC_ALREADY_EXISTS) {
      throw new KafkaError(ErrorCode.COORDINATOR_NOT_AVAILABLE, `cannot create ${OFFSETS_TOPIC}: ${result.errorMessage ?? result.errorCode}`);
    }
  }

  private groupLog(): GroupLog {
    return {
      append: async (partition: number, records: readonly GroupRecord[]) => {
        const replica = this.opts.partitions.replica(OFFSETS_TOPIC, partition);
        if (replica === undefined) throw new NotLeaderError(`${OFFSETS_TOPIC}-${partition} is not hosted here`, undefined);
        replica.requireLeader();
        const { committed } = replica.opts.raft.propose(replica.opts.groupId, encodeRecords(records), EntryType.NORMAL);
        await committed;
      },
    };
  }

  private onServing(replica: PartitionReplica, serving: boolean): void {
    if (replica.opts.topic !== OFFSETS_TOPIC) return;
    const partition = replica.opts.partition;
    if (!serving) {
      this.coordinator.unloadPartition(partition);
      return;
    }
    this.coordinator.loadPartition(partition, readRecords(replica)).catch((err: unknown) => {
      this.log.error({ err, partition }, 'loading group partition failed');
      this.coordinator.unloadPartition(partition);
    });
  }
}

/** One Raft entry carries one append's records: count u32, then (length u32, record) each. */
export function encodeRecords(records: readonly GroupRecord[]): Buffer {
  const parts: Buffer[] = [Buffer.alloc(4)];
  (parts[0] as Buffer).writeUInt32BE(records.length);
  for (const record of records) {
    const bytes = encodeGroupRecord(record);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.byteLength);
    parts.push(length, bytes);
  }
  return Buffer.concat(parts);
}

export function decodeRecords(data: Uint8Array): GroupRecord[] {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (buf.byteLength < 4) throw new KafkaError(ErrorCode.CORRUPT_MESSAGE, 'group records entry shorter than its count');
  const count = buf.readUInt32BE(0);
  if (count > MAX_RECORDS_PER_ENTRY) throw new KafkaError(ErrorCode.CORRUPT_MESSAGE, `group records entry claims ${count} records`);
  const records: GroupRecord[] = [];
  let pos = 4;
  for (let i = 0; i < count; i++) {
    if (pos + 4 > buf.byteLength) throw new KafkaError(ErrorCode.CORRUPT_MESSAGE, 'group records entry truncated');
    const length = buf.readUInt32BE(pos);
    if (pos + 4 + length > buf.byteLength) throw new KafkaError(ErrorCode.CORRUPT_MESSAGE, 'group record overruns its entry');
    records.push(decodeGroupRecord(buf.subarray(pos + 4, pos + 4 + length)));
    pos += 4 + length;
  }
  return records;
}

/** Every committed group record of a partition's log, oldest first. */
async function* readRecords(replica: PartitionReplica): AsyncGenerator<GroupRecord> {
  const log = replica.wal;
  const last = replica.appliedEntryIndex;
  let next = log.firstIndex;
  while (next <= last) {
    const entries = await log.read(next, last + 1, LOAD_CHUNK_BYTES);
    for (const entry of entries) {
      if (entry.type === EntryType.NORMAL && entry.data.byteLength > 0) yield* decodeRecords(entry.data);
    }
    const tail = entries.at(-1);
    if (tail === undefined) break;
    next = tail.index + 1;
  }
}
