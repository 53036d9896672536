/**
 * The history checker, in the style of Jepsen's Kafka queue checker: given what producers were
 * told was written (acks=all), what a full read of every partition returned, what each replica's
 * committed log holds and what the group coordinator acknowledged, count every broken promise.
 * Pure: the runners gather the inputs, this only judges them.
 */

/** A write the broker acknowledged with acks=all. */
export interface AckedWrite {
  readonly producer: string;
  readonly seq: number;
  readonly topic: string;
  readonly partition: number;
  /** Offset the produce response reported, when the client exposes it per message. */
  readonly offset?: number;
}

/** One record of the final read (every partition from its start to its high watermark). */
export interface ReadRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly value: string;
}

/** An offset commit the group coordinator acknowledged, and the offset it holds at the end. */
export interface GroupOffsets {
  readonly acked: readonly { readonly topic: string; readonly partition: number; readonly offset: number }[];
  readonly final: ReadonlyMap<string, number>;
}

export interface ReplicaDivergence {
  readonly log: string;
  readonly node: number;
  readonly index: number;
  readonly detail: string;
}

export interface CheckInput {
  readonly acked: readonly AckedWrite[];
  readonly read: readonly ReadRecord[];
  readonly replicas?: readonly ReplicaDivergence[];
  readonly groups?: GroupOffsets;
}

export interface CheckReport {
  readonly acknowledged: number;
  readonly read: number;
  readonly lost: number;
  readonly duplicated: number;
  readonly reordered: number;
  /** Acknowledged at one offset, found at another. */
  readonly moved: number;
  readonly replicaDivergence: number;
  readonly offsetsBackwards: number;
  /** The first violations of each kind, readable. */
  readonly examples: readonly string[];
  readonly ok: boolean;
}

const MAX_EXAMPLES_PER_KIND = 5;

/** Values the workload writes: `chk|<producer>|<seq>|<padding>`. */
export function encodeValue(producer: string, seq: number, padBytes: number): string {
  return `chk|${producer}|${seq}|${'x'.repeat(padBytes)}`;
}

export function decodeValue(value: string): { producer: string; seq: number } | undefined {
  const parts = value.split('|', 4);
  if (parts.length < 3 || parts[0] !== 'chk') return undefined;
  const seq = Number(parts[2]);
  return Number.isSafeInteger(seq) ? { producer: parts[1] as string, seq } : undefined;
}

export function tpKey(topic: string, partition: number): string {
  return `${topic}/${partition}`;
}

export function checkHistory(input: CheckInput): CheckReport {
  const examples = new Examples();
  const seen = indexRead(input.read, examples);
  const lost = countLost(input.acked, seen.firstOffset, examples);
  const moved = countMoved(input.acked, seen.firstOffset, examples);
  const reordered = countReordered(seen.order, examples);
  const replicaDivergence = input.replicas?.length ?? 0;
  for (const d of (input.replicas ?? []).slice(0, MAX_EXAMPLES_PER_KIND)) {
    examples.add('diverged', `replica divergence: ${d.log} node ${d.node} index ${d.index}: ${d.detail}`);
  }
  const offsetsBackwards = input.groups === undefined ? 0 : countBackwards(input.groups, examples);
  const bad = lost + seen.duplicated + reordered + moved + replicaDivergence + offsetsBackwards;
  return {
    acknowledged: input.acked.length,
    read: input.read.length,
    lost,
    duplicated: seen.duplicated,
    reordered,
    moved,
    replicaDivergence,
    offsetsBackwards,
    examples: examples.list,
    ok: bad === 0,
  };
}

class Examples {
  readonly list: string[] = [];
  private readonly perKind = new Map<string, number>();
  add(kind: string, text: string): void {
    const n = this.perKind.get(kind) ?? 0;
    this.perKind.set(kind, n + 1);
    if (n < MAX_EXAMPLES_PER_KIND) this.list.push(text);
  }
}

interface ReadIndex {
  /** producer|seq → offset of its first copy. */
  readonly firstOffset: Map<string, { topic: string; partition: number; offset: number }>;
  /** topic/partition|producer → seqs in log order. */
  readonly order: Map<string, number[]>;
  readonly duplicated: number;
}

