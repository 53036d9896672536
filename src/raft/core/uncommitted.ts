/**
 * Bytes the leader accepted but has not committed, so proposals can be refused when followers
 * cannot keep up (bounded memory instead of an ever-growing unstable log).
 */
export class UncommittedTracker {
  private indexes: number[] = [];
  private sizes: number[] = [];
  private head = 0;
  bytes = 0;

  add(index: number, bytes: number): void {
    this.indexes.push(index);
    this.sizes.push(bytes);
    this.bytes += bytes;
  }

  commitTo(index: number): void {
    while (this.head < this.indexes.length && (this.indexes[this.head] ?? 0) <= index) {
      this.bytes -= this.sizes[this.head] ?? 0;
      this.head++;
    }
    // Compact now and then so the arrays do not grow without bound.
    if (this.head > 1024 && this.head * 2 > this.indexes.length) {
      this.indexes = this.indexes.slice(this.head);
      this.sizes = this.sizes.slice(this.head);
      this.head = 0;
    }
  }

  reset(): void {
    this.indexes = [];
    this.sizes = [];
    this.head = 0;
    this.bytes = 0;
  }
}
