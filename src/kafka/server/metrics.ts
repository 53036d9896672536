/**
 * Hooks the node binds to its metrics registry (prom-client). Called on the hot path with plain
 * numbers only, so an implementation can bump pre-created counters without allocating.
 */
export interface KafkaServerMetrics {
  connectionOpened(): void;
  connectionClosed(): void;
  bytesReceived(bytes: number): void;
  bytesSent(bytes: number): void;
  /** A connection's socket buffer filled (true; reading pauses) or drained (false). */
  writeBackpressure(blocked: boolean): void;
  /** errorCode is the response's top-level error code (0 if it has none), -1 if the handler threw. */
  requestCompleted(apiKey: number, apiVersion: number, errorCode: number, latencyMs: number): void;
}

function ignore(): void {}

export const noopMetrics: KafkaServerMetrics = Object.freeze({
  connectionOpened: ignore,
  connectionClosed: ignore,
  bytesReceived: ignore,
  bytesSent: ignore,
  writeBackpressure: ignore,
  requestCompleted: ignore,
});
