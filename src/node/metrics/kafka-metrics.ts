import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { KafkaServerMetrics } from '../../kafka/server/index.js';
import { apiName } from './api-names.js';

/** Request latency buckets in seconds: from sub-millisecond metadata calls to long-polling fetches. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Children are cached per (api, error code); both are small bounded enums, this caps the map anyway. */
const MAX_CACHED_CHILDREN = 4096;

type RequestChild = { count: Counter.Internal; errors: Counter.Internal | undefined };

/**
 * The Kafka listener's hooks bound to prom-client metrics. The hot path only bumps cached label
 * children (no label hashing per request once a pair has been seen).
 */
export function kafkaServerMetrics(registry: Registry): KafkaServerMetrics {
  const requests = new Counter({ name: 'chronik_kafka_requests_total', help: 'Kafka requests completed, by API and top-level error code.', labelNames: ['api', 'error_code'], registers: [registry] });
  const errors = new Counter({ name: 'chronik_kafka_request_errors_total', help: 'Kafka requests whose top-level error code was not NONE (-1: the handler threw).', labelNames: ['api', 'error_code'], registers: [registry] });
  const latency = new Histogram({ name: 'chronik_kafka_request_duration_seconds', help: 'Kafka request latency from decode to response written, by API.', labelNames: ['api'], buckets: LATENCY_BUCKETS, registers: [registry] });
  const bytesIn = new Counter({ name: 'chronik_kafka_received_bytes_total', help: 'Bytes read from Kafka client connections.', registers: [registry] });
  const bytesOut = new Counter({ name: 'chronik_kafka_sent_bytes_total', help: 'Bytes written to Kafka client connections.', registers: [registry] });
  const connections = new Gauge({ name: 'chronik_kafka_connections', help: 'Open Kafka client connections.', registers: [registry] });
  const opened = new Counter({ name: 'chronik_kafka_connections_opened_total', help: 'Kafka client connections accepted.', registers: [registry] });
  const blocked = new Gauge({ name: 'chronik_kafka_connections_backpressured', help: 'Connections whose socket buffer is full (reading paused).', registers: [registry] });
  const children = new Map<number, RequestChild>();
  const latencyChildren = new Map<number, Histogram.Internal<'api'>>();

  const child = (apiKey: number, errorCode: number): RequestChild => {
    const key = apiKey * 100_000 + errorCode;
    let c = children.get(key);
    if (c === undefined) {
      const labels = { api: apiName(apiKey), error_code: String(errorCode) };
      c = { count: requests.labels(labels), errors: errorCode === 0 ? undefined : errors.labels(labels) };
      if (children.size < MAX_CACHED_CHILDREN) children.set(key, c);
    }
    return c;
  };
  const latencyChild = (apiKey: number): Histogram.Internal<'api'> => {
    let h = latencyChildren.get(apiKey);
    if (h === undefined) {
      h = latency.labels({ api: apiName(apiKey) });
      if (latencyChildren.size < MAX_CACHED_CHILDREN) latencyChildren.set(apiKey, h);
    }
    return h;
  };

  return {
    connectionOpened: () => {
      opened.inc();
      connections.inc();
    },
    connectionClosed: () => connections.dec(),
    bytesReceived: (bytes) => bytesIn.inc(bytes),
    bytesSent: (bytes) => bytesOut.inc(bytes),
    writeBackpressure: (isBlocked) => (isBlocked ? blocked.inc() : blocked.dec()),
    requestCompleted: (apiKey, _apiVersion, errorCode, latencyMs) => {
      const c = child(apiKey, errorCode);
      c.count.inc();
      c.errors?.inc();
      latencyChild(apiKey).observe(latencyMs / 1000);
    },
  };
}
