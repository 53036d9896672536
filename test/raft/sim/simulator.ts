import { concatBuffers, decodeMessage, encodeMessage } from '../../../src/raft/core/codec.js';
import { ConfChangeType } from '../../../src/raft/core/conf-change.js';
import { MemoryStorage } from '../../../src/raft/core/memory-storage.js';
import { SeededRandom } from '../../../src/raft/core/random.js';
import { RawNode } from '../../../src/raft/core/raw-node.js';
import type { Ready } from '../../../src/raft/core/ready.js';
import { Role, type HardState, type Message } from '../../../src/raft/core/types.js';
import { HashMachine, persistReady } from '../core/harness.js';
import { Checker, SimFailure } from './checker.js';
import { EventHeap } from './heap.js';

export interface SimOptions {
  seed: number;
  nodes: number;
  /** Virtual milliseconds of faults, then everything heals and liveness is required. */
  chaosMs: number;
  /** Bound on the time to elect a leader and commit a proposal everywhere after healing. */
  livenessMs: number;
  dropRate: number;
  dupRate: number;
  maxDelayMs: number;
  partitions: boolean;
  crashes: boolean;
  /** Probability that a crash happens in the middle of a Ready's write (torn, unsynced). */
  tornWriteRate: number;
  compaction: boolean;
  membership: boolean;
  /** 0: a Ready is written synchronously; else its fsync takes up to this long (virtual ms). */
  diskDelayMs: number;
  /** Extra nodes that start with an empty configuration (candidates for joining). */
  spares: number;
  /** Entry bytes per append; small values split the log into many messages (more interleavings). */
  maxSizePerMsg: number;
  /**
   * The driver's failure detector: a crash is reported to the nodes still connected to the victim
   * (RawNode.peerDown) a few ms later, and now and then a live peer is reported down wrongly.
   */
  peerDown: boolean;
  /**
   * Quiescence (docs/raft-driver.md): idle groups go quiet. The transport's keepalive then stands
   * in for heartbeats: a link silent for `keepaliveMs` (a partition) is reported down at both ends.
   */
  quiesce: boolean;
  /** The core's commitNotices (config.ts): off, followers learn commits from appends and heartbeats only. */
  commitNotices: boolean;
  keepaliveMs: number;
  trace: boolean;
}

export interface SimResult {
  events: number;
  elections: number;
  applies: number;
  crashes: number;
  maxApplied: number;
  /** Times a leader quiesced. */
  quiesces: number;
}

const TICK_MS = 10;
const TEXT = new TextEncoder();
const UNTEXT = new TextDecoder();

type SimEvent =
  | { time: number; seq: number; kind: 'tick'; node: number }
  | { time: number; seq: number; kind: 'deliver'; msg: Uint8Array }
  | { time: number; seq: number; kind: 'chaos' | 'client' }
  | { time: number; seq: number; kind: 'restart'; node: number }
  | { time: number; seq: number; kind: 'peer-down'; node: number; peer: number }
  | { time: number; seq: number; kind: 'link-timeout'; from: number; to: number; epoch: number }
  | { time: number; seq: number; kind: 'persisted'; node: number; incarnation: number };

class SimNode {
  raw: RawNode | undefined;
  sm = new HashMachine();
  incarnation = 0;
  /** The Ready whose write is in progress (asynchronous disk), if any. */
  writing: Ready | undefined = undefined;
  writingAsLeader = false;
  /** The hard state as of the last fsync'd write. */
  syncedHard: HardState | undefined = undefined;
  /** The commit index last persisted (to see it advance). */
  commit = 0;
  /** ReadIndex requests in flight: context -> the highest index applied anywhere when issued. */
  reads = new Map<string, number>();

  constructor(
    readonly id: number,
    readonly storage: MemoryStorage,
  ) {}
}

/** One seeded run: N real Raft cores over a simulated network and disk with a virtual clock. */
export class Simulator {
  private readonly rng: SeededRandom;
  private readonly heap = new EventHeap<SimEvent>();
  private readonly nodes: SimNode[] = [];
  private readonly blocked = new Set<number>();
  private readonly checker: Checker = new Checker();
  private seq = 0;
  private now = 0;
  private events = 0;
  private crashes = 0;
  private proposals = 0;
  private healed = false;
  private quiesces = 0;
  /** Bumped by every new partition shape: a link timeout only fires if its cut still stands. */
  private partitionEpoch = 0;
  private readonly trace: string[] = [];

