"""kafka-python end to end: admin creates a topic, describes and alters its configs and describes
broker 0's; a producer with default settings produces; a consumer group (auto commit) reads it all.

Usage: python_group_admin.py BOOTSTRAP TOPIC PARTITIONS COUNT GROUP
Prints one JSON line:
  {"acked": n, "errors": [...], "consumed": n, "unique": n, "configs": {name: value},
   "altered": retention.ms after AlterConfigs, "broker_id": broker 0's broker.id config, "committed": n}
"""
import json
import sys

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient, NewTopic

bootstrap, topic, partitions, count, group = sys.argv[1:6]
partitions, count = int(partitions), int(count)

admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="chronik-py-admin")
admin.create_topics([NewTopic(name=topic, num_partitions=partitions, replication_factor=1, topic_configs={"retention.ms": "3600000"})])


def describe(resource):
    out = {}
    for response in admin.describe_configs([resource]):
        for r in response.resources:
            # (error_code, error_message, resource_type, resource_name, config_entries)
            for entry in r[4]:
                out[entry[0]] = entry[1]
    return out


configs = describe(ConfigResource(ConfigResourceType.TOPIC, topic))
admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, topic, configs={"retention.ms": "7200000"})])
altered = describe(ConfigResource(ConfigResourceType.TOPIC, topic)).get("retention.ms")
broker_id = describe(ConfigResource(ConfigResourceType.BROKER, "0")).get("broker.id")
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
print(json.dumps({"acked": acked, "errors": errors[:10], "consumed": len(values), "unique": len(set(values)), "configs": configs, "altered": altered, "broker_id": broker_id, "committed": committed}))
