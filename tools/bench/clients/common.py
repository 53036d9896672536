"""Shared helpers for the benchmark load scripts: percentiles and per-second latency buckets.

The scripts print one JSON object on stdout; the TypeScript driver parses it. Latencies are in
milliseconds. Samples are capped so a fast run cannot grow memory without bound.
"""
import json
import sys

MAX_SAMPLES = 2_000_000


def percentile(sorted_values, q):
    if not sorted_values:
        return 0.0
    i = min(len(sorted_values) - 1, int(q * len(sorted_values)))
    return sorted_values[i]


def summary(latencies_ms):
    s = sorted(latencies_ms)
    return {
        "samples": len(s),
        "p50Ms": percentile(s, 0.50),
        "p99Ms": percentile(s, 0.99),
        "p999Ms": percentile(s, 0.999),
        "maxMs": s[-1] if s else 0.0,
    }


def buckets(times_s, latencies_ms, width_s=1.0):
    """Latency over time: p50/p99 of the samples whose send time falls in each width_s bucket."""
    by = {}
    for t, v in zip(times_s, latencies_ms):
        by.setdefault(int(t / width_s), []).append(v)
    out = []
    for k in sorted(by):
        s = sorted(by[k])
        out.append({"tMs": int(k * width_s * 1000), "count": len(s), "p50Ms": percentile(s, 0.5), "p99Ms": percentile(s, 0.99)})
    return out


def args():
    return json.loads(sys.argv[1])


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()