  constructor(private readonly o: SimOptions) {
    this.rng = new SeededRandom(o.seed);
    const ids = Array.from({ length: o.nodes }, (_, i) => i + 1);
    // Spare nodes start empty, knowing no members: they join only through membership changes.
    const spares = Array.from({ length: o.spares }, (_, i) => o.nodes + i + 1);
    for (const id of [...ids, ...spares]) {
      const conf = spares.includes(id) ? { voters: [], learners: [] } : { voters: ids, learners: [] };
      const n = new SimNode(id, new MemoryStorage(conf));
      this.nodes.push(n);
      this.boot(n);
      this.schedule(this.rng.nextInt(TICK_MS), { kind: 'tick', node: id });
    }
    this.schedule(50, { kind: 'chaos' });
    this.schedule(20, { kind: 'client' });
    // A new group: its designated leader campaigns at once.
    if (this.rng.nextInt(2) === 0) this.nodes[0]?.raw?.campaign();
  }

  run(): SimResult {
    try {
      this.loop();
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      const tail = this.trace.slice(-60).join('\n');
      throw new SimFailure(
        `seed ${this.o.seed} failed at t=${this.now}ms: ${why}\n` +
          `replay: SIM_SEED=${this.o.seed} SIM_TRACE=1 npx vitest run test/raft/sim\n${tail}`,
        { cause: err },
      );
    }
    return {
      events: this.events,
      elections: this.checker.elections,
      applies: this.checker.applies,
      crashes: this.crashes,
      maxApplied: this.checker.maxApplied,
      quiesces: this.quiesces,
    };
  }

  private loop(): void {
    const end = this.o.chaosMs + this.o.livenessMs;
    let finalText: string | undefined;
    let nextFinal = this.o.chaosMs;
    let committedFinal = false;
    for (;;) {
      const ev = this.heap.pop();
      if (ev === undefined) this.checker.fail('event queue empty');
      this.now = ev.time;
      if (this.now >= this.o.chaosMs && !this.healed) this.heal();
      if (this.healed && !committedFinal && this.now >= nextFinal) {
        finalText = this.proposeFinal(finalText);
        nextFinal = this.now + 50;
        committedFinal = finalText !== undefined && this.allApplied(finalText);
      }
      // Then, with quiescence, the idle group must go quiet on every member (and stay correct).
      if (committedFinal && (!this.o.quiesce || this.allQuiet())) break;
      if (this.now > end) {
        const what = committedFinal ? 'the idle group did not quiesce' : 'no leader committed a proposal';
        this.checker.fail(`liveness: ${what} within ${this.o.livenessMs}ms after healing; ${this.describeNodes()}`);
      }
      this.events++;
      this.handle(ev);
      if (this.events % 2000 === 0) this.checkLogs();
    }
    this.checkLogs();
    const leader = this.leader();
    if (leader !== undefined) this.checker.checkLeaderCompleteness(leader.id, leader.storage);
  }

  private handle(ev: SimEvent): void {
    switch (ev.kind) {
      case 'tick': {
        const n = this.node(ev.node);
        const wasQuiet = n.raw?.quiesced ?? true;
        n.raw?.tick();
        if (!wasQuiet && n.raw?.quiesced === true) this.quiesces++;
        this.drive(n);
        this.schedule(TICK_MS, { kind: 'tick', node: ev.node });
        return;
      }
      case 'deliver':
        this.deliver(decodeMessage(ev.msg));
        return;
      case 'chaos':
        if (!this.healed) this.chaos();
        this.schedule(50 + this.rng.nextInt(100), { kind: 'chaos' });
        return;
      case 'client':
        if (!this.healed) this.client();
        this.schedule(10 + this.rng.nextInt(30), { kind: 'client' });
        return;
      case 'restart':
        this.restart(this.node(ev.node));
        return;
      case 'peer-down': {
        const n = this.node(ev.node);
        if (n.raw === undefined) return;
        this.log(`n${n.id} told n${ev.peer} is down`);
        n.raw.peerDown(ev.peer);
        this.drive(n);
        return;
      }
      case 'persisted':
        this.onPersisted(this.node(ev.node), ev.incarnation);
        return;
      case 'link-timeout':
        this.linkTimeout(ev.from, ev.to, ev.epoch);
        return;
    }
  }

  // ---- the driver: carries out Readies in the documented order ----

