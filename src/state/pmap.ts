/**
 * A persistent (immutable) hash map: a hash array mapped trie with 32-way branching.
 *
 * Why not a plain `Map`: the metadata image is replaced on every committed event, and copying a
 * `Map` of every topic to create or update one topic is O(topics) per event. Here `set` and
 * `delete` copy only the O(log32 n) nodes on the path to the key and share everything else, so an
 * old image stays valid and cheap to keep (waiters, snapshots, readers mid-request).
 */

type Key = string | number;

interface Leaf<K, V> {
  readonly kind: 'leaf';
  readonly hash: number;
  readonly key: K;
  readonly value: V;
}

/** Keys whose 32-bit hashes are fully equal (rare) share one bucket. */
interface Collision<K, V> {
  readonly kind: 'collision';
  readonly hash: number;
  readonly entries: readonly Leaf<K, V>[];
}

interface Branch<K, V> {
  readonly kind: 'branch';
  readonly bitmap: number;
  readonly children: readonly TrieNode<K, V>[];
}

type TrieNode<K, V> = Leaf<K, V> | Collision<K, V> | Branch<K, V>;

const BITS = 5;
const MASK = 31;

/** FNV-1a over the UTF-16 code units of the key's string form. */
function hashKey(key: Key): number {
  const s = typeof key === 'number' ? `#${key}` : key;
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function popcount(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

function slot(hash: number, shift: number): number {
  return (hash >>> shift) & MASK;
}

function withChild<K, V>(children: readonly TrieNode<K, V>[], i: number, child: TrieNode<K, V>): TrieNode<K, V>[] {
  const copy = children.slice();
  copy[i] = child;
  return copy;
}

/** Joins two nodes with different full hashes under the branch(es) where their hashes diverge. */
function merge<K, V>(a: Leaf<K, V> | Collision<K, V>, b: Leaf<K, V>, shift: number): Branch<K, V> {
  const ia = slot(a.hash, shift);
  const ib = slot(b.hash, shift);
  if (ia === ib) return { kind: 'branch', bitmap: 1 << ia, children: [merge(a, b, shift + BITS)] };
  const children = ia < ib ? [a, b] : [b, a];
  return { kind: 'branch', bitmap: (1 << ia) | (1 << ib), children };
}

function setIn<K extends Key, V>(node: TrieNode<K, V>, shift: number, leaf: Leaf<K, V>): TrieNode<K, V> {
  if (node.kind === 'leaf') {
    if (node.key === leaf.key) return node.value === leaf.value ? node : leaf;
    if (node.hash === leaf.hash) return { kind: 'collision', hash: leaf.hash, entries: [node, leaf] };
    return merge(node, leaf, shift);
  }
  if (node.kind === 'collision') {
    if (node.hash !== leaf.hash) return merge(node, leaf, shift);
    const i = node.entries.findIndex((e) => e.key === leaf.key);
    if (i < 0) return { ...node, entries: [...node.entries, leaf] };
    if (node.entries[i]?.value === leaf.value) return node;
    return { ...node, entries: node.entries.map((e, j) => (j === i ? leaf : e)) };
  }
  const bit = 1 << slot(leaf.hash, shift);
  const i = popcount(node.bitmap & (bit - 1));
  const existing = (node.bitmap & bit) !== 0 ? node.children[i] : undefined;
  if (existing === undefined) {
    const children = [...node.children.slice(0, i), leaf, ...node.children.slice(i)];
    return { kind: 'branch', bitmap: node.bitmap | bit, children };
  }
  const child = setIn(existing, shift + BITS, leaf);
  return child === existing ? node : { ...node, children: withChild(node.children, i, child) };
}

/** Returns the node without the key: the same node when absent, undefined when it became empty. */
function deleteIn<K extends Key, V>(
  node: TrieNode<K, V>,
  shift: number,
  hash: number,
  key: K,
): TrieNode<K, V> | undefined {
  if (node.kind === 'leaf') return node.key === key ? undefined : node;
  if (node.kind === 'collision') {
    if (node.hash !== hash || !node.entries.some((e) => e.key === key)) return node;
    const rest = node.entries.filter((e) => e.key !== key);
    return rest.length === 1 ? rest[0] : { ...node, entries: rest };
  }
  const bit = 1 << slot(hash, shift);
  if ((node.bitmap & bit) === 0) return node;
  const i = popcount(node.bitmap & (bit - 1));
  const existing = node.children[i];
  if (existing === undefined) return node;
  const child = deleteIn(existing, shift + BITS, hash, key);
  if (child === existing) return node;
  return replaceChild(node, bit, i, child);
}

function replaceChild<K, V>(
  node: Branch<K, V>,
  bit: number,
  i: number,
  child: TrieNode<K, V> | undefined,
): TrieNode<K, V> | undefined {
  if (child === undefined) {
    if (node.children.length === 1) return undefined;
    const children = node.children.filter((_, j) => j !== i);
    const only = children[0];
    // A lone leaf can move up: its position is still determined by its hash prefix.
    if (children.length === 1 && only !== undefined && only.kind !== 'branch') return only;
    return { kind: 'branch', bitmap: node.bitmap & ~bit, children };
  }
  if (node.children.length === 1 && child.kind !== 'branch') return child;
  return { ...node, children: withChild(node.children, i, child) };
}

function getIn<K extends Key, V>(root: TrieNode<K, V> | undefined, hash: number, key: K): V | undefined {
  let node = root;
  let shift = 0;
  while (node !== undefined) {
    if (node.kind === 'leaf') return node.key === key ? node.value : undefined;
    if (node.kind === 'collision') return node.entries.find((e) => e.key === key)?.value;
    const bit = 1 << slot(hash, shift);
    if ((node.bitmap & bit) === 0) return undefined;
    node = node.children[popcount(node.bitmap & (bit - 1))];
    shift += BITS;
  }
  return undefined;
}

/** Collects the leaves depth-first with an explicit stack (nested generators are slow). */
function leaves<K, V>(root: TrieNode<K, V> | undefined): Leaf<K, V>[] {
  const out: Leaf<K, V>[] = [];
  const stack: TrieNode<K, V>[] = root === undefined ? [] : [root];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    if (node.kind === 'leaf') out.push(node);
    else if (node.kind === 'collision') out.push(...node.entries);
    else {
      // Pushed in reverse so that children pop in slot order.
      for (let i = node.children.length - 1; i >= 0; i--) {
        const child = node.children[i];
        if (child !== undefined) stack.push(child);
      }
    }
  }
  return out;
}

export class PMap<K extends Key, V> {
  private constructor(
    private readonly root: TrieNode<K, V> | undefined,
    readonly size: number,
  ) {
    Object.freeze(this);
  }

  static empty<K extends Key, V>(): PMap<K, V> {
    return new PMap<K, V>(undefined, 0);
  }

  static from<K extends Key, V>(entries: Iterable<readonly [K, V]>): PMap<K, V> {
    let map = PMap.empty<K, V>();
    for (const [k, v] of entries) map = map.set(k, v);
    return map;
  }

  get(key: K): V | undefined {
    return getIn(this.root, hashKey(key), key);
  }

  has(key: K): boolean {
    return this.get(key) !== undefined;
  }

  set(key: K, value: V): PMap<K, V> {
    const leaf: Leaf<K, V> = { kind: 'leaf', hash: hashKey(key), key, value };
    if (this.root === undefined) return new PMap(leaf, 1);
    const had = getIn(this.root, leaf.hash, key) !== undefined;
    const root = setIn(this.root, 0, leaf);
    return root === this.root ? this : new PMap(root, had ? this.size : this.size + 1);
  }

  delete(key: K): PMap<K, V> {
    if (this.root === undefined) return this;
    const root = deleteIn(this.root, 0, hashKey(key), key);
    return root === this.root ? this : new PMap(root, this.size - 1);
  }

  /** Entries in trie order (not sorted, not insertion order; sort when order matters). O(n). */
  entries(): (readonly [K, V])[] {
    return leaves(this.root).map((leaf) => [leaf.key, leaf.value] as const);
  }

  values(): V[] {
    return leaves(this.root).map((leaf) => leaf.value);
  }

  keys(): K[] {
    return leaves(this.root).map((leaf) => leaf.key);
  }
}
