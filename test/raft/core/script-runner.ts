import { ConfChangeType } from '../../../src/raft/core/conf-change.js';
import { MemoryStorage } from '../../../src/raft/core/memory-storage.js';
import type { RaftConfig } from '../../../src/raft/core/config.js';
import type { Entry } from '../../../src/raft/core/types.js';
import { Cluster, text, type TestNode } from './harness.js';

/**
 * A tiny data-driven test language in the style of etcd/raft's interaction tests. One command per
 * line; `#` starts a comment; `*` as a node id means every node. Commands:
 *
 *   storage <id> term=<t> log=<t1,t2,...> [voters=<a,b,...>]   preset a node's durable state
 *   cluster <ids...> [preVote=false] [checkQuorum=false] [quiesce=true]   build the cluster
 *   campaign <id> | tick <id|*> [n] | settle
 *   propose <id> <text> | read <id> <ctx> | transfer <from> <to> | compact <id>
 *   isolate <id> | cut <from> <to> | heal
 *   peerdown <id> <peer>                         the driver reports peer's connection lost to id
 *   mark                                         starts counting delivered messages afresh
 *   addnode <id>                                 a new empty node (joins via membership changes)
 *   conf <leader> add-learner|add-voter|remove <id>
 *   expect leader <id|none>                     exactly that leader among all nodes
 *   expect role|term|commit <id|*> <value>    (term-gt: the term is greater than the value)
 *   expect terms <id> <t1,t2,...>               the node's durable log, by term
 *   expect applied <id|*> <text...>             the last applied normal entries, as texts
 *   expect reads <id> <ctx@index...>            the ReadStates the node received
 *   expect voters <id> <a,b,...> | expect learners <id> <a,b,...|->
 *   expect error <ErrorName> <command...>       the command throws that error
 *   expect quiesced <id|*> <true|false>
 *   expect messages <n>                         messages delivered since the last mark or such check
 */
