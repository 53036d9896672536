/** A log entry. `data` may be a view into a larger buffer: copy it if you keep it for long. */
export interface Entry {
  index: number;
  term: number;
  /** 0 normal (a Raft no-op is empty), 1 Raft config change, 2 Kafka record batch (magic 2). */
  type: number;
  data: Uint8Array;
}

export const EntryType = { NORMAL: 0, CONF_CHANGE: 1, KAFKA_BATCH: 2 } as const;

export interface HardState {
  term: number;
  /** 0 = voted for nobody. */
  vote: number;
  commit: number;
}

export interface Snapshot {
  index: number;
  term: number;
  data: Uint8Array;
  /** Partition logs: the next Kafka offset after the snapshot. */
  nextOffset?: number;
}

export interface SegmentInfo {
  baseIndex: number;
  lastIndex: number;
  sizeBytes: number;
  file: string;
}
