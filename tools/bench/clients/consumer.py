"""librdkafka (confluent-kafka) catch-up consumer: reads a topic from the start, no group.

argv[1] is JSON: bootstrap, topic, partitions, expected (messages), timeoutS.
"""
import time

from confluent_kafka import Consumer, TopicPartition, OFFSET_BEGINNING

from common import args, emit


def main():
    a = args()
    consumer = Consumer({
        "bootstrap.servers": a["bootstrap"],
        "group.id": "chronik-bench",
        "enable.auto.commit": False,
        "fetch.max.bytes": 52_428_800,
        "max.partition.fetch.bytes": 10_485_760,
        "queued.max.messages.kbytes": 1_048_576,
        "fetch.wait.max.ms": 100,
    })
    start = time.monotonic()
    consumer.assign([TopicPartition(a["topic"], p, OFFSET_BEGINNING) for p in range(a["partitions"])])
    deadline = start + a["timeoutS"]
    count, nbytes, errors, first = 0, 0, 0, None
    while count < a["expected"] and time.monotonic() < deadline:
        for msg in consumer.consume(num_messages=10_000, timeout=0.5):
            if msg.error() is not None:
                errors += 1
                continue
            if first is None:
                first = time.monotonic()
            count += 1
            nbytes += len(msg.value())
    end = time.monotonic()
    consumer.close()
    emit({
        "messages": count,
        "bytes": nbytes,
        "errors": errors,
        "totalSeconds": end - start,
        # Catch-up throughput is timed from the first message: connection, metadata and offset
        # look-ups are start-up cost, reported separately.
        "seconds": end - (first if first is not None else start),
        "firstMessageS": (first - start) if first is not None else None,
    })


main()