export function runScript(source: string, name: string): void {
  const state: ScriptState = { cluster: undefined, storages: new Map(), deliveredMark: 0 };
  const lines = source.split('\n');
  lines.forEach((raw, i) => {
    const line = raw.replace(/#.*/, '').trim();
    if (line === '') return;
    try {
      execute(state, line.split(/\s+/));
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new Error(`${name}:${i + 1}: ${line}\n  ${why}`, { cause: err });
    }
  });
}

interface ScriptState {
  cluster: Cluster | undefined;
  storages: Map<number, MemoryStorage>;
  /** cluster.delivered.length at the last `expect messages`. */
  deliveredMark: number;
}

function execute(st: ScriptState, words: string[]): void {
  const [cmd, ...args] = words;
  if (cmd === 'storage') return presetStorage(st, args);
  if (cmd === 'cluster') return buildCluster(st, args);
  const c = st.cluster;
  if (c === undefined) throw new Error('no cluster yet');
  switch (cmd) {
    case 'campaign':
      return c.node(num(args[0])).node.campaign();
    case 'settle':
      c.settle();
      return;
    case 'tick':
      return tick(c, args);
    case 'propose':
      c.propose(num(args[0]), args.slice(1).join(' '));
      return;
    case 'read':
      return c.node(num(args[0])).node.readIndex(new TextEncoder().encode(args[1] ?? ''));
    case 'transfer':
      return c.node(num(args[0])).node.transferLeadership(num(args[1]));
    case 'compact':
      return c.node(num(args[0])).compact();
    case 'isolate':
      return c.isolate(num(args[0]));
    case 'cut':
      return c.cutLink(num(args[0]), num(args[1]));
    case 'heal':
      return c.heal();
    case 'mark':
      st.deliveredMark = c.delivered.length;
      return;
    case 'peerdown':
      c.node(num(args[0])).node.peerDown(num(args[1]));
      return;
    case 'addnode':
      c.add(num(args[0]), new MemoryStorage({ voters: [], learners: [] }));
      return;
    case 'conf':
      return conf(c, args);
    case 'expect':
      return expectation(st, c, args);
    default:
      throw new Error(`unknown command ${String(cmd)}`);
  }
}

function presetStorage(st: ScriptState, args: string[]): void {
  const id = num(args[0]);
  const opts = keyValues(args.slice(1));
  const voters = list(opts.get('voters') ?? '');
  const s = new MemoryStorage({ voters, learners: [] });
  const terms = list(opts.get('log') ?? '');
  s.append(terms.map((term, i): Entry => ({ index: i + 1, term, type: 0, data: new TextEncoder().encode(`${i + 1}@${term}`) })));
  s.setHardState({ term: num(opts.get('term') ?? '0'), vote: 0, commit: 0 });
  st.storages.set(id, s);
}

function buildCluster(st: ScriptState, args: string[]): void {
  const ids = args.filter((a) => !a.includes('=')).map(num);
  const opts = keyValues(args.filter((a) => a.includes('=')));
  const extra: Partial<RaftConfig> = {};
  if (opts.get('preVote') === 'false') extra.preVote = false;
  if (opts.get('checkQuorum') === 'false') extra.checkQuorum = false;
  if (opts.get('quiesce') === 'true') extra.quiesce = true;
  for (const [id, s] of st.storages) {
    if (s.initialState().confState.voters.length === 0) st.storages.set(id, withVoters(s, ids));
  }
  st.cluster = new Cluster(ids, { extra }, st.storages);
}

function withVoters(s: MemoryStorage, voters: number[]): MemoryStorage {
  s.setConfState({ voters, learners: [] });
  return s;
}

function tick(c: Cluster, args: string[]): void {
  const n = args[1] === undefined ? 1 : num(args[1]);
  for (let i = 0; i < n; i++) {
    for (const node of targets(c, args[0])) node.node.tick();
    c.settle();
  }
}

function conf(c: Cluster, args: string[]): void {
  const types: Record<string, ConfChangeType> = {
    'add-learner': ConfChangeType.ADD_LEARNER,
    'add-voter': ConfChangeType.ADD_VOTER,
    remove: ConfChangeType.REMOVE_NODE,
  };
  const type = types[args[1] ?? ''];
  if (type === undefined) throw new Error(`unknown conf change ${String(args[1])}`);
  c.node(num(args[0])).node.proposeConfChange({ type, nodeId: num(args[2]) });
}

function expectation(st: ScriptState, c: Cluster, args: string[]): void {
  const [what, target, ...rest] = args;
  switch (what) {
    case 'leader': {
      const want = target === 'none' ? [] : [num(target)];
      return same(c.leaders(), want, 'leaders');
    }
    case 'role':
      for (const n of targets(c, target)) same(n.role, rest[0], `role of ${n.id}`);
      return;
    case 'term':
      for (const n of targets(c, target)) same(n.node.status().term, num(rest[0]), `term of ${n.id}`);
      return;
    case 'term-gt':
      for (const n of targets(c, target)) {
        if (!(n.node.status().term > num(rest[0]))) throw new Error(`term of ${n.id} is ${n.node.status().term}, want > ${String(rest[0])}`);
      }
      return;
    case 'commit':
      for (const n of targets(c, target)) same(n.node.status().commit, num(rest[0]), `commit of ${n.id}`);
      return;
    case 'terms':
      return same(durableTerms(c.node(num(target))), list(rest[0] ?? ''), `log terms of ${String(target)}`);
    case 'applied':
      for (const n of targets(c, target)) {
        const got = n.applied.filter((e) => e.type === 0 && e.data.byteLength > 0).map(text);
        same(got.slice(-rest.length), rest, `applied texts of ${n.id}`);
      }
      return;
    case 'reads':
      return same(c.node(num(target)).readStates.map((r) => `${new TextDecoder().decode(r.context)}@${r.index}`), rest, 'read states');
    case 'voters':
      return same([...c.node(num(target)).node.confState().voters], list(rest[0] ?? ''), 'voters');
    case 'learners':
      return same([...c.node(num(target)).node.confState().learners], rest[0] === '-' ? [] : list(rest[0] ?? ''), 'learners');
    case 'error':
      return expectError(st, target ?? '', rest);
    case 'quiesced':
      for (const n of targets(c, target)) same(n.node.quiesced, rest[0] === 'true', `quiesced of ${n.id}`);
      return;
    case 'messages': {
      const since = c.delivered.length - st.deliveredMark;
      st.deliveredMark = c.delivered.length;
      return same(since, num(target), 'messages delivered since the last check');
    }
    default:
      throw new Error(`unknown expectation ${String(what)}`);
  }
}

function expectError(st: ScriptState, name: string, command: string[]): void {
  try {
    execute(st, command);
  } catch (err) {
    if (err instanceof Error && err.name === name) return;
    throw new Error(`expected ${name}, got ${String(err)}`);
  }
  throw new Error(`expected ${name}, but the command succeeded`);
}

function durableTerms(n: TestNode): number[] {
  const out: number[] = [];
  for (let i = n.storage.firstIndex(); i <= n.storage.lastIndex(); i++) out.push(n.storage.term(i) ?? -1);
  return out;
}

function targets(c: Cluster, id: string | undefined): TestNode[] {
  return id === '*' ? [...c.nodes.values()] : [c.node(num(id))];
}

function same(got: unknown, want: unknown, what: string): void {
  if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(`${what}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
}

function num(s: string | undefined): number {
  const n = Number(s);
  if (s === undefined || !Number.isInteger(n)) throw new Error(`not a number: ${String(s)}`);
  return n;
}

function list(s: string): number[] {
  return s === '' ? [] : s.split(',').map(num);
}

function keyValues(args: string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const a of args) {
    const [k, v] = a.split('=');
    if (k !== undefined && v !== undefined) m.set(k, v);
  }
  return m;
}
