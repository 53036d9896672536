/** Typed WAL errors. All surface to Kafka clients as KAFKA_STORAGE_ERROR, except `WalCompactedError`. */
import { ErrorCode, KafkaError, StorageError } from '../util/errors.js';

export interface CorruptionDetail {
  logId: string;
  segment: string;
  position: number;
  reason: string;
  expectedCrc?: number;
  actualCrc?: number;
  index?: number;
}

/** The segments hold something that is not a torn tail: the log refuses to open. */
export class WalCorruptionError extends StorageError {
  override readonly name = 'WalCorruptionError';
  readonly detail: CorruptionDetail;

  constructor(detail: CorruptionDetail) {
    const crc =
      detail.expectedCrc === undefined ? '' : ` expectedCrc=${detail.expectedCrc} actualCrc=${detail.actualCrc ?? 'n/a'}`;
    const index = detail.index === undefined ? '' : ` index=${detail.index}`;
    super(`WAL corruption in log ${detail.logId}, segment ${detail.segment} at byte ${detail.position}: ${detail.reason}${crc}${index}`);
    this.detail = detail;
  }
}

/** Entries below the log's first index were discarded by prefix deletion or a snapshot. */
export class WalCompactedError extends KafkaError {
  override readonly name = 'WalCompactedError';
  readonly firstIndex: number;

  constructor(requested: number, firstIndex: number) {
    super(ErrorCode.OFFSET_OUT_OF_RANGE, `entry ${requested} is compacted; log starts at ${firstIndex}`);
    this.firstIndex = firstIndex;
  }
}

/** A write or fsync failed earlier: the log no longer knows what is durable until it is reopened. */
export class WalFailedError extends StorageError {
  override readonly name = 'WalFailedError';
}

/** The store or log was closed. */
export class WalClosedError extends StorageError {
  override readonly name = 'WalClosedError';
}

/** The data directory was written by a newer format than this build understands. */
export class WalVersionError extends StorageError {
  override readonly name = 'WalVersionError';
  readonly foundVersion: number;
  readonly supportedVersion: number;

  constructor(where: string, foundVersion: number, supportedVersion: number) {
    super(
      `${where} has on-disk format version ${foundVersion}, newer than this build supports (${supportedVersion}); upgrade Chronik`,
    );
    this.foundVersion = foundVersion;
    this.supportedVersion = supportedVersion;
  }
}

/** Too many bytes are waiting for the log's next sync: the caller must wait for earlier appends. */
export class WalOverloadedError extends StorageError {
  override readonly name = 'WalOverloadedError';
}
