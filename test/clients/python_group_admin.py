"""kafka-python end to end: admin creates a topic and describes its configs, a producer with
default settings produces, and a consumer group (auto commit) reads everything back.

Usage: python_group_admin.py BOOTSTRAP TOPIC PARTITIONS COUNT GROUP
Prints one JSON line:
  {"acked": n, "errors": [...], "consumed": n, "unique": n, "configs": {name: value}, "committed": n}
"""
import json
import sys

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient, NewTopic

bootstrap, topic, partitions, count, group = sys.argv[1:6]
partitions, count = int(partitions), int(count)

admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="chronik-py-admin")
admin.create_topics([NewTopic(name=topic, num_partitions=partitions, replication_factor=1, topic_configs={"retention.ms": "3600000"})])
described = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
configs = {}
for response in described:
    for resource in response.resources:
        # (error_code, error_message, resource_type, resource_name, config_entries)
        for entry in resource[4]:
            configs[entry[0]] = entry[1]
admin.close()

producer = KafkaProducer(bootstrap_servers=bootstrap)
futures = [producer.send(topic, key=b"k%d" % (i % 13), value=b"py-%d" % i) for i in range(count)]
producer.flush(timeout=60)
acked, errors = 0, []
for f in futures:
    try:
        f.get(timeout=60)
        acked += 1
    except Exception as e:  # noqa: BLE001 - report every failure to the test
        errors.append(repr(e))
producer.close()

consumer = KafkaConsumer(
    topic,
    bootstrap_servers=bootstrap,
    group_id=group,
    auto_offset_reset="earliest",
    enable_auto_commit=True,
    auto_commit_interval_ms=200,
    consumer_timeout_ms=20000,
)
values = []
for message in consumer:
    values.append(message.value.decode())
    if len(values) >= count:
        break
consumer.commit()
tps = [TopicPartition(topic, p) for p in range(partitions)]
committed = sum((consumer.committed(tp) or 0) for tp in tps)
consumer.close()
print(json.dumps({"acked": acked, "errors": errors[:10], "consumed": len(values), "unique": len(set(values)), "configs": configs, "committed": committed}))
