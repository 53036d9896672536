"""librdkafka (confluent-kafka) idempotent producer for the rolling-restart test.

Produces keyed records across all partitions (acks=all, enable.idempotence) until stdin is closed,
then flushes and prints one JSON line: the values whose delivery was confirmed and the errors.
"""
import json
import sys
import threading

from confluent_kafka import Producer

MAX_MESSAGES = 200_000

brokers, topic = sys.argv[1], sys.argv[2]
stop = threading.Event()


def wait_for_eof():
    sys.stdin.read()
    stop.set()


threading.Thread(target=wait_for_eof, daemon=True).start()
producer = Producer({
    'bootstrap.servers': brokers,
    'enable.idempotence': True,
    'acks': 'all',
    'linger.ms': 5,
    'message.timeout.ms': 60_000,
})
acked, failed = [], []


def on_delivery(err, msg):
    if err is None:
        acked.append(msg.value().decode())
    else:
        failed.append(str(err))


sent = 0
while not stop.is_set() and sent < MAX_MESSAGES:
    for j in range(20):
        producer.produce(topic, key=f'k{j}', value=f'c-{sent + j}', on_delivery=on_delivery)
    sent += 20
    # Serves delivery callbacks and paces the load (at most ~1000 records/s).
    producer.poll(0.02)
remaining = producer.flush(60)
print(json.dumps({'acked': acked, 'failed': failed, 'unflushed': remaining}))
