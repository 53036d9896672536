import { RaftCodecError } from './errors.js';
import type { ConfState } from './types.js';

/** Single-server membership changes (thesis §4.1): one node added, promoted or removed at a time. */
export const ConfChangeType = {
  ADD_VOTER: 1,
  ADD_LEARNER: 2,
  REMOVE_NODE: 3,
} as const;
export type ConfChangeType = (typeof ConfChangeType)[keyof typeof ConfChangeType];

export interface ConfChange {
  type: ConfChangeType;
  nodeId: number;
}

/**
 * A configuration-change entry as stored in the log: the change plus the whole configuration it
 * results in. Carrying the result means a node that joins with an empty configuration and learns
 * the log from the start ends up with the right membership (it never saw the bootstrap config).
 */
export interface ConfChangeEntry extends ConfChange {
  result: ConfState;
}

const VERSION = 1;
const MAX_MEMBERS = 0xffff;

/** The configuration after applying `cc` to `cs`. */
export function applyChange(cs: ConfState, cc: ConfChange): ConfState {
  const voters = cs.voters.filter((id) => id !== cc.nodeId);
  const learners = cs.learners.filter((id) => id !== cc.nodeId);
  const wasVoter = cs.voters.includes(cc.nodeId);
  if (cc.type === ConfChangeType.ADD_VOTER) voters.push(cc.nodeId);
  else if (cc.type === ConfChangeType.ADD_LEARNER) (wasVoter ? voters : learners).push(cc.nodeId);
  return { voters: voters.sort((a, b) => a - b), learners: learners.sort((a, b) => a - b) };
}

/**
 * Entry data: version u8 | type u8 | node id u32 | voters u16 + u32 each | learners u16 + u32 each
 * (big-endian).
 */
export function encodeConfChange(cc: ConfChangeEntry): Uint8Array {
  const { voters, learners } = cc.result;
  const out = new Uint8Array(6 + 2 + 4 * voters.length + 2 + 4 * learners.length);
  const view = new DataView(out.buffer);
  view.setUint8(0, VERSION);
  view.setUint8(1, cc.type);
  view.setUint32(2, cc.nodeId);
  let at = 6;
  for (const ids of [voters, learners]) {
    view.setUint16(at, ids.length);
    at += 2;
    for (const id of ids) {
      view.setUint32(at, id);
      at += 4;
    }
  }
  return out;
}

export function decodeConfChange(data: Uint8Array): ConfChangeEntry {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (data.byteLength < 10) throw new RaftCodecError(`conf change: ${data.byteLength} bytes is too short`);
  if (view.getUint8(0) !== VERSION) throw new RaftCodecError(`conf change: unknown version ${view.getUint8(0)}`);
  const type = view.getUint8(1);
  if (type !== ConfChangeType.ADD_VOTER && type !== ConfChangeType.ADD_LEARNER && type !== ConfChangeType.REMOVE_NODE) {
    throw new RaftCodecError(`conf change: unknown type ${type}`);
  }
  const nodeId = view.getUint32(2);
  if (nodeId === 0) throw new RaftCodecError('conf change: node id 0');
  let at = 6;
  const readIds = (): number[] => {
    if (at + 2 > data.byteLength) throw new RaftCodecError('conf change: truncated');
    const n = view.getUint16(at);
    at += 2;
    if (n > MAX_MEMBERS || at + 4 * n > data.byteLength) throw new RaftCodecError('conf change: truncated member list');
    const ids: number[] = [];
    for (let i = 0; i < n; i++, at += 4) ids.push(view.getUint32(at));
    return ids;
  };
  const voters = readIds();
  const learners = readIds();
  if (at !== data.byteLength) throw new RaftCodecError('conf change: trailing bytes');
  return { type, nodeId, result: { voters, learners } };
}
