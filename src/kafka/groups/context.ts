import type { Logger } from '../../util/logger.js';
import type { GroupCoordinatorConfig } from './config.js';
import type { Group } from './group.js';
import type { GroupLog } from './log.js';
import type { Clock } from './time.js';

/** What the protocol functions of the coordinator share: config, time, the durable log, a logger. */
export interface CoordinatorContext {
  readonly config: GroupCoordinatorConfig;
  readonly clock: Clock;
  readonly log: GroupLog;
  readonly logger: Logger;
  /** `${clientId}-${uuid}` in production; injectable so tests can predict ids. */
  readonly newMemberId: (clientId: string) => string;
  /** Drops a group that never held anything (no members, pending members, offsets or generation). */
  readonly forgetIfUnused: (group: Group) => void;
}