  private drive(n: SimNode): void {
    for (let i = 0; i < 64; i++) {
      const raw = n.raw;
      if (raw === undefined || n.writing !== undefined || !raw.hasReady()) return;
      const rd = raw.ready();
      // The role when the Ready was taken (its hard state is from that moment).
      const leader = raw.status().role === Role.LEADER;
      if (rd.softState !== undefined) this.onSoftState(n, rd);
      this.sendAll(rd.messagesBeforePersist);
      if (this.o.crashes && !this.healed && this.rng.next() < this.o.tornWriteRate && hasWrite(rd)) {
        this.tornWrite(n, rd);
        this.crash(n, 'crash during write (torn)');
        return;
      }
      if (this.o.diskDelayMs > 0 && hasWrite(rd)) {
        // The fsync takes time; meanwhile messages keep being stepped into the node.
        n.writing = rd;
        n.writingAsLeader = leader;
        this.schedule(1 + this.rng.nextInt(this.o.diskDelayMs), { kind: 'persisted', node: n.id, incarnation: n.incarnation });
        return;
      }
      this.finishReady(n, raw, rd, leader);
    }
    this.checker.fail(`node ${n.id} did not run out of Readies`);
  }

  private onPersisted(n: SimNode, incarnation: number): void {
    const rd = n.writing;
    const raw = n.raw;
    if (incarnation !== n.incarnation || rd === undefined || raw === undefined) return;
    n.writing = undefined;
    this.finishReady(n, raw, rd, n.writingAsLeader);
    this.drive(n);
  }

  /** Steps 3-6 of the Ready contract: persist, send, apply, advance. */
  private finishReady(n: SimNode, raw: RawNode, rd: Ready, leader: boolean): void {
    persistReady(n.storage, rd);
    // A write without fsync (commit-only) stays in the page cache: a crash may lose it.
    if (rd.mustSync) n.syncedHard = n.storage.initialState().hardState;
    if (rd.softState?.role === Role.LEADER) this.checker.checkLeaderCompleteness(n.id, n.storage);
    if (rd.hardState !== undefined) {
      const c = rd.hardState.commit;
      if (leader) this.checker.checkLeaderCommit(n.id, n.commit, c, rd.hardState.term, n.storage.term(c));
      n.commit = c;
    }
    this.sendAll(rd.messages);
    this.apply(n, rd);
    raw.advance(rd);
  }

  private onSoftState(n: SimNode, rd: Ready): void {
    const s = rd.softState;
    if (s === undefined) return;
    this.log(`n${n.id} ${s.role} term=${s.term} leader=${s.leaderId}`);
    if (s.role === Role.LEADER) this.checker.onLeader(s.term, n.id);
  }

  private apply(n: SimNode, rd: Ready): void {
    const snap = rd.snapshot;
    if (snap !== undefined) {
      n.sm.restore(snap.metadata.index, snap.data);
      this.checker.onRestore(n.id, snap.metadata.index, n.sm.hash);
      this.log(`n${n.id} installed snapshot ${snap.metadata.index}`);
    }
    for (const e of rd.committedEntries) {
      if (e.index !== n.sm.index + 1) this.checker.fail(`node ${n.id} applied ${e.index} after ${n.sm.index}`);
      n.sm.apply(e);
      this.checker.onApply(n.id, e, n.sm.hash, e.type === 0 ? UNTEXT.decode(e.data) : '');
    }
    for (const r of rd.readStates) {
      const ctx = UNTEXT.decode(r.context);
      const required = n.reads.get(ctx);
      if (required === undefined) continue;
      n.reads.delete(ctx);
      // Linearizability: the read point covers every write completed before the read was issued.
      if (r.index < required) this.checker.fail(`read ${ctx} on ${n.id} got index ${r.index} < ${required}`);
    }
  }

  /** A crash mid-write: the disk keeps some prefix of the unsynced write and loses the rest. */
  private tornWrite(n: SimNode, rd: Ready): void {
    if (rd.snapshot !== undefined) {
      if (this.rng.nextInt(2) === 0) return;
      n.storage.applySnapshot(rd.snapshot);
    }
    const keep = this.rng.nextInt(rd.entries.length + 1);
    n.storage.append(rd.entries.slice(0, keep));
    if (keep === rd.entries.length && this.rng.nextInt(2) === 0) {
      if (rd.hardState !== undefined) n.storage.setHardState(rd.hardState);
      if (rd.confState !== undefined) n.storage.setConfState(rd.confState);
    }
  }

  // ---- network ----

