/*
 * Chronik bench load generator: a librdkafka producer in C.
 *
 * Why C: the Python producer (confluent-kafka) calls produce() once per 1 KiB message from one
 * interpreter thread and tops out near 200 MB/s on this class of machine even at acks=0, below what
 * the single-node broker is asked to reach. Here each of `instances` threads owns one librdkafka
 * client (its own connection and I/O thread) and produces from a static payload without copying it
 * (librdkafka copies small messages into its request buffer once, as it does for every client).
 *
 * Arguments are key=value: bootstrap, topic, messageBytes, durationS, acks, lingerMs, batchBytes,
 * batchMessages, queueMessages (the bound on messages queued in the client, split over the
 * instances), instances, partitions (0, the default: librdkafka's own partitioner, sticky for
 * messages without a key, as the Python producer and most applications get; N: round robin over
 * partitions 0..N-1 message by message, which makes smaller batches at low rates). Prints one JSON line with the same fields as producer.py: acked counts
 * only messages whose delivery report succeeded (at acks=all: written and fsynced by the broker);
 * latency is produce() -> delivery report (rd_kafka_message_latency), kept in log-linear
 * histograms (about 3% resolution) so memory stays bounded whatever the rate.
 *
 * Built by the bench at run time: gcc -O2 producer.c -lrdkafka -lpthread (Debian librdkafka-dev).
 */
#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <sys/resource.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench-common.h"

#define MAX_INSTANCES 16
#define MAX_SECONDS 3600
/* How many produce() calls between two polls of the delivery queue and two clock reads. */
#define POLL_EVERY 64

typedef struct {
  const char *bootstrap, *topic, *acks;
  int partitions, message_bytes, linger_ms, batch_bytes, batch_messages, queue_messages, instances;
  double duration_s;
} options_t;

typedef struct {
  const options_t *o;
  int index;
  const char *payload;
  double start, deadline;
  rd_kafka_t *rk;
  rd_kafka_topic_t *topic;
  long long sent, acked, errors, unflushed;
  double blocked_s; /* time waiting for room in the full local queue: the broker, not this process, was behind */
  char first_error[256];
  hist_t all;
  hist_t *per_second; /* seconds + 1 histograms, by send time */
  int seconds;
  double send_end;
} worker_t;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
  (void)rk;
  worker_t *w = opaque;
  if (m->err) {
    if (w->errors++ == 0) snprintf(w->first_error, sizeof w->first_error, "%s", rd_kafka_err2str(m->err));
    return;
  }
  w->acked++;
  int64_t us = rd_kafka_message_latency(m);
  if (us < 0) return;
  hist_record(&w->all, us);
  double sent_at = now_s() - (double)us / 1e6 - w->start;
  int sec = sent_at < 0 ? 0 : (int)sent_at;
  hist_record(&w->per_second[sec > w->seconds ? w->seconds : sec], us);
}

static int set(rd_kafka_conf_t *conf, const char *key, const char *value) {
  char err[512];
  if (rd_kafka_conf_set(conf, key, value, err, sizeof err) == RD_KAFKA_CONF_OK) return 0;
  fprintf(stderr, "producer: %s=%s: %s\n", key, value, err);
  return -1;
}

static int set_int(rd_kafka_conf_t *conf, const char *key, long long value) {
  char text[32];
  snprintf(text, sizeof text, "%lld", value);
  return set(conf, key, text);
}

static rd_kafka_t *make_client(worker_t *w) {
  const options_t *o = w->o;
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  int queue = o->queue_messages / o->instances;
  int bad = set(conf, "bootstrap.servers", o->bootstrap) | set(conf, "acks", o->acks) |
            set_int(conf, "linger.ms", o->linger_ms) | set_int(conf, "batch.size", o->batch_bytes) |
            set_int(conf, "batch.num.messages", o->batch_messages) | set(conf, "compression.type", "none") |
            set_int(conf, "queue.buffering.max.messages", queue < 1 ? 1 : queue) |
            set_int(conf, "message.timeout.ms", 60000);
  if (bad) {
    rd_kafka_conf_destroy(conf);
    return NULL;
  }
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  rd_kafka_conf_set_opaque(conf, w);
  char err[512];
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (rk == NULL) fprintf(stderr, "producer: rd_kafka_new: %s\n", err);
  return rk;
}

