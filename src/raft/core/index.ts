export { RawNode, type RaftStatus } from './raw-node.js';
export type { MemberProgress } from './raft.js';
export { ProgressState } from './progress.js';
export type { Ready } from './ready.js';
export type { RaftConfig } from './config.js';
export type { Storage, InitialState } from './storage.js';
export { MemoryStorage } from './memory-storage.js';
export { SeededRandom, type RandomSource } from './random.js';
export { RaftCodecError, RaftProtocolError, ProposalDroppedError, NotLeaderError } from './errors.js';
export { ConfChangeType, applyChange, encodeConfChange, decodeConfChange, type ConfChange, type ConfChangeEntry } from './conf-change.js';
export { encodeMessage, encodeMessageInto, messageSize, decodeMessage, readMessage, encodedSize, concatBuffers, CODEC_VERSION, type EncodeSink } from './codec.js';
export { ByteReader } from './byte-reader.js';
export {
  NONE,
  EntryType,
  MessageType,
  Role,
  message,
  type Entry,
  type HardState,
  type ConfState,
  type Snapshot,
  type SnapshotMetadata,
  type SoftState,
  type ReadState,
  type Message,
} from './types.js';
