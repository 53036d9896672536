import { RaftCodecError } from './errors.js';

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

const VERSION = 1;
const SIZE = 6;

/** Entry data of a configuration-change entry: version u8, type u8, node id u32 (big-endian). */
export function encodeConfChange(cc: ConfChange): Uint8Array {
  const out = new Uint8Array(SIZE);
  const view = new DataView(out.buffer);
  view.setUint8(0, VERSION);
  view.setUint8(1, cc.type);
  view.setUint32(2, cc.nodeId);
  return out;
}

export function decodeConfChange(data: Uint8Array): ConfChange {
  if (data.byteLength !== SIZE) throw new RaftCodecError(`conf change: ${data.byteLength} bytes, expected ${SIZE}`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (view.getUint8(0) !== VERSION) throw new RaftCodecError(`conf change: unknown version ${view.getUint8(0)}`);
  const type = view.getUint8(1);
  if (type !== ConfChangeType.ADD_VOTER && type !== ConfChangeType.ADD_LEARNER && type !== ConfChangeType.REMOVE_NODE) {
    throw new RaftCodecError(`conf change: unknown type ${type}`);
  }
  const nodeId = view.getUint32(2);
  if (nodeId === 0) throw new RaftCodecError('conf change: node id 0');
  return { type, nodeId };
}
