/**
 * Format version 1: segment files with a 24-byte header and 28-byte frame headers, the LevelDB index
 * under per-log prefixes. A fresh data directory needs only its logs directory; there is nothing
 * older to convert.
 */
import type { Migration } from './types.js';

export const migration0001: Migration = {
  number: 1,
  name: 'initial',
  formatVersion: 1,
  async up(ctx) {
    await ctx.io.mkdir(`${ctx.dir}/logs`);
  },
};