static int32_t first_partition(const worker_t *w) {
  return w->o->partitions > 0 ? w->index % w->o->partitions : RD_KAFKA_PARTITION_UA;
}

/* One message through the full path (metadata, connection), so the clock measures steady state. */
static int warm_up(worker_t *w, rd_kafka_topic_t *t) {
  if (rd_kafka_produce(t, first_partition(w), 0, (void *)w->payload, (size_t)w->o->message_bytes, NULL, 0, NULL) != 0) return -1;
  rd_kafka_flush(w->rk, 30000);
  long long acked = w->acked;
  w->acked = 0;
  w->errors = 0;
  memset(&w->all, 0, sizeof w->all);
  memset(w->per_second, 0, sizeof(hist_t) * (size_t)(w->seconds + 1));
  return acked == 1 ? 0 : -1;
}

static void produce_loop(worker_t *w, rd_kafka_topic_t *t) {
  const options_t *o = w->o;
  int32_t partition = first_partition(w);
  for (;;) {
    if (w->sent % POLL_EVERY == 0) {
      rd_kafka_poll(w->rk, 0);
      if (now_s() >= w->deadline) break;
    }
    if (rd_kafka_produce(t, partition, 0, (void *)w->payload, (size_t)o->message_bytes, NULL, 0, NULL) != 0) {
      if (rd_kafka_last_error() != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        if (w->errors++ == 0) snprintf(w->first_error, sizeof w->first_error, "produce: %s", rd_kafka_err2str(rd_kafka_last_error()));
        break;
      }
      /* The local queue is full: wait (bounded) for delivery reports to make room. */
      double t0 = now_s();
      rd_kafka_poll(w->rk, 10);
      double t1 = now_s();
      w->blocked_s += t1 - t0;
      if (t1 >= w->deadline) break;
      continue;
    }
    w->sent++;
    if (o->partitions > 0) partition = (partition + 1) % o->partitions;
  }
}

/* Client and warm-up, before the clock starts: metadata and connections are not steady state. */
static int prepare(worker_t *w) {
  w->rk = make_client(w);
  if (w->rk == NULL) return -1;
  w->topic = rd_kafka_topic_new(w->rk, w->o->topic, NULL);
  if (w->topic != NULL && warm_up(w, w->topic) == 0) return 0;
  fprintf(stderr, "producer: instance %d: the warm-up message was not acked within 30 s (%s)\n", w->index,
          w->first_error[0] ? w->first_error : "no delivery report");
  return -1;
}

static void *run_worker(void *arg) {
  worker_t *w = arg;
  produce_loop(w, w->topic);
  w->send_end = now_s();
  rd_kafka_flush(w->rk, 60000);
  w->unflushed = rd_kafka_outq_len(w->rk);
  return NULL;
}

static int parse(options_t *o, int argc, char **argv) {
  *o = (options_t){.acks = "all", .partitions = 0, .message_bytes = 1024, .linger_ms = 10, .batch_bytes = 1000000,
                   .batch_messages = 10000, .queue_messages = 20000, .instances = 1, .duration_s = 10};
  for (int i = 1; i < argc; i++) {
    const char *k, *v;
    if (split_kv(argv[i], &k, &v)) return -1;
    if (!strcmp(k, "bootstrap")) o->bootstrap = v;
    else if (!strcmp(k, "topic")) o->topic = v;
    else if (!strcmp(k, "acks")) o->acks = v;
    else if (!strcmp(k, "partitions")) o->partitions = atoi(v);
    else if (!strcmp(k, "messageBytes")) o->message_bytes = atoi(v);
    else if (!strcmp(k, "durationS")) o->duration_s = atof(v);
    else if (!strcmp(k, "lingerMs")) o->linger_ms = atoi(v);
    else if (!strcmp(k, "batchBytes")) o->batch_bytes = atoi(v);
    else if (!strcmp(k, "batchMessages")) o->batch_messages = atoi(v);
    else if (!strcmp(k, "queueMessages")) o->queue_messages = atoi(v);
    else if (!strcmp(k, "instances")) o->instances = atoi(v);
    else return -1;
  }
  int ok = o->bootstrap && o->topic && o->partitions >= 0 && o->message_bytes > 0 && o->duration_s > 0 &&
           o->duration_s < MAX_SECONDS && o->instances > 0 && o->instances <= MAX_INSTANCES;
  return ok ? 0 : -1;
}

