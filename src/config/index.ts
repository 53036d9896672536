export * from './config.js';
export * from './flags.js';
export * from './schema.js';
