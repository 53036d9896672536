"""librdkafka (confluent-kafka) producer load: as fast as it goes, or paced at a fixed rate.

argv[1] is JSON: bootstrap, topic, messageBytes, durationS, maxMessages, rate (0 = unpaced),
acks, lingerMs, batchBytes, batchMessages. Latency is produce() -> delivery report (msg.latency()).
"""
import os
import resource
import time

from confluent_kafka import Producer

from common import MAX_SAMPLES, args, buckets, emit, summary


def cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main():
    a = args()
    conf = {
        "bootstrap.servers": a["bootstrap"],
        "acks": str(a["acks"]),
        "linger.ms": a["lingerMs"],
        "batch.size": a["batchBytes"],
        "batch.num.messages": a["batchMessages"],
        "compression.type": "none",
        # A bounded local queue (20k x 1 KiB = 20 MB) keeps the pipeline full without turning
        # the reported latency into seconds of client-side queueing.
        "queue.buffering.max.messages": 20_000,
        "message.timeout.ms": 60_000,
    }
    producer = Producer(conf)
    payload = os.urandom(a["messageBytes"])
    state = {"acked": 0, "errors": 0, "firstError": None}
    times, lats = [], []
    start = time.monotonic()

    def on_delivery(err, msg):
        if err is not None:
            state["errors"] += 1
            state["firstError"] = state["firstError"] or str(err)
            return
        state["acked"] += 1
        if len(lats) < MAX_SAMPLES:
            lat = msg.latency()
            lats.append(lat * 1000.0)
            times.append(time.monotonic() - start - lat)

    # Warm up: metadata and connections, so the clock measures steady state.
    producer.produce(a["topic"], payload)
    producer.flush(30)
    start = time.monotonic()
    deadline = start + a["durationS"]
    rate = a["rate"]
    sent = 0
    # Time spent waiting for room in the full local queue: the broker, not this script, was behind.
    blocked = 0.0
    cpu0 = cpu_seconds()
    while sent < a["maxMessages"]:
        now = time.monotonic()
        if now >= deadline:
            break
        if rate > 0:
            due = start + sent / rate
            if due > now:
                # Pacing for a fixed offered load (a timer, not synchronisation).
                producer.poll(min(due - now, 0.01))
                continue
        try:
            producer.produce(a["topic"], payload, on_delivery=on_delivery)
            sent += 1
        except BufferError:
            t0 = time.monotonic()
            producer.poll(0.01)
            blocked += time.monotonic() - t0
            continue
        producer.poll(0)
    send_end = time.monotonic()
    remaining = producer.flush(60)
    end = time.monotonic()
    emit({
        "sent": sent,
        "acked": state["acked"],
        "errors": state["errors"],
        "firstError": state["firstError"],
        "unflushed": remaining,
        "seconds": end - start,
        "sendSeconds": send_end - start,
        "blockedSeconds": blocked,
        "cpuSeconds": cpu_seconds() - cpu0,
        "latency": summary(lats),
        "overTime": buckets(times, lats),
    })


main()
