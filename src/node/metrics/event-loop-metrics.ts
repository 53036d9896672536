import { performance } from 'node:perf_hooks';
import type { Registry } from 'prom-client';
import { pulledCounter } from './pulled-counter.js';

/**
 * How busy the event loop is: every Kafka request, Raft drain and WAL round of the node runs on it,
 * so it is the node's saturation signal (Kafka's counterpart is the request handlers' idle ratio).
 * `rate(chronik_eventloop_busy_seconds_total[1m])` is the share of a core the loop spent running
 * callbacks rather than waiting for I/O; near 1 means requests queue behind each other. Read from
 * V8's own accounting (performance.eventLoopUtilization) at scrape time: no timer, nothing on the
 * hot path, and an idle node stays idle. Shared by nodes embedded in one process.
 */
export function registerEventLoopMetrics(registry: Registry): void {
  pulledCounter(registry, { name: 'chronik_eventloop_busy_seconds_total', help: 'Seconds the event loop spent running callbacks (not waiting for I/O) since the process started.' }, () => [
    { labels: {}, value: performance.eventLoopUtilization().active / 1000 },
  ]);
  pulledCounter(registry, { name: 'chronik_eventloop_idle_seconds_total', help: 'Seconds the event loop spent waiting for I/O since the process started.' }, () => [
    { labels: {}, value: performance.eventLoopUtilization().idle / 1000 },
  ]);
}
