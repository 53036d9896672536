export { ProducerStateManager } from './producer-state-manager.js';
export type { ProducerStateManagerOptions } from './producer-state-manager.js';
export { ProducerIdAllocator } from './producer-id-allocator.js';
export type { ProducerIdAllocatorOptions, ProducerIdBlock } from './producer-id-allocator.js';
export { CorruptProducerSnapshotError, decodeProducerSnapshot, encodeProducerSnapshot, PRODUCER_SNAPSHOT_VERSION } from './snapshot.js';
export { inSequence, lastSequence, INT32_MAX, NO_PRODUCER_EPOCH, NO_PRODUCER_ID, NO_SEQUENCE } from './sequence.js';
export { DEFAULT_PRODUCER_STATE_CONFIG } from './types.js';
export type {
  BatchMetadata,
  CheckResult,
  LoggedProducerBatch,
  ProducerBatch,
  ProducerEntryView,
  ProducerStateConfig,
} from './types.js';