  private sendAll(msgs: readonly Message[]): void {
    for (const m of msgs) this.send(m);
  }

  private send(m: Message): void {
    if (this.rng.next() < this.currentDrop()) {
      this.log(`drop ${describe(m)}`);
      return;
    }
    // Every message crosses the wire codec, as it would between processes.
    const bytes = concatBuffers(encodeMessage(m));
    this.schedule(1 + this.rng.nextInt(this.o.maxDelayMs), { kind: 'deliver', msg: bytes });
    if (!this.healed && this.rng.next() < this.o.dupRate) {
      this.schedule(1 + this.rng.nextInt(this.o.maxDelayMs * 2), { kind: 'deliver', msg: bytes });
    }
  }

  private deliver(m: Message): void {
    const n = this.node(m.to);
    if (n.raw === undefined || this.blocked.has(m.from * 1000 + m.to)) return;
    if (this.o.trace) this.log(`n${m.to} <- ${describe(m)}`);
    n.raw.step(m);
    this.drive(n);
  }

  private currentDrop(): number {
    return this.healed ? 0 : this.o.dropRate;
  }

  // ---- faults ----

  private chaos(): void {
    const r = this.rng.nextInt(100);
    if (this.o.membership && r >= 70) this.changeMembership();
    else if (this.o.partitions && r < 25) this.partition();
    else if (this.o.crashes && r < 40) this.crashRandom();
    else if (this.o.compaction && r < 55) this.compactRandom();
    else if (this.o.peerDown && r < 60) this.wrongPeerDown();
  }

  /** A spurious report: a live node is said to be down (a connection dropped and is redialed). */
  private wrongPeerDown(): void {
    const up = this.nodes.filter((n) => n.raw !== undefined);
    if (up.length < 2) return;
    const n = this.pick(up);
    const peer = this.pick(up.filter((x) => x !== n));
    this.schedule(1 + this.rng.nextInt(5), { kind: 'peer-down', node: n.id, peer: peer.id });
  }

  /** The nodes still connected to a crashed one see its sockets close within a few ms. */
  private reportCrash(victim: SimNode): void {
    if (!this.o.peerDown) return;
    for (const n of this.nodes) {
      if (n === victim || n.raw === undefined || this.blocked.has(victim.id * 1000 + n.id)) continue;
      this.schedule(1 + this.rng.nextInt(5), { kind: 'peer-down', node: n.id, peer: victim.id });
    }
  }

  private partition(): void {
    this.blocked.clear();
    this.partitionEpoch++;
    const ids = this.nodes.map((n) => n.id);
    const shape = this.rng.nextInt(4);
    if (shape === 0) {
      this.log('heal partitions');
      return;
    }
    if (shape === 1) {
      const victim = this.pick(ids);
      for (const o of ids) if (o !== victim) this.cut(victim, o, true);
      this.log(`isolate n${victim}`);
    } else if (shape === 2) {
      const shuffled = [...ids].sort(() => this.rng.next() - 0.5);
      const minority = shuffled.slice(0, Math.floor(ids.length / 2));
      for (const a of minority) for (const b of ids) if (!minority.includes(b)) this.cut(a, b, true);
      this.log(`split minority {${minority.join(',')}}`);
    } else {
      const a = this.pick(ids);
      const b = this.pick(ids.filter((x) => x !== a));
      this.cut(a, b, false);
      this.log(`cut link n${a} -> n${b} (asymmetric)`);
    }
  }

  private cut(a: number, b: number, both: boolean): void {
    this.cutOne(a, b);
    if (both) this.cutOne(b, a);
  }

  private cutOne(from: number, to: number): void {
    this.blocked.add(from * 1000 + to);
    if (!this.o.peerDown) return;
    // The keepalive's idle timeout, give or take one keepalive period.
    const epoch = this.partitionEpoch;
    this.schedule(this.o.keepaliveMs + this.rng.nextInt(1 + Math.floor(this.o.keepaliveMs / 5)), { kind: 'link-timeout', from, to, epoch });
  }

  /**
   * `to` heard nothing from `from` for the keepalive bound and closes the connection: both ends
   * report the other down (`from` through the close or its own timeout, a moment later).
   */
  private linkTimeout(from: number, to: number, epoch: number): void {
    if (epoch !== this.partitionEpoch || this.healed || !this.blocked.has(from * 1000 + to)) return;
    this.log(`link n${from} -> n${to} silent for the keepalive bound`);
    this.schedule(0, { kind: 'peer-down', node: to, peer: from });
    this.schedule(1 + this.rng.nextInt(5), { kind: 'peer-down', node: from, peer: to });
  }

