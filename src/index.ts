/** The package's public entry point. */
export { ErrorCode, KafkaError } from './util/errors.js';