static void print_json(worker_t *ws, const options_t *o, double start, double end, double cpu_s) {
  long long sent = 0, acked = 0, errors = 0, unflushed = 0;
  double send_end = start, blocked = 0;
  const char *first = "";
  hist_t *all = calloc(1, sizeof *all);
  int seconds = ws[0].seconds;
  for (int i = 0; i < o->instances; i++) {
    sent += ws[i].sent, acked += ws[i].acked, errors += ws[i].errors, unflushed += ws[i].unflushed;
    blocked += ws[i].blocked_s / o->instances;
    if (ws[i].send_end > send_end) send_end = ws[i].send_end;
    if (!*first && ws[i].first_error[0]) first = ws[i].first_error;
    hist_merge(all, &ws[i].all);
  }
  printf("{\"generator\":\"c\",\"librdkafka\":\"%s\",\"instances\":%d,\"sent\":%lld,\"acked\":%lld,\"errors\":%lld,",
         rd_kafka_version_str(), o->instances, sent, acked, errors);
  if (*first) {
    /* A JSON string: librdkafka's messages are plain ASCII, but never trust that with quotes. */
    printf("\"firstError\":\"");
    for (const char *c = first; *c; c++) putchar(*c == '"' || *c == '\\' || (unsigned char)*c < 0x20 ? '\'' : *c);
    printf("\",");
  } else {
    printf("\"firstError\":null,");
  }
  printf("\"unflushed\":%lld,\"seconds\":%.6f,\"sendSeconds\":%.6f,\"blockedSeconds\":%.6f,\"cpuSeconds\":%.6f,\"latency\":",
         unflushed, end - start, send_end - start, blocked, cpu_s);
  hist_print_json(all);
  printf(",\"overTime\":[");
  int comma = 0;
  for (int s = 0; s <= seconds; s++) {
    hist_t *h = all;
    memset(h, 0, sizeof *h);
    for (int i = 0; i < o->instances; i++) hist_merge(h, &ws[i].per_second[s]);
    if (h->total == 0) continue;
    printf("%s{\"tMs\":%d,\"count\":%llu,\"p50Ms\":%.3f,\"p99Ms\":%.3f}", comma ? "," : "", s * 1000,
           (unsigned long long)h->total, hist_quantile_ms(h, 0.5), hist_quantile_ms(h, 0.99));
    comma = 1;
  }
  printf("]}\n");
  free(all);
}

static void destroy(worker_t *w) {
  if (w->topic != NULL) rd_kafka_topic_destroy(w->topic);
  if (w->rk != NULL) rd_kafka_destroy(w->rk);
  free(w->per_second);
}

int main(int argc, char **argv) {
  options_t o;
  if (parse(&o, argc, argv) != 0) {
    fprintf(stderr, "usage: producer bootstrap=H:P topic=T [partitions= messageBytes= durationS= acks= lingerMs= batchBytes= batchMessages= queueMessages= instances=]\n");
    return 2;
  }
  char *payload = malloc((size_t)o.message_bytes);
  for (int i = 0; i < o.message_bytes; i++) payload[i] = (char)(rand() & 0xff);
  worker_t *ws = calloc((size_t)o.instances, sizeof *ws);
  pthread_t threads[MAX_INSTANCES];
  int seconds = (int)o.duration_s + 1;
  int failed = 0;
  for (int i = 0; i < o.instances && !failed; i++) {
    ws[i] = (worker_t){.o = &o, .index = i, .payload = payload, .seconds = seconds,
                       .per_second = calloc((size_t)seconds + 1, sizeof(hist_t))};
    failed = prepare(&ws[i]) != 0;
  }
  if (!failed) {
    double start = now_s(), cpu0 = bench_cpu_seconds();
    for (int i = 0; i < o.instances; i++) ws[i].start = start, ws[i].deadline = start + o.duration_s;
    for (int i = 0; i < o.instances; i++) pthread_create(&threads[i], NULL, run_worker, &ws[i]);
    for (int i = 0; i < o.instances; i++) pthread_join(threads[i], NULL);
    print_json(ws, &o, start, now_s(), bench_cpu_seconds() - cpu0);
  }
  for (int i = 0; i < o.instances; i++) destroy(&ws[i]);
  free(ws);
  free(payload);
  return failed ? 1 : 0;
}