function indexRead(read: readonly ReadRecord[], examples: Examples): ReadIndex {
  const firstOffset = new Map<string, { topic: string; partition: number; offset: number }>();
  const order = new Map<string, number[]>();
  let duplicated = 0;
  const sorted = [...read].sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition || a.offset - b.offset));
  for (const r of sorted) {
    const v = decodeValue(r.value);
    if (v === undefined) continue;
    const id = `${v.producer}|${v.seq}`;
    const first = firstOffset.get(id);
    if (first !== undefined) {
      duplicated++;
      examples.add('dup', `duplicate: ${id} at ${tpKey(r.topic, r.partition)}@${r.offset}, first at ${tpKey(first.topic, first.partition)}@${first.offset}`);
      continue;
    }
    firstOffset.set(id, { topic: r.topic, partition: r.partition, offset: r.offset });
    const key = `${tpKey(r.topic, r.partition)}|${v.producer}`;
    const seqs = order.get(key) ?? [];
    seqs.push(v.seq);
    order.set(key, seqs);
  }
  return { firstOffset, order, duplicated };
}

function countLost(acked: readonly AckedWrite[], found: ReadIndex['firstOffset'], examples: Examples): number {
  let lost = 0;
  for (const w of acked) {
    if (found.has(`${w.producer}|${w.seq}`)) continue;
    lost++;
    examples.add('lost', `lost: ${w.producer}|${w.seq} acknowledged at ${tpKey(w.topic, w.partition)}@${w.offset ?? '?'}, not in the final read`);
  }
  return lost;
}

function countMoved(acked: readonly AckedWrite[], found: ReadIndex['firstOffset'], examples: Examples): number {
  let moved = 0;
  for (const w of acked) {
    const at = found.get(`${w.producer}|${w.seq}`);
    if (at === undefined || w.offset === undefined) continue;
    if (at.topic === w.topic && at.partition === w.partition && at.offset === w.offset) continue;
    moved++;
    examples.add('moved', `moved: ${w.producer}|${w.seq} acknowledged at ${tpKey(w.topic, w.partition)}@${w.offset}, read at ${tpKey(at.topic, at.partition)}@${at.offset}`);
  }
  return moved;
}

/** Within one producer's partition, sequence numbers must strictly increase in log order. */
function countReordered(order: ReadIndex['order'], examples: Examples): number {
  let reordered = 0;
  for (const [key, seqs] of order) {
    for (let i = 1; i < seqs.length; i++) {
      const prev = seqs[i - 1] as number;
      const cur = seqs[i] as number;
      if (cur > prev) continue;
      reordered++;
      examples.add('reorder', `reordered: ${key}: seq ${cur} follows seq ${prev}`);
    }
  }
  return reordered;
}

/** An acknowledged commit is durable: the group's final offset is never below the highest one acked. */
function countBackwards(groups: GroupOffsets, examples: Examples): number {
  const highest = new Map<string, number>();
  for (const c of groups.acked) {
    const key = tpKey(c.topic, c.partition);
    highest.set(key, Math.max(highest.get(key) ?? -1, c.offset));
  }
  let backwards = 0;
  for (const [key, offset] of highest) {
    const final = groups.final.get(key) ?? -1;
    if (final >= offset) continue;
    backwards++;
    examples.add('backwards', `group offset went backwards: ${key} commit of ${offset} was acknowledged, the group now holds ${final}`);
  }
  return backwards;
}

/** A readable multi-line summary for assertion messages and the soak output. */
export function formatReport(r: CheckReport): string {
  const head = `acknowledged=${r.acknowledged} read=${r.read} lost=${r.lost} duplicated=${r.duplicated} reordered=${r.reordered} moved=${r.moved} replicaDivergence=${r.replicaDivergence} offsetsBackwards=${r.offsetsBackwards}`;
  return r.examples.length === 0 ? head : `${head}\n  ${r.examples.join('\n  ')}`;
}
