export { handOffLeadership, type HandOffOptions, type HandOffReport } from './hand-off.js';
export { pickSuccessor } from './targets.js';
export { boundedAllSettled, DeadlinePassedError } from './bounded-all.js';
