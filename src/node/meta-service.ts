import { randomUUID } from 'node:crypto';
import type { Entry } from '../raft/core/index.js';
import type { GroupStateMachine, RaftHost } from '../raft/driver/index.js';
import {
  decide,
  encodeEvent,
  MetaStateMachine,
  type Decision,
  type MetadataImage,
  type MetaCommand,
  type MetaEvent,
  type TopicResult,
} from '../state/index.js';
import { ErrorCode, KafkaError } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import type { NodeRpc } from './rpc.js';
import { MetaContact } from './meta-contact.js';

export const META_GROUP = '__meta';
const DECIDE_BARRIER_TIMEOUT_MS = 5_000;
const READ_INDEX_TIMEOUT_MS = 5_000;
const MAX_FORWARD_ATTEMPTS = 16;
/** Bound on one peer's wait in `awaitAppliedOnPeers` (a caller's larger timeout is capped to it). */
const MAX_APPLIED_WAIT_MS = 10_000;
const LEADER_CHANGED = Symbol('leader changed');
/** Forwarding failures that mean "try the (new) leader again". */
const RETRIABLE_FORWARD_CODES = new Set<number>([ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.NOT_CONTROLLER, ErrorCode.NETWORK_EXCEPTION, ErrorCode.REQUEST_TIMED_OUT]);

/** A decided command's outcome as it travels back to the node that forwarded it. */
export interface CommandOutcome {
  readonly results: readonly { name: string; topicId: string | null; errorCode: number; errorMessage: string | null; extra?: unknown }[];
  /** The `__meta` index of the last event, once committed; 0 when the command proposed nothing. */
  readonly appliedIndex: number;
  /** The events the decision committed (e.g. the ProducerIdBlockAllocated carrying a new block). */
  readonly events: readonly MetaEvent[];
}

export interface MetaServiceOptions {
  readonly raft: RaftHost;
  readonly rpc: NodeRpc;
  readonly nodeId: number;
  readonly voters: readonly number[];
  readonly logger: Logger;
  /** Live brokers now (liveness is not in the image). */
  readonly liveBrokers: () => ReadonlySet<number>;
  readonly isPeerUp: (nodeId: number) => boolean;
  readonly onPeerUp: (listener: (nodeId: number) => void) => () => void;
}

type AppliedListener = (image: MetadataImage, events: readonly MetaEvent[]) => void;

/**
 * The `__meta` Raft group: committed entries become events applied to the image; commands are
 * decided on the meta leader (one at a time, so each decision sees the previous one applied) and
 * forwarded there from any other node. Clients never need to find the controller.
 */
export class MetaService {
  readonly state: MetaStateMachine;
  private readonly log: Logger;
  private readonly listeners = new Set<AppliedListener>();
  /** Serialises decide → propose → applied on the leader. */
  private decideChain: Promise<unknown> = Promise.resolve();
  private readonly contact: MetaContact;

  constructor(private readonly opts: MetaServiceOptions) {
    this.log = opts.logger.child({ module: 'meta' });
    this.state = new MetaStateMachine({ logger: opts.logger });
    this.contact = new MetaContact(opts.raft, META_GROUP);
    opts.rpc.register('meta.command', (_from, body) => this.executeLocally(body as MetaCommand));
    opts.rpc.register('meta.propose', (_from, body) => this.proposeLocally(body as MetaEvent[]));
    opts.rpc.register('meta.awaitApplied', (_from, body) => this.awaitAppliedHere(body));
  }

  get image(): MetadataImage {
    return this.state.image;
  }

  async start(): Promise<void> {
    await this.opts.raft.addGroup(META_GROUP, {
      logId: META_GROUP,
      kind: 'raft',
      voters: [...this.opts.voters],
      stateMachine: this.stateMachine(),
    });
    // A cluster of one has nobody to wait for: campaign at once instead of after a timeout.
    if (this.opts.voters.length === 1 && this.opts.voters[0] === this.opts.nodeId) this.opts.raft.campaign(META_GROUP);
  }

