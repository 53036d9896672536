"""confluent-kafka (librdkafka): an idempotent producer, then a consumer group reading it all.

Usage: confluent_idempotent_group.py BOOTSTRAP TOPIC COUNT GROUP
Prints one JSON line: {"delivered": n, "errors": [...], "consumed": n, "unique": n, "in_order": bool}
"""
import json
import sys
import time

from confluent_kafka import Consumer, Producer

bootstrap, topic, count, group = sys.argv[1:5]
count = int(count)

errors = []
delivered = [0]


def on_delivery(err, msg):
    if err is not None:
        errors.append(str(err))
    else:
        delivered[0] += 1


producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "linger.ms": 5})
for i in range(count):
    while True:
        try:
            producer.produce(topic, key=b"k%d" % (i % 7), value=b"ck-%d" % i, on_delivery=on_delivery)
            break
        except BufferError:
            producer.poll(0.1)  # local queue full: serve delivery reports, then retry
    producer.poll(0)
remaining = producer.flush(60)
if remaining:
    errors.append("%d messages not delivered within 60 s" % remaining)

consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "auto.offset.reset": "earliest", "enable.auto.commit": True})
consumer.subscribe([topic])
values = []
deadline = time.monotonic() + 60
while len(values) < count and time.monotonic() < deadline:
    msg = consumer.poll(1.0)
    if msg is None:
        continue
    if msg.error():
        errors.append(str(msg.error()))
        continue
    values.append((msg.partition(), msg.offset(), msg.value().decode()))
consumer.commit(asynchronous=False)
consumer.close()

per_key_order = {}
in_order = True
for partition, offset, value in values:
    n = int(value.split("-")[1])
    key = n % 7
    if per_key_order.get(key, -1) >= n:
        in_order = False
    per_key_order[key] = n
print(json.dumps({"delivered": delivered[0], "errors": errors[:10], "consumed": len(values), "unique": len({v for _, _, v in values}), "in_order": in_order}))
