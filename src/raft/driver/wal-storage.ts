import type { ConfState, Entry, InitialState, Snapshot, Storage } from '../core/index.js';
import type { WalLog } from '../../wal/index.js';
import type { EntryCache } from './entry-cache.js';
import { encodeEnvelope } from './envelope.js';

const EMPTY = new Uint8Array(0);

/**
 * The core's synchronous Storage over one WalLog. Terms and the index range are in memory in the
 * WAL; recent entries come from the cache; older ones are positional reads (readSync).
 *
 * The snapshot: a 'raft' group's is the last one stored (taken locally or installed from the
 * leader) and prefix deletion never passes it. A partition group's is made on demand at
 * firstIndex - 1 (retention may delete any prefix): it carries the log start offset, the Kafka
 * "next offset" a follower resumes from, and the state machine's small image.
 */
export class WalStorage implements Storage {
  /** The stored snapshot ('raft' groups), data being the driver's envelope. */
  stored: Snapshot | undefined;

  constructor(
    private readonly log: WalLog,
    private readonly kind: 'raft' | 'partition',
    private readonly cache: EntryCache,
    private readonly conf: () => ConfState,
    private readonly image: () => Uint8Array | undefined,
  ) {}

  initialState(): InitialState {
    const hs = this.log.hardState;
    // Entries and hard state are written concurrently, so after a crash the saved commit may exceed
    // the durable log; the commit index is only a lower bound of the group's, so clamping is safe.
    return { hardState: { ...hs, commit: Math.min(hs.commit, this.lastIndex()) }, confState: this.conf() };
  }

  entries(lo: number, hi: number, maxBytes: number): Entry[] {
    return this.cache.get(lo, hi, maxBytes) ?? this.log.readSync(lo, hi, maxBytes);
  }

  term(i: number): number | undefined {
    if (i === 0) return 0;
    if (i < this.log.firstIndex - 1 || i > this.log.lastIndex) return undefined;
    if (this.stored !== undefined && i === this.stored.metadata.index) return this.stored.metadata.term;
    return this.log.termAt(i);
  }

  firstIndex(): number {
    return this.log.firstIndex;
  }

  lastIndex(): number {
    return this.log.lastIndex;
  }

  snapshot(): Snapshot {
    const index = this.log.firstIndex - 1;
    if (this.kind === 'raft' || index === 0) {
      const s = this.stored;
      if (s !== undefined && s.metadata.index >= index) return s;
      return { metadata: { index: 0, term: 0, confState: this.conf() }, data: EMPTY };
    }
    const data = encodeEnvelope({ nextOffset: this.log.logStartOffset, image: this.image() ?? EMPTY });
    return { metadata: { index, term: this.log.termAt(index), confState: this.conf() }, data };
  }
}
