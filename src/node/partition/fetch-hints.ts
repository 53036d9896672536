/** How many read positions a partition remembers (a few consumers and followers of it). */
export const MAX_FETCH_HINTS = 32;

/**
 * Where the next fetch of a sequential reader starts: after serving batches up to offset N - 1,
 * the batch holding offset N is the first Kafka batch at or after the next entry index. A consumer
 * that continues where it stopped then skips the LevelDB seek of `findOffset`. Only committed
 * entries are remembered, and committed entries never move, so a hint stays true until retention
 * deletes its entry (callers check the log's first index). Bounded; the oldest hint goes first.
 */
export class FetchHints {
  private readonly byOffset = new Map<number, number>();

  constructor(private readonly maxHints = MAX_FETCH_HINTS) {}

  /** The entry index to read from for `offset`, if a previous read ended there. */
  get(offset: number): number | undefined {
    return this.byOffset.get(offset);
  }

  /** After serving batches that end at `nextOffset - 1`, whose last entry was `lastIndex`. */
  remember(nextOffset: number, lastIndex: number): void {
    this.byOffset.delete(nextOffset);
    if (this.byOffset.size >= this.maxHints) {
      const oldest = this.byOffset.keys().next();
      if (oldest.done !== true) this.byOffset.delete(oldest.value);
    }
    this.byOffset.set(nextOffset, lastIndex + 1);
  }

  /** The log was replaced (snapshot installed): entry indexes may mean other entries now. */
  clear(): void {
    this.byOffset.clear();
  }
}
