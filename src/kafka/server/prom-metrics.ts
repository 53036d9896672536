import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { apiCodecs } from '../protocol/generated/index.js';
import { isKnownApiKey } from '../protocol/header.js';
import type { KafkaServerMetrics } from './metrics.js';

/** Distinct (API key, error code) pairs we keep children for; beyond it they share one child. */
const MAX_CHILDREN = 4096;

function apiName(apiKey: number): string {
  return isKnownApiKey(apiKey) ? apiCodecs[apiKey].name : String(apiKey);
}

/**
 * Binds the server's hooks to prom-client metrics in the given registry (never the global one).
 * Labelled children are looked up by a numeric key in a Map after the first use, so the hot path
 * does not build label strings per request.
 */
export function promKafkaServerMetrics(registry: Registry, prefix = 'chronik_kafka_'): KafkaServerMetrics {
  const registers = [registry];
  const requests = new Counter({ name: `${prefix}requests_total`, help: 'Requests by API and top-level error code', labelNames: ['api', 'error_code'], registers });
  const latency = new Histogram({
    name: `${prefix}request_duration_seconds`,
    help: 'Time from request decode to response ready',
    labelNames: ['api'],
    buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
    registers,
  });
  const bytesIn = new Counter({ name: `${prefix}received_bytes_total`, help: 'Bytes received from clients', registers });
  const bytesOut = new Counter({ name: `${prefix}sent_bytes_total`, help: 'Bytes sent to clients', registers });
  const connections = new Gauge({ name: `${prefix}connections`, help: 'Open client connections', registers });
  const backpressure = new Counter({ name: `${prefix}write_backpressure_total`, help: 'Times a connection stopped reading because its socket buffer was full', registers });
  type RequestChild = ReturnType<typeof requests.labels>;
  type LatencyChild = ReturnType<typeof latency.labels>;
  const requestChildren = new Map<number, RequestChild>();
  // Only registered APIs complete requests, so this map is bounded by the registry.
  const latencyChildren = new Map<number, LatencyChild>();
  const overflow = requests.labels('other', 'other');
  const requestChild = (apiKey: number, errorCode: number): RequestChild => {
    const key = apiKey * 65536 + errorCode + 32768;
    let child = requestChildren.get(key);
    if (child === undefined) {
      if (requestChildren.size >= MAX_CHILDREN) return overflow;
      child = requests.labels(apiName(apiKey), String(errorCode));
      requestChildren.set(key, child);
    }
    return child;
  };
  const latencyChild = (apiKey: number): LatencyChild => {
    let child = latencyChildren.get(apiKey);
    if (child === undefined) {
      child = latency.labels(apiName(apiKey));
      latencyChildren.set(apiKey, child);
    }
    return child;
  };
  return {
    connectionOpened: () => connections.inc(),
    connectionClosed: () => connections.dec(),
    bytesReceived: (n) => bytesIn.inc(n),
    bytesSent: (n) => bytesOut.inc(n),
    writeBackpressure: (blocked) => {
      if (blocked) backpressure.inc();
    },
    requestCompleted: (apiKey, _apiVersion, errorCode, latencyMs) => {
      requestChild(apiKey, errorCode).inc();
      latencyChild(apiKey).observe(latencyMs / 1000);
    },
  };
}