  onApplied(listener: AppliedListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  leader(): number | undefined {
    return this.opts.raft.status(META_GROUP).leader;
  }

  /** 0 while `__meta` has a leader known here, else milliseconds since this node lost it (see MetaContact). */
  leaderlessForMs(): number {
    return this.contact.leaderlessForMs();
  }

  /** Runs a command on the meta leader (here or forwarded) and waits until it is applied here. */
  async execute(command: MetaCommand, timeoutMs: number): Promise<CommandOutcome> {
    const outcome = await this.onLeader<CommandOutcome>('meta.command', command, timeoutMs, () => this.executeLocally(command));
    if (outcome.appliedIndex > 0) await this.state.waiters.waitForApplied(outcome.appliedIndex, timeoutMs);
    return outcome;
  }

  /** Proposes events that need no decision (LeaderElected, IsrChanged) and waits for their commit. */
  async propose(events: readonly MetaEvent[], timeoutMs: number): Promise<number> {
    return this.onLeader<number>('meta.propose', events, timeoutMs, () => this.proposeLocally(events));
  }

  /**
   * A linearizable barrier: after it, this node has applied everything committed before the call.
   * Even on the leader the image can trail the commit index (a new leader's predecessors' entries,
   * or entries committed in this very drain): ReadIndex answers once they are applied there.
   */
  async readBarrier(timeoutMs: number): Promise<void> {
    const index = await this.onLeader<number>('meta.readIndex', null, timeoutMs, () => this.opts.raft.readIndex(META_GROUP, timeoutMs));
    await this.state.waiters.waitForApplied(index, timeoutMs);
  }

  /**
   * Waits until every reachable voter other than this node has applied `index` (asks each by RPC;
   * each answers from its image waiters, event-driven). Best effort and bounded: resolves with how
   * many confirmed, never rejects. A leadership transfer uses it so that, by the time the old
   * leader answers NOT_LEADER_OR_FOLLOWER, Metadata from any node already names the successor.
   */
  async awaitAppliedOnPeers(index: number, timeoutMs: number): Promise<{ asked: number; confirmed: number }> {
    const peers = this.opts.voters.filter((id) => id !== this.opts.nodeId && this.opts.isPeerUp(id));
    const waitMs = Math.min(timeoutMs, MAX_APPLIED_WAIT_MS);
    const results = await Promise.allSettled(peers.map((id) => this.opts.rpc.call(id, 'meta.awaitApplied', { index, timeoutMs: waitMs }, waitMs + 1_000)));
    return { asked: peers.length, confirmed: results.filter((r) => r.status === 'fulfilled').length };
  }

  private async awaitAppliedHere(body: unknown): Promise<number> {
    const { index, timeoutMs } = (body ?? {}) as { index?: unknown; timeoutMs?: unknown };
    if (typeof index !== 'number' || !Number.isSafeInteger(index) || typeof timeoutMs !== 'number' || !(timeoutMs > 0)) {
      throw new KafkaError(ErrorCode.INVALID_REQUEST, 'meta.awaitApplied needs an index and a timeout');
    }
    await this.state.waiters.waitForApplied(index, Math.min(timeoutMs, MAX_APPLIED_WAIT_MS));
    return this.image.appliedIndex;
  }

  registerReadIndexRpc(): void {
    this.opts.rpc.register('meta.readIndex', async () => this.opts.raft.readIndex(META_GROUP, READ_INDEX_TIMEOUT_MS));
  }

  /**
   * Runs `local` on the meta leader: here, or forwarded by RPC. A forward is abandoned as soon as
   * the leader changes (an election result is an event), and a leader known to be down is not even
   * tried: the call waits for the election instead of for a dead peer's timeout. Bounded by
   * timeoutMs and by MAX_FORWARD_ATTEMPTS.
   */
  private async onLeader<T>(method: string, body: unknown, timeoutMs: number, local: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let lastError: unknown;
    for (let attempt = 0; attempt < MAX_FORWARD_ATTEMPTS; attempt++) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) break;
      const leader = await this.waitForUsableLeader(remaining);
      if (leader === this.opts.nodeId) return local();
      const changed = this.leaderChange(leader);
      try {
        const result = await Promise.race([this.opts.rpc.call(leader, method, body, remaining), changed.promise]);
        if (result !== LEADER_CHANGED) return result as T;
      } catch (err) {
        if (!(err instanceof KafkaError) || !RETRIABLE_FORWARD_CODES.has(err.code)) throw err;
        lastError = err;
      } finally {
        changed.cancel();
      }
    }
    throw new KafkaError(ErrorCode.REQUEST_TIMED_OUT, `no __meta leader answered within ${timeoutMs} ms`, { cause: lastError });
  }

  /** Event-driven: the current leader if it is this node or a reachable peer, else the next such one. */
  private waitForUsableLeader(timeoutMs: number): Promise<number> {
    const usable = (leader: number | undefined): leader is number =>
      leader !== undefined && (leader === this.opts.nodeId || this.opts.isPeerUp(leader));
    const current = this.leader();
    if (usable(current)) return Promise.resolve(current);
    return new Promise((resolve, reject) => {
      const finish = (): void => {
        clearTimeout(timer);
        offLeader();
        offPeer();
      };
      const timer = setTimeout(() => {
        finish();
        reject(new KafkaError(ErrorCode.NOT_CONTROLLER, `no reachable __meta leader within ${timeoutMs} ms`));
      }, timeoutMs);
      const check = (): void => {
        const leader = this.leader();
        if (!usable(leader)) return;
        finish();
        resolve(leader);
      };
      const offLeader = this.opts.raft.onLeaderChange((group) => {
        if (group === META_GROUP) check();
      });
      const offPeer = this.opts.onPeerUp(() => check());
    });
  }

  /** Resolves LEADER_CHANGED when `__meta` gets a leader other than `leader`; cancel() unsubscribes. */
  private leaderChange(leader: number): { promise: Promise<typeof LEADER_CHANGED>; cancel: () => void } {
    let off: () => void = () => undefined;
    const promise = new Promise<typeof LEADER_CHANGED>((resolve) => {
      off = this.opts.raft.onLeaderChange((group, _term, next) => {
        if (group === META_GROUP && next !== leader) resolve(LEADER_CHANGED);
      });
    });
    return { promise, cancel: () => off() };
  }

  private executeLocally(command: MetaCommand): Promise<CommandOutcome> {
    const run = this.decideChain.then(() => this.decideAndCommit(command));
    this.decideChain = run.catch(() => undefined);
    return run;
  }

  private async decideAndCommit(command: MetaCommand): Promise<CommandOutcome> {
    // decide must see every committed event (a new leader applies its predecessors' entries only
    // after its no-op commits), or it could, say, create a topic twice.
    await this.opts.raft.readIndex(META_GROUP, DECIDE_BARRIER_TIMEOUT_MS);
    const decision = decide(command, this.image, { newTopicId: () => randomUUID(), liveBrokers: this.opts.liveBrokers() });
    if (decision instanceof KafkaError) throw decision;
    const appliedIndex = decision.events.length === 0 ? 0 : await this.proposeLocally(decision.events);
    return { results: decision.results.map(toWireResult), appliedIndex, events: decision.events };
  }

  /** Proposes on the local leader; resolves with the last event's index once it is applied here. */
  private async proposeLocally(events: readonly MetaEvent[]): Promise<number> {
    let last = 0;
    const commits: Promise<void>[] = [];
    for (const event of events) {
      const { index, committed } = this.opts.raft.propose(META_GROUP, encodeEvent(event), 0);
      last = index;
      commits.push(committed);
    }
    await Promise.all(commits);
    return last;
  }

  private stateMachine(): GroupStateMachine {
    return {
      apply: (entries: Entry[]) => this.apply(entries),
      appliedIndex: () => this.image.appliedIndex,
      snapshot: () => this.state.snapshot().data,
      restore: (data, index, term) => {
        this.state.restore({ data, index, term });
        this.emit([]);
      },
    };
  }

  private apply(entries: Entry[]): void {
    const events: MetaEvent[] = [];
    for (const entry of entries) {
      const event = this.state.apply(entry);
      if (event !== undefined) events.push(event);
    }
    if (events.length > 0) this.emit(events);
  }

  private emit(events: readonly MetaEvent[]): void {
    const image = this.image;
    for (const listener of this.listeners) {
      try {
        listener(image, events);
      } catch (err) {
        this.log.error({ err }, 'meta applied-listener threw');
      }
    }
  }

  close(): void {
    this.contact.close();
    this.state.close();
  }
}

function toWireResult(result: TopicResult): CommandOutcome['results'][number] {
  const { name, topicId, error, ...extra } = result as TopicResult & Record<string, unknown>;
  return {
    name,
    topicId,
    errorCode: error === null ? ErrorCode.NONE : error.code,
    errorMessage: error === null ? null : error.message,
    extra,
  };
}

export type { Decision };
