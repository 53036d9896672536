import type { GroupRecord } from './records.js';
import { decodeGroupRecord, encodeGroupRecord } from './records.js';

/**
 * Where the coordinator makes group state durable. The node backs it by the __consumer_offsets
 * partition (a Raft group): append resolves once the records are committed, and rejects (ideally
 * with a KafkaError such as NotLeaderError) when they cannot be. Appends to one partition must
 * commit in call order, as a replicated log does.
 */
export interface GroupLog {
  append(partition: number, records: readonly GroupRecord[]): Promise<void>;
}

/**
 * A GroupLog in memory: records are kept encoded (so every append exercises the codec) per
 * partition. For tests and single-process tools; `failAppends` injects append failures.
 */
export class InMemoryGroupLog implements GroupLog {
  readonly #partitions = new Map<number, Buffer[]>();
  #failure: Error | null = null;

  async append(partition: number, records: readonly GroupRecord[]): Promise<void> {
    if (this.#failure !== null) throw this.#failure;
    const entries = this.#partitions.get(partition) ?? [];
    for (const record of records) entries.push(encodeGroupRecord(record));
    this.#partitions.set(partition, entries);
  }

  /** Makes every append reject with `error` until called again with null. */
  failAppends(error: Error | null): void {
    this.#failure = error;
  }

  records(partition: number): GroupRecord[] {
    return (this.#partitions.get(partition) ?? []).map((bytes) => decodeGroupRecord(bytes));
  }

  partitions(): number[] {
    return [...this.#partitions.keys()].sort((a, b) => a - b);
  }
}
