import { Counter, Gauge, type Registry } from 'prom-client';
import type { KafkaServerMetrics } from '../../kafka/server/index.js';
import { apiName } from './api-names.js';
import { HotHistogram, type HotSeries } from './hot-histogram.js';
import { pulledCounter } from './pulled-counter.js';

/** Request latency buckets in seconds: from sub-millisecond metadata calls to long-polling fetches. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Children are kept per (api, error code); both are small bounded enums, this caps the map anyway. */
const MAX_CACHED_CHILDREN = 4096;
/** Where pairs past the cap are counted (a key no real pair has: API keys are below 100,000). */
const OVERFLOW_KEY = -1;

/** One (API, error code) pair's count, read by the counters at scrape time. */
type RequestChild = { labels: { api: string; error_code: string }; n: number };

/**
 * The Kafka listener's hooks bound to prom-client metrics. The hot path only bumps plain numbers of
 * cached label children (no label hashing, no allocation per request once a pair has been seen);
 * the request counters read them at scrape time and the latency histogram is a HotHistogram.
 */
export function kafkaServerMetrics(registry: Registry): KafkaServerMetrics {
  const children = new Map<number, RequestChild>();
  const readings = (errorsOnly: boolean) => () => [...children.values()].filter((c) => !errorsOnly || c.labels.error_code !== '0').map((c) => ({ labels: c.labels, value: c.n }));
  pulledCounter(registry, { name: 'chronik_kafka_requests_total', help: 'Kafka requests completed, by API and top-level error code.', labelNames: ['api', 'error_code'] }, readings(false));
  pulledCounter(registry, { name: 'chronik_kafka_request_errors_total', help: 'Kafka requests whose top-level error code was not NONE (-1: the handler threw).', labelNames: ['api', 'error_code'] }, readings(true));
  const latency = new HotHistogram<'api'>({ name: 'chronik_kafka_request_duration_seconds', help: 'Kafka request latency from decode to response written, by API.', labelNames: ['api'], buckets: LATENCY_BUCKETS, registers: [registry] });
  const bytesIn = new Counter({ name: 'chronik_kafka_received_bytes_total', help: 'Bytes read from Kafka client connections.', registers: [registry] });
  const bytesOut = new Counter({ name: 'chronik_kafka_sent_bytes_total', help: 'Bytes written to Kafka client connections.', registers: [registry] });
  const connections = new Gauge({ name: 'chronik_kafka_connections', help: 'Open Kafka client connections.', registers: [registry] });
  const opened = new Counter({ name: 'chronik_kafka_connections_opened_total', help: 'Kafka client connections accepted.', registers: [registry] });
  const blocked = new Gauge({ name: 'chronik_kafka_connections_backpressured', help: 'Connections whose socket buffer is full (reading paused).', registers: [registry] });
  const latencyChildren = new Map<number, HotSeries>();

  const child = (apiKey: number, errorCode: number): RequestChild => {
    const key = apiKey * 100_000 + errorCode;
    let c = children.get(key);
    if (c === undefined && children.size < MAX_CACHED_CHILDREN) {
      c = { labels: { api: apiName(apiKey), error_code: String(errorCode) }, n: 0 };
      children.set(key, c);
    } else if (c === undefined) {
      // Both are small bounded enums; past the cap (never seen) the rest share one series.
      c = children.get(OVERFLOW_KEY) ?? { labels: { api: 'other', error_code: 'other' }, n: 0 };
      children.set(OVERFLOW_KEY, c);
    }
    return c;
  };
  const latencyChild = (apiKey: number): HotSeries => {
    let h = latencyChildren.get(apiKey);
    if (h === undefined) {
      h = latency.series({ api: apiName(apiKey) });
      latencyChildren.set(apiKey, h);
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
      child(apiKey, errorCode).n++;
      latencyChild(apiKey).observe(latencyMs / 1000);
    },
  };
}
