"""End-to-end latency: a paced librdkafka producer (linger.ms=0, acks=all) and a consumer in one
process; each payload starts with the send time, the consumer subtracts it on receipt.

Both ends use the settings a user picks for latency: no linger, Nagle off (librdkafka leaves it on
by default), and a consumer that takes each message as it arrives. `consume(num_messages=N,
timeout=T)` would not do: it waits until N messages or T have passed, so at 2,000 msg/s it holds
every message for up to T before the clock is read.

argv[1] is JSON: bootstrap, topic, partitions, messageBytes, rate, durationS, warmupS.
"""
import struct
import threading
import time

from confluent_kafka import Consumer, Producer, TopicPartition, OFFSET_BEGINNING

from common import MAX_SAMPLES, args, buckets, emit, summary

PROBE = b"chronik-bench-e2e-probe"


def consume(a, stop, out, ready):
    consumer = Consumer({
        "bootstrap.servers": a["bootstrap"],
        "group.id": "chronik-bench-e2e",
        "enable.auto.commit": False,
        "fetch.wait.max.ms": 100,
        "fetch.min.bytes": 1,
        "socket.nagle.disable": True,
    })
    consumer.assign([TopicPartition(a["topic"], p, OFFSET_BEGINNING) for p in range(a["partitions"])])
    while not stop.is_set():
        msg = consumer.poll(0.1)
        if msg is None:
            continue
        now = time.monotonic_ns()
        if msg.error() is None and msg.value() == PROBE:
            ready.set()
            continue
        if msg.error() is not None or len(msg.value()) < 8:
            out["errors"] += 1
            continue
        sent = struct.unpack(">q", msg.value()[:8])[0]
        if len(out["lats"]) < MAX_SAMPLES:
            out["lats"].append((now - sent) / 1e6)
            out["times"].append(sent / 1e9)
    consumer.close()


def main():
    a = args()
    out = {"lats": [], "times": [], "errors": 0}
    stop = threading.Event()
    ready = threading.Event()
    thread = threading.Thread(target=consume, args=(a, stop, out, ready))
    thread.start()
    producer = Producer({"bootstrap.servers": a["bootstrap"], "acks": "all", "linger.ms": 0, "compression.type": "none", "socket.nagle.disable": True})
    acks = []

    def on_delivery(err, msg):
        # Produce -> acks=all acknowledgement, the broker's share of the end-to-end time.
        if err is None and len(acks) < MAX_SAMPLES:
            acks.append(msg.latency() * 1000.0)
    # The consumer's start-up (metadata, offsets, first fetch) is not end-to-end latency: the paced
    # run starts only once a probe message has made the full trip (bounded wait).
    probe_start = time.monotonic()
    while not ready.is_set() and time.monotonic() - probe_start < 30:
        producer.produce(a["topic"], PROBE)
        producer.flush(5)
        ready.wait(1.0)
    probe_s = time.monotonic() - probe_start
    pad = b"x" * (a["messageBytes"] - 8)
    rate, total = a["rate"], int(a["rate"] * (a["durationS"] + a["warmupS"]))
    start = time.monotonic()
    sent = 0
    while sent < total:
        due = start + sent / rate
        now = time.monotonic()
        if due > now:
            producer.poll(min(due - now, 0.005))
            continue
        try:
            producer.produce(a["topic"], struct.pack(">q", time.monotonic_ns()) + pad, on_delivery=on_delivery)
            sent += 1
        except BufferError:
            producer.poll(0.005)
        producer.poll(0)
    producer.flush(30)
    # Bounded drain: give the consumer up to 5 s for the tail.
    drain_deadline = time.monotonic() + 5
    while len(out["lats"]) < sent and time.monotonic() < drain_deadline:
        time.sleep(0.05)
    stop.set()
    thread.join(10)
    t0 = start + a["warmupS"]
    pairs = [(t - t0, l) for t, l in zip(out["times"], out["lats"]) if t >= t0]
    lats = [l for _, l in pairs]
    emit({
        "sent": sent,
        "received": len(out["lats"]),
        "errors": out["errors"],
        "seconds": time.monotonic() - start,
        "consumerReadyS": probe_s,
        "consumerReady": ready.is_set(),
        "latency": summary(lats),
        "ackLatency": summary(acks[int(a["warmupS"] * rate):]),
        "overTime": buckets([t for t, _ in pairs], lats),
    })


main()
