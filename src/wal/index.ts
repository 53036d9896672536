/** The WAL storage engine: public API. */
export { WalStore, DEFAULT_SYNC_MODE, DEFAULT_SEGMENT_BYTES, DEFAULT_INDEX_INTERVAL_BYTES, DEFAULT_MAX_PENDING_BYTES, DEFAULT_MAX_ROUND_BYTES } from './store.js';
// CRC-32C with the native fast path (see crc32c.ts), for any hot path that checksums large buffers.
export { crc32c, crc32cImplementation } from '../util/crc32c.js';
export type { WalStoreOptions, OpenLogOptions, SyncMode } from './store.js';
export { WalLog } from './log.js';
export { EntryType } from './entry.js';
export type { Entry, HardState, Snapshot, SegmentInfo } from './entry.js';
export type { ReadAlloc } from './reader.js';
export type { FileIO, FileHandle, FileStat, OpenOptions as FileOpenOptions } from './file-io.js';
export { NodeFileIO } from './node-file-io.js';
export { ForwardingFileIO } from './forwarding-file-io.js';
export { FaultyFileIO } from './faulty-file-io.js';
export type { CrashOptions } from './faulty-file-io.js';
export type { WalDb } from './context.js';
export { WalCorruptionError, WalCompactedError, WalFailedError, WalClosedError, WalVersionError, WalOverloadedError } from './errors.js';
export type { CorruptionDetail } from './errors.js';
export { RECOVERY_TABLE } from './recovery.js';
// Read-only decoding for `chronik inspect` (never opens the store's LevelDB).
export {
  FORMAT_VERSION,
  SEGMENT_HEADER_BYTES,
  FRAME_HEADER_BYTES,
  decodeSegment,
  decodeSegmentHeader,
  decodeFrameHeader,
  checkFrame,
  segmentFileName,
  parseSegmentFileName,
} from './frame.js';
export type { SegmentReport, FrameReport, SegmentHeader, FrameHeader } from './frame.js';
export { sanitiseLogId } from './segment-files.js';
