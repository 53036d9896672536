"""Creates a topic through one node and produces to it through another with kafka-python.

Usage: python_create_produce.py ADMIN_BOOTSTRAP PRODUCE_BOOTSTRAP TOPIC PARTITIONS RF COUNT
Prints one JSON line: {"acked": n, "errors": [...]}. The producer keeps kafka-python's default
retries=0, so every message must succeed on its first try.
"""
import json
import sys

from kafka import KafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic

admin_bootstrap, produce_bootstrap, topic, partitions, rf, count = sys.argv[1:7]
admin = KafkaAdminClient(bootstrap_servers=admin_bootstrap, client_id="chronik-test-admin")
admin.create_topics([NewTopic(name=topic, num_partitions=int(partitions), replication_factor=int(rf))])
admin.close()

producer = KafkaProducer(bootstrap_servers=produce_bootstrap, acks="all", retries=0, linger_ms=5)
futures = [producer.send(topic, key=b"k%d" % (i % 16), value=b"value-%d" % i) for i in range(int(count))]
producer.flush(timeout=60)
acked, errors = 0, []
for f in futures:
    try:
        f.get(timeout=60)
        acked += 1
    except Exception as e:  # noqa: BLE001 - report every failure to the test
        errors.append(repr(e))
producer.close()
print(json.dumps({"acked": acked, "errors": errors[:10]}))
