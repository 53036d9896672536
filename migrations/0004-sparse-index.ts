/**
 * Format 4: the sparse offset and timestamp index (docs/wal-format.md, "Index keys"). Nothing is
 * converted: a dense index from an earlier format is a superset of the sparse one and reads the
 * same, and timestamp keys with 8-byte values still decode. The version moves so that an older
 * build refuses a format-4 directory: it would take a sparse index for a dense one (a floor key
 * for the batch itself) and serve a Fetch from the wrong place.
 */
import type { Migration } from './types.js';

export const migration0004: Migration = {
  number: 4,
  name: 'sparse-index',
  formatVersion: 4,
  async up() {
    // No data changes; recording format 4 is the whole migration.
  },
};