  private crashRandom(): void {
    const up = this.nodes.filter((n) => n.raw !== undefined);
    if (up.length === 0) return;
    // Half the crashes hit the leader: leader churn is where the interesting interleavings are.
    const leader = this.leader();
    const n = leader !== undefined && this.rng.nextInt(2) === 0 ? leader : this.pick(up);
    this.crash(n, 'crash');
  }

  private crash(n: SimNode, why: string): void {
    this.log(`n${n.id} ${why}`);
    this.crashes++;
    // A write in progress is torn: some prefix of it may have reached the disk.
    if (n.writing !== undefined) this.tornWrite(n, n.writing);
    if (n.syncedHard !== undefined && this.rng.nextInt(2) === 0) n.storage.setHardState(n.syncedHard);
    n.writing = undefined;
    n.raw = undefined;
    n.reads.clear();
    this.reportCrash(n);
    this.schedule(20 + this.rng.nextInt(400), { kind: 'restart', node: n.id });
  }

  private restart(n: SimNode): void {
    if (n.raw !== undefined) return;
    n.sm = new HashMachine();
    const snap = n.storage.snapshot();
    if (snap.metadata.index > 0) {
      n.sm.restore(snap.metadata.index, snap.data);
      this.checker.onRestore(n.id, snap.metadata.index, n.sm.hash);
    }
    n.commit = n.storage.initialState().hardState.commit;
    this.boot(n);
    this.log(`n${n.id} restarted (term ${n.storage.initialState().hardState.term}, last ${n.storage.lastIndex()})`);
    this.drive(n);
  }

  private boot(n: SimNode): void {
    n.incarnation++;
    n.raw = new RawNode({
      id: n.id,
      storage: n.storage,
      electionTick: 10,
      // 1-3 ticks: the node's default (3) and shorter, so both are exercised across seeds.
      heartbeatTick: 1 + (this.o.seed % 3),
      random: new SeededRandom(this.o.seed * 7919 + n.id * 104729 + n.incarnation),
      applied: n.sm.index,
      maxSizePerMsg: this.o.maxSizePerMsg,
      maxInflightMsgs: 4,
      quiesce: this.o.quiesce,
      commitNotices: this.o.commitNotices,
    });
  }

  private compactRandom(): void {
    const up = this.nodes.filter((n) => n.raw !== undefined && n.sm.index > n.storage.firstIndex());
    if (up.length === 0) return;
    const n = this.pick(up);
    const raw = n.raw;
    if (raw === undefined) return;
    n.storage.compact(n.sm.index, n.sm.snapshotData(), raw.confState());
    this.log(`n${n.id} compacted to ${n.sm.index}`);
  }

  private changeMembership(): void {
    const leader = this.leader();
    const raw = leader?.raw;
    if (leader === undefined || raw === undefined) return;
    const cs = raw.confState();
    const members = new Set([...cs.voters, ...cs.learners]);
    const outside = this.nodes.map((n) => n.id).filter((id) => !members.has(id));
    const minVoters = this.o.nodes >= 5 ? 3 : 2;
    let change: { type: ConfChangeType; nodeId: number };
    if (outside.length > 0) change = { type: ConfChangeType.ADD_LEARNER, nodeId: this.pick(outside) };
    else if (cs.learners.length > 0) change = { type: ConfChangeType.ADD_VOTER, nodeId: this.pick([...cs.learners]) };
    else if (cs.voters.length > minVoters) change = { type: ConfChangeType.REMOVE_NODE, nodeId: this.pick([...cs.voters]) };
    else return;
    try {
      const index = raw.proposeConfChange(change);
      this.log(`n${leader.id} proposed conf change ${JSON.stringify(change)} at ${index}`);
      this.drive(leader);
    } catch {
      // Refused (one pending change at a time, or transfer): fine.
    }
  }

  private heal(): void {
    this.healed = true;
    this.blocked.clear();
    this.log('--- heal: partitions cleared, no more drops, all nodes restart ---');
    for (const n of this.nodes) if (n.raw === undefined) this.restart(n);
  }

  // ---- clients ----

  private client(): void {
    const leader = this.leader();
    if (leader !== undefined && this.rng.nextInt(5) > 0) this.propose(leader, `p${++this.proposals}`);
    if (this.rng.nextInt(4) === 0) this.read();
  }

