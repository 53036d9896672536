import { assert } from '../util/assert.js';
import type { Logger } from '../util/logger.js';
import { MetaDecodeError } from './errors.js';
import { decodeEvent } from './event-codec.js';
import type { MetaEvent } from './events.js';
import { applyCommitted } from './evolve.js';
import { decodeImage, encodeImage } from './image-codec.js';
import { emptyImage, type MetadataImage } from './image.js';
import { MetaWaiters } from './waiters.js';

/**
 * The `__meta` Raft group's state machine: committed entries in, image out, waiters notified.
 * Structurally typed on the log entry so that it does not depend on the WAL or Raft internals.
 */

/** A committed log entry: type 0 is normal (empty data = a Raft no-op), other types are Raft's. */
export interface MetaEntry {
  readonly index: number;
  readonly term: number;
  readonly type: number;
  readonly data: Uint8Array;
}

export interface MetaSnapshot {
  readonly index: number;
  readonly term: number;
  readonly data: Uint8Array;
}

const ENTRY_NORMAL = 0;

/** Moves the applied position without an event (no-ops and Raft configuration changes). */
export function advanceApplied(image: MetadataImage, index: number, term: number): MetadataImage {
  assert(index > image.appliedIndex, `meta index ${index} applied after ${image.appliedIndex}`);
  assert(term >= image.appliedTerm, `meta term ${term} applied after ${image.appliedTerm}`);
  return Object.freeze({ ...image, appliedIndex: index, appliedTerm: term });
}

/**
 * Applies one committed entry. A committed entry that does not decode is fatal (it throws): every
 * node holds the same bytes, so skipping it would silently fork this node's image from the others.
 */
export function applyMetaEntry(image: MetadataImage, entry: MetaEntry): { image: MetadataImage; event: MetaEvent | undefined } {
  if (entry.type !== ENTRY_NORMAL || entry.data.length === 0) {
    return { image: advanceApplied(image, entry.index, entry.term), event: undefined };
  }
  const event = decodeEvent(entry.data);
  return { image: applyCommitted(image, event, entry.index, entry.term), event };
}

export interface MetaStateMachineOptions {
  readonly logger: Logger;
  readonly initial?: MetadataImage;
  readonly maxWaiters?: number;
}

export class MetaStateMachine {
  readonly waiters: MetaWaiters;
  private readonly log: Logger;

  constructor(options: MetaStateMachineOptions) {
    this.log = options.logger.child({ module: 'meta-state' });
    const waiterOptions = options.maxWaiters === undefined ? { logger: options.logger } : { logger: options.logger, maxWaiters: options.maxWaiters };
    this.waiters = new MetaWaiters(options.initial ?? emptyImage(), waiterOptions);
  }

  get image(): MetadataImage {
    return this.waiters.current;
  }

  /**
   * Applies a committed entry and wakes the waiters. Entries at or below the applied index are
   * skipped: after a snapshot install the driver may hand over entries the snapshot already covers.
   */
  apply(entry: MetaEntry): MetaEvent | undefined {
    if (entry.index <= this.image.appliedIndex) return undefined;
    let next: { image: MetadataImage; event: MetaEvent | undefined };
    try {
      next = applyMetaEntry(this.image, entry);
    } catch (error) {
      if (error instanceof MetaDecodeError) this.log.error({ index: entry.index, err: error }, 'committed meta entry does not decode; halting apply');
      throw error;
    }
    if (next.event !== undefined) this.log.debug({ index: entry.index, event: next.event.type }, 'applied meta event');
    this.waiters.notify(next.image);
    return next.event;
  }

  /** Installs a snapshot (Raft InstallSnapshot or startup). Older than the image → ignored. */
  restore(snapshot: MetaSnapshot): boolean {
    if (snapshot.index <= this.image.appliedIndex) return false;
    const image = decodeImage(snapshot.data);
    if (image.appliedIndex !== snapshot.index || image.appliedTerm !== snapshot.term) {
      throw new MetaDecodeError(
        `snapshot says ${snapshot.index}/${snapshot.term} but its image is at ${image.appliedIndex}/${image.appliedTerm}`,
      );
    }
    this.log.info({ index: snapshot.index, term: snapshot.term, topics: image.topicsById.size }, 'installed meta snapshot');
    this.waiters.notify(image);
    return true;
  }

  snapshot(): MetaSnapshot {
    const image = this.image;
    return { index: image.appliedIndex, term: image.appliedTerm, data: encodeImage(image) };
  }

  /** Node shutdown: rejects every pending wait. */
  close(): void {
    this.waiters.close('meta state machine closed');
  }
}
