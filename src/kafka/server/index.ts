export { apiVersionsHandler, API_VERSIONS_MAX, API_VERSIONS_MIN } from './api-versions.js';
export { FrameTooLargeError, UnsupportedRequestError } from './errors.js';
export { noopMetrics, type KafkaServerMetrics } from './metrics.js';
export {
  HandlerRegistry,
  type ApiHandler,
  type ApiVersionRange,
  type RequestContext,
  type RequestOf,
  type ResponseOf,
} from './registry.js';
export { DEFAULT_MAX_REQUEST_BYTES, startKafkaServer, type DrainReport, type KafkaServer, type KafkaServerOptions } from './server.js';
