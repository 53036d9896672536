/*
 * Chronik bench catch-up consumer: librdkafka in C, reading a topic from the start (assign, no
 * group), the counterpart of producer.c.
 *
 * Why C: consumer.py spends its interpreter thread on a Python object per 1 KiB message (~2.5 us
 * each, most of a core at 400k messages/s); on a shared 2-core machine that CPU is taken from the
 * brokers being measured. Here the messages are counted in batches straight off librdkafka's queue,
 * with the same client settings as consumer.py, so what is measured is the broker's serving.
 *
 * Arguments are key=value: bootstrap, topic, partitions, expected (messages), timeoutS. Prints one
 * JSON line with consumer.py's fields (messages, bytes, errors, seconds from the first message,
 * totalSeconds, firstMessageS) plus cpuSeconds of this process and the librdkafka version.
 *
 * Built by the bench at run time: gcc -O2 consumer.c -lrdkafka -lpthread (Debian librdkafka-dev).
 */
#include <librdkafka/rdkafka.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench-common.h"

/* Messages taken from the queue per call: as consumer.py's consume(num_messages=10000). */
#define BATCH 10000
#define MAX_PARTITIONS 100000
#define MAX_SECONDS 3600

typedef struct {
  const char *bootstrap, *topic;
  int partitions;
  long long expected;
  double timeout_s;
} options_t;

static int set(rd_kafka_conf_t *conf, const char *key, const char *value) {
  char err[512];
  if (rd_kafka_conf_set(conf, key, value, err, sizeof err) == RD_KAFKA_CONF_OK) return 0;
  fprintf(stderr, "consumer: %s=%s: %s\n", key, value, err);
  return -1;
}

/* consumer.py's settings: large fetches, a deep local queue, a short long-poll. */
static rd_kafka_t *make_client(const options_t *o) {
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  int bad = set(conf, "bootstrap.servers", o->bootstrap) | set(conf, "group.id", "chronik-bench") |
            set(conf, "enable.auto.commit", "false") | set(conf, "fetch.max.bytes", "52428800") |
            set(conf, "max.partition.fetch.bytes", "10485760") | set(conf, "queued.max.messages.kbytes", "1048576") |
            set(conf, "fetch.wait.max.ms", "100");
  if (bad) {
    rd_kafka_conf_destroy(conf);
    return NULL;
  }
  char err[512];
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (rk == NULL) fprintf(stderr, "consumer: rd_kafka_new: %s\n", err);
  return rk;
}

static int parse(options_t *o, int argc, char **argv) {
  *o = (options_t){.partitions = 0, .expected = 0, .timeout_s = 180};
  for (int i = 1; i < argc; i++) {
    const char *k, *v;
    if (split_kv(argv[i], &k, &v)) return -1;
    if (!strcmp(k, "bootstrap")) o->bootstrap = v;
    else if (!strcmp(k, "topic")) o->topic = v;
    else if (!strcmp(k, "partitions")) o->partitions = atoi(v);
    else if (!strcmp(k, "expected")) o->expected = atoll(v);
    else if (!strcmp(k, "timeoutS")) o->timeout_s = atof(v);
    else return -1;
  }
  return o->bootstrap && o->topic && o->partitions > 0 && o->partitions <= MAX_PARTITIONS && o->expected > 0 &&
                 o->timeout_s > 0 && o->timeout_s < MAX_SECONDS
             ? 0
             : -1;
}

int main(int argc, char **argv) {
  options_t o;
  if (parse(&o, argc, argv) != 0) {
    fprintf(stderr, "usage: consumer bootstrap=H:P topic=T partitions=N expected=N [timeoutS=]\n");
    return 2;
  }
  rd_kafka_t *rk = make_client(&o);
  if (rk == NULL) return 1;
  double start = now_s(), cpu0 = bench_cpu_seconds(), first = 0;
  if (bench_assign_all(rk, o.topic, o.partitions, "consumer") != 0) {
    rd_kafka_destroy(rk);
    return 1;
  }
  rd_kafka_queue_t *queue = rd_kafka_queue_get_consumer(rk);
  rd_kafka_message_t **batch = malloc(sizeof *batch * BATCH);
  long long count = 0, bytes = 0, errors = 0;
  double deadline = start + o.timeout_s;
  while (count < o.expected && now_s() < deadline) {
    ssize_t n = rd_kafka_consume_batch_queue(queue, 500, batch, BATCH);
    for (ssize_t i = 0; i < n; i++) {
      rd_kafka_message_t *m = batch[i];
      if (m->err) errors++;
      else {
        if (first == 0) first = now_s();
        count++;
        bytes += (long long)m->len;
      }
      rd_kafka_message_destroy(m);
    }
  }
  double end = now_s(), cpu = bench_cpu_seconds() - cpu0;
  free(batch);
  rd_kafka_queue_destroy(queue);
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  printf("{\"generator\":\"c\",\"librdkafka\":\"%s\",\"messages\":%lld,\"bytes\":%lld,\"errors\":%lld,\"totalSeconds\":%.6f,"
         "\"seconds\":%.6f,\"firstMessageS\":",
         rd_kafka_version_str(), count, bytes, errors, end - start, end - (first > 0 ? first : start));
  if (first > 0) printf("%.6f", first - start);
  else printf("null");
  printf(",\"cpuSeconds\":%.6f}\n", cpu);
  return 0;
}
