"""confluent-kafka (librdkafka) AdminClient: create a topic, describe its configs and broker 0's,
alter a topic config (validate-only first) and describe it again.

Usage: confluent_admin_configs.py BOOTSTRAP TOPIC
Prints one JSON line:
  {"topic_before": {...}, "after_validate": str, "after_alter": str, "broker": {...}, "errors": [...]}
"""
import json
import sys

from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic

bootstrap, topic = sys.argv[1:3]
admin = AdminClient({"bootstrap.servers": bootstrap})
errors = []


def wait_all(futures):
    out = {}
    for key, f in futures.items():
        try:
            out[key] = f.result(30)
        except Exception as e:  # noqa: BLE001 - report every failure to the test
            errors.append(repr(e))
    return out


def describe(resource):
    got = wait_all(admin.describe_configs([resource]))
    entries = next(iter(got.values()), {})
    return {name: entry.value for name, entry in entries.items()}


wait_all(admin.create_topics([NewTopic(topic, num_partitions=2, replication_factor=1)], operation_timeout=20))
topic_before = describe(ConfigResource("topic", topic))

resource = ConfigResource("topic", topic, set_config={"retention.ms": "123456"})
wait_all(admin.alter_configs([resource], validate_only=True))
after_validate = describe(ConfigResource("topic", topic)).get("retention.ms")
wait_all(admin.alter_configs([ConfigResource("topic", topic, set_config={"retention.ms": "123456"})]))
after_alter = describe(ConfigResource("topic", topic)).get("retention.ms")

broker = describe(ConfigResource("broker", "0"))
print(json.dumps({
    "topic_before": topic_before,
    "after_validate": after_validate,
    "after_alter": after_alter,
    "broker": {k: broker.get(k) for k in ("broker.id", "log.retention.ms", "num.partitions")},
    "errors": errors[:10],
}))
