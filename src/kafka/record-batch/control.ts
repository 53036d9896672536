import { buildRecordBatch } from './build.js';
import { CorruptRecordBatchError } from './errors.js';

/** Transaction markers, the control records Kafka defines (type 0 abort, 1 commit). */
export type ControlType = 'abort' | 'commit';

export interface ControlBatchOptions {
  readonly type: ControlType;
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly coordinatorEpoch: number;
  readonly timestamp: number;
  readonly baseOffset?: number;
  readonly partitionLeaderEpoch?: number;
}

const CONTROL_TYPES: Readonly<Record<ControlType, number>> = { abort: 0, commit: 1 };

/** A transactional control batch holding one end-transaction marker. */
export function buildControlBatch(o: ControlBatchOptions): Buffer {
  const key = Buffer.alloc(4);
  key.writeInt16BE(0, 0); // control record key version
  key.writeInt16BE(CONTROL_TYPES[o.type], 2);
  const value = Buffer.alloc(6);
  value.writeInt16BE(0, 0); // end-transaction marker version
  value.writeInt32BE(o.coordinatorEpoch, 2);
  return buildRecordBatch({
    records: [{ key, value, timestamp: o.timestamp }],
    isControl: true,
    isTransactional: true,
    producerId: o.producerId,
    producerEpoch: o.producerEpoch,
    ...(o.baseOffset === undefined ? {} : { baseOffset: o.baseOffset }),
    ...(o.partitionLeaderEpoch === undefined ? {} : { partitionLeaderEpoch: o.partitionLeaderEpoch }),
  });
}

/** Reads a control record's key: its type (abort/commit, or the raw number if unknown). */
export function controlRecordType(key: Buffer | null): ControlType | number {
  if (key === null || key.length < 4) throw new CorruptRecordBatchError('control record key shorter than 4 bytes');
  const type = key.readInt16BE(2);
  if (type === 0) return 'abort';
  if (type === 1) return 'commit';
  return type;
}
