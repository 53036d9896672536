import type { ConfState, Entry, HardState, Message, ReadState, Snapshot, SoftState } from './types.js';

/**
 * What the driver must do next for one group, in this order:
 *
 * 1. Persist, in one write (fsync'd when `mustSync`): `snapshot` (if any; it replaces the log up to
 *    its index), then `entries` (first deleting any stored entries with index >= entries[0].index),
 *    then `hardState` and `confState` (if present). A crash before the fsync must lose all or a
 *    prefix of these entries, never leave a gap.
 *    `messagesBeforePersist` may be sent at any point, even before or during this step: they are a
 *    leader's replication messages, and the leader only counts its own copy once durable (§10.2.1).
 * 2. Send `messages`, only after step 1 is durable: they include votes and acknowledgements, which
 *    promise durability (a follower must never acknowledge what it could lose).
 * 3. Apply: install `snapshot` into the state machine (if any), then apply `committedEntries` in
 *    order; answer `readStates` once the state machine has applied up to each one's index.
 * 4. Call `advance(ready)`.
 *
 * `softState` (leader, role, term), when present, changed since the previous Ready: emit the
 * leadership event `(group, term, leaderId)`.
 */
export interface Ready {
  softState: SoftState | undefined;
  hardState: HardState | undefined;
  confState: ConfState | undefined;
  snapshot: Snapshot | undefined;
  /**
   * Whether the write needs an fsync: true when there are entries or a snapshot, or the term, vote
   * or membership changed. A change of only the commit index may be written without one: after a
   * crash the commit index is learnt again from the leader.
   */
  mustSync: boolean;
  entries: Entry[];
  messagesBeforePersist: Message[];
  messages: Message[];
  committedEntries: Entry[];
  readStates: ReadState[];
}
