/** Background retention: time/size deletion of old segments of the partitions this node leads. */
export { RetentionService, MAX_PARTITIONS_PER_PASS, type RetentionOptions, type PassStats } from './service.js';
export { deletionBoundary, type SegmentSummary, type RetentionLimits } from './policy.js';
export { retentionLimits } from './limits.js';
export { trimPrefix } from './trim.js';
