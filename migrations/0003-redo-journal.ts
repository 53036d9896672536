/**
 * Format 3: the node-wide redo journal (`<dir>/journal/`, docs/wal-format.md "The redo journal").
 * Nothing is converted — a data directory without a journal is valid, and every segment byte of a
 * format-2 directory is already durable. The version moves so that an older build, which would not
 * redo a journal left by a crash (and so would lose acknowledged appends that only it holds),
 * refuses a format-3 directory instead of opening it.
 */
import type { Migration } from './types.js';

export const migration0003: Migration = {
  number: 3,
  name: 'redo-journal',
  formatVersion: 3,
  async up(ctx) {
    await ctx.io.mkdir(`${ctx.dir}/journal`);
  },
};