  private propose(n: SimNode, text: string): boolean {
    try {
      n.raw?.propose(TEXT.encode(text));
      this.drive(n);
      return true;
    } catch {
      return false;
    }
  }

  private read(): void {
    const up = this.nodes.filter((n) => n.raw !== undefined);
    if (up.length === 0) return;
    const n = this.pick(up);
    const ctx = `r${this.events}`;
    try {
      n.raw?.readIndex(TEXT.encode(ctx));
    } catch {
      return;
    }
    n.reads.set(ctx, this.checker.maxApplied);
    this.drive(n);
  }

  private proposeFinal(prev: string | undefined): string | undefined {
    if (prev !== undefined && this.checker.indexOf(prev) !== undefined) return prev;
    const leader = this.leader();
    if (leader === undefined) return prev;
    const text = `final${this.now}`;
    return this.propose(leader, text) ? text : prev;
  }

  private allApplied(text: string): boolean {
    const index = this.checker.indexOf(text);
    const raw = this.leader()?.raw;
    if (index === undefined || raw === undefined) return false;
    const cs = raw.confState();
    for (const id of [...cs.voters, ...cs.learners]) {
      if (this.node(id).sm.index < index) return false;
    }
    return true;
  }

  private describeNodes(): string {
    return this.nodes
      .map((n) => {
        const st = n.raw?.status();
        if (st === undefined) return `n${n.id} down`;
        const quiet = n.raw?.quiesced === true ? ' quiet' : '';
        return `n${n.id} ${st.role} t${st.term} lead${st.leaderId} c${st.commit} a${st.applied} l${st.lastIndex}${quiet}`;
      })
      .join(', ');
  }

  private allQuiet(): boolean {
    const raw = this.leader()?.raw;
    if (raw === undefined || !raw.quiesced) return false;
    const cs = raw.confState();
    return [...cs.voters, ...cs.learners].every((id) => this.node(id).raw?.quiesced === true);
  }

  // ---- helpers ----

  private leader(): SimNode | undefined {
    let best: SimNode | undefined;
    for (const n of this.nodes) {
      const s = n.raw?.status();
      if (s?.role === Role.LEADER && (best === undefined || s.term > (best.raw?.status().term ?? 0))) best = n;
    }
    return best;
  }

  private checkLogs(): void {
    // With a fixed membership every node is a voter; with changes the majority moves (not checked).
    if (!this.o.membership) {
      this.checker.checkDurability(
        this.nodes.map((n) => [n.id, n.storage] as const),
        Math.floor(this.o.nodes / 2) + 1,
      );
    }
    for (let i = 0; i < this.nodes.length; i++) {
      for (let j = i + 1; j < this.nodes.length; j++) {
        const a = this.nodes[i];
        const b = this.nodes[j];
        if (a !== undefined && b !== undefined) this.checker.checkLogMatching(a.id, a.storage, b.id, b.storage);
      }
    }
  }

  private node(id: number): SimNode {
    const n = this.nodes[id - 1];
    if (n === undefined) throw new Error(`no node ${id}`);
    return n;
  }

  private pick<T>(xs: readonly T[]): T {
    const x = xs[this.rng.nextInt(xs.length)];
    if (x === undefined) throw new Error('pick from empty list');
    return x;
  }

  private schedule(delayMs: number, ev: Omit<SimEvent, 'time' | 'seq'> & Partial<SimEvent>): void {
    this.heap.push({ ...ev, time: this.now + delayMs, seq: this.seq++ } as SimEvent);
  }

  private log(line: string): void {
    if (!this.o.trace) return;
    const s = `t=${this.now} ${line}`;
    this.trace.push(s);
    process.stdout.write(`${s}\n`);
  }
}

function hasWrite(rd: Ready): boolean {
  return rd.entries.length > 0 || rd.hardState !== undefined || rd.snapshot !== undefined;
}

function describe(m: Message): string {
  const ents = m.entries.length > 0 ? ` ents=${m.entries[0]?.index}..${m.entries.at(-1)?.index}` : '';
  const rej = m.reject ? ` reject hint=${m.rejectHint}/${m.logTerm}` : '';
  return `${m.from}->${m.to} type=${m.type} term=${m.term} idx=${m.index} logTerm=${m.logTerm} commit=${m.commit}${ents}${rej}`;
}

export function runSimulation(o: SimOptions): SimResult {
  return new Simulator(o).run();
}
