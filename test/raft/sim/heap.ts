/** A binary min-heap of events ordered by (time, seq): seq breaks ties deterministically. */
export interface Timed {
  time: number;
  seq: number;
}

export class EventHeap<T extends Timed> {
  private readonly items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  push(item: T): void {
    const a = this.items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pi = a[p];
      const ii = a[i];
      if (pi === undefined || ii === undefined || !less(ii, pi)) break;
      a[p] = ii;
      a[i] = pi;
      i = p;
    }
  }

  pop(): T | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (top === undefined || last === undefined || a.length === 0) return top;
    a[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      const am = (): T => a[m] as T;
      if (l < a.length && less(a[l] as T, am())) m = l;
      if (r < a.length && less(a[r] as T, am())) m = r;
      if (m === i) break;
      const tmp = a[i] as T;
      a[i] = a[m] as T;
      a[m] = tmp;
      i = m;
    }
    return top;
  }
}

function less(a: Timed, b: Timed): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}
