/*
 * Chronik bench end-to-end latency client: a paced librdkafka producer and a consumer in one
 * process, in C; the counterpart of e2e.py with the same settings and the same JSON fields.
 *
 * Why C: on the shared 2-core bench machine e2e.py took ~0.7 of a core at 2,000 msg/s (interpreter
 * work per message, a Python callback per delivery report, a Python object per consumed message,
 * GIL hand-offs between its two threads). With the brokers using the rest, the machine was
 * saturated and the client's own CPU queued in front of what it measured.
 *
 * Same as e2e.py: producer acks=all, linger.ms=0, no compression, Nagle off, librdkafka's default
 * partitioner (keyless messages: consistent_random with sticky.partitioning.linger.ms at its
 * default); consumer group.id chronik-bench-e2e (assign, no subscribe), no auto commit,
 * fetch.wait.max.ms=100, fetch.min.bytes=1, Nagle off, all partitions from the beginning, each
 * message taken as it arrives (rd_kafka_consumer_poll, never a call that waits to fill a batch).
 * The payload starts with the CLOCK_MONOTONIC send time in nanoseconds (8 bytes big-endian); the
 * consumer thread subtracts it on receipt. A probe message makes the full trip before the paced
 * run starts, so consumer start-up is not counted.
 *
 * Arguments are key=value: bootstrap, topic, partitions, messageBytes, rate (msg/s), durationS,
 * warmupS. Prints one JSON line with e2e.py's fields plus generator, librdkafka and cpuSeconds.
 *
 * Built by the bench at run time: gcc -O2 -Wall e2e.c -lrdkafka -lpthread (Debian librdkafka-dev).
 */
#define _GNU_SOURCE
#include <librdkafka/rdkafka.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench-common.h"

#define PROBE "chronik-bench-e2e-probe"
#define NS_PER_S 1000000000LL
#define MAX_SECONDS 3600
#define MAX_PARTITIONS 100000
#define MAX_RATE 1000000.0
#define MAX_MESSAGE_BYTES (16 * 1024 * 1024)
/* The bounds e2e.py uses: probe handshake, its flush and its wait, final flush, tail drain, join. */
#define PROBE_BOUND_S 30.0
#define PROBE_FLUSH_MS 5000
#define PROBE_WAIT_S 1.0
#define FLUSH_MS 30000
#define DRAIN_S 5.0
#define JOIN_S 10.0
#define CONSUMER_POLL_MS 100
/* Longest wait between two looks at the clock and the queue, as e2e.py's poll(min(due - now, 5 ms)). */
#define MAX_WAIT_NS (5 * 1000000LL)

typedef struct {
  const char *bootstrap, *topic;
  int partitions, message_bytes;
  double rate, duration_s, warmup_s;
} options_t;

/* The consumer thread's state. Histograms and errors are its own until `loop_done`. */
typedef struct {
  rd_kafka_t *rk;
  pthread_mutex_t lock;
  pthread_cond_t changed; /* on CLOCK_MONOTONIC; signalled on ready, on reaching `wanted`, on loop_done */
  int ready, loop_done;
  long long received, wanted;
  atomic_int stop;
  /* Send times from here on are measured (start of the paced run + warmupS); INT64_MAX before. */
  _Atomic int64_t measure_from_ns;
  long long errors;
  hist_t e2e;
  hist_t *per_second; /* seconds + 1 histograms by send time; the last takes anything later */
  int seconds;
} consumer_t;

typedef struct {
  rd_kafka_t *rk;
  rd_kafka_topic_t *topic;
  rd_kafka_queue_t *main_queue;
  int wake_fds[2]; /* librdkafka writes a byte to [1] when its main queue becomes non-empty */
  hist_t ack;      /* produce() -> acks=all delivery report, measured messages only */
} producer_t;

static int set(rd_kafka_conf_t *conf, const char *key, const char *value) {
  char err[512];
  if (rd_kafka_conf_set(conf, key, value, err, sizeof err) == RD_KAFKA_CONF_OK) return 0;
  fprintf(stderr, "e2e: %s=%s: %s\n", key, value, err);
  return -1;
}

static rd_kafka_t *new_client(rd_kafka_type_t type, rd_kafka_conf_t *conf) {
  char err[512];
  rd_kafka_t *rk = rd_kafka_new(type, conf, err, sizeof err);
  if (rk == NULL) fprintf(stderr, "e2e: rd_kafka_new: %s\n", err);
  return rk;
}

/* ---- consumer ---- */

static int64_t read_be64(const unsigned char *p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) v = (v << 8) | p[i];
  return (int64_t)v;
}

static void record_latency(consumer_t *c, int64_t sent_ns, int64_t now_ns_) {
  int64_t from = atomic_load(&c->measure_from_ns);
  if (sent_ns < from) return;
  int64_t us = (now_ns_ - sent_ns) / 1000;
  hist_record(&c->e2e, us);
  int64_t sec = (sent_ns - from) / NS_PER_S;
  hist_record(&c->per_second[sec > c->seconds ? c->seconds : sec], us);
}

/* e2e.py's order: a probe marks the consumer ready; errors and short payloads count as errors. */
static void on_message(consumer_t *c, const rd_kafka_message_t *m, int64_t now_ns_) {
  int probe = m->err == 0 && m->len == sizeof PROBE - 1 && memcmp(m->payload, PROBE, m->len) == 0;
  if (!probe && (m->err != 0 || m->len < 8)) {
    c->errors++;
    return;
  }
  if (!probe) record_latency(c, read_be64(m->payload), now_ns_);
  pthread_mutex_lock(&c->lock);
  if (probe) c->ready = 1;
  else c->received++;
  if (probe || c->received >= c->wanted) pthread_cond_broadcast(&c->changed);
  pthread_mutex_unlock(&c->lock);
}

static void *consume(void *arg) {
  consumer_t *c = arg;
  while (!atomic_load(&c->stop)) {
    rd_kafka_message_t *m = rd_kafka_consumer_poll(c->rk, CONSUMER_POLL_MS);
    if (m == NULL) continue;
    on_message(c, m, now_ns()); /* the clock is read before anything else is done with the message */
    rd_kafka_message_destroy(m);
  }
  pthread_mutex_lock(&c->lock);
  c->loop_done = 1;
  pthread_cond_broadcast(&c->changed);
  pthread_mutex_unlock(&c->lock);
  rd_kafka_consumer_close(c->rk);
  return NULL;
}

static rd_kafka_t *make_consumer(const options_t *o) {
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  int bad = set(conf, "bootstrap.servers", o->bootstrap) | set(conf, "group.id", "chronik-bench-e2e") |
            set(conf, "enable.auto.commit", "false") | set(conf, "fetch.wait.max.ms", "100") |
            set(conf, "fetch.min.bytes", "1") | set(conf, "socket.nagle.disable", "true");
  if (bad) {
    rd_kafka_conf_destroy(conf);
    return NULL;
  }
  rd_kafka_t *rk = new_client(RD_KAFKA_CONSUMER, conf);
  /* As confluent-kafka's Consumer: the main queue's events come out of rd_kafka_consumer_poll. */
  if (rk != NULL) rd_kafka_poll_set_consumer(rk);
  return rk;
}

/* A pthread_cond_timedwait deadline `s` seconds from now on the condition's CLOCK_MONOTONIC. */
static struct timespec deadline_in(double s) {
  int64_t at = now_ns() + (int64_t)(s * (double)NS_PER_S);
  return (struct timespec){.tv_sec = at / NS_PER_S, .tv_nsec = at % NS_PER_S};
}

/* Waits (bounded by `s` seconds) until *flag is set; returns it. Called with c->lock held. */
static int wait_flag(consumer_t *c, const int *flag, double s) {
  struct timespec until = deadline_in(s);
  while (!*flag && pthread_cond_timedwait(&c->changed, &c->lock, &until) == 0) {
  }
  return *flag;
}

static int wait_ready(consumer_t *c, double s) {
  pthread_mutex_lock(&c->lock);
  int ready = wait_flag(c, &c->ready, s);
  pthread_mutex_unlock(&c->lock);
  return ready;
}

/* The tail: waits until `sent` messages were received, at most `s` seconds. */
static void wait_received(consumer_t *c, long long sent, double s) {
  struct timespec until = deadline_in(s);
  pthread_mutex_lock(&c->lock);
  c->wanted = sent;
  while (c->received < sent && pthread_cond_timedwait(&c->changed, &c->lock, &until) == 0) {
  }
  pthread_mutex_unlock(&c->lock);
}

static int consumer_init(consumer_t *c, const options_t *o) {
  *c = (consumer_t){.wanted = LLONG_MAX, .seconds = (int)o->duration_s + 1};
  atomic_init(&c->stop, 0);
  atomic_init(&c->measure_from_ns, INT64_MAX);
  pthread_condattr_t attr;
  pthread_condattr_init(&attr);
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  pthread_cond_init(&c->changed, &attr);
  pthread_condattr_destroy(&attr);
  pthread_mutex_init(&c->lock, NULL);
  c->per_second = calloc((size_t)c->seconds + 1, sizeof(hist_t));
  if (c->per_second == NULL) return -1;
  c->rk = make_consumer(o);
  return c->rk != NULL && bench_assign_all(c->rk, o->topic, o->partitions, "e2e") == 0 ? 0 : -1;
}

/*
 * Stops the consumer thread, bounded: 1 when its loop has ended (its figures are final), 0 when it
 * did not within JOIN_S. The client is destroyed only once the thread has also closed it.
 */
static int consumer_stop(consumer_t *c, pthread_t thread) {
  atomic_store(&c->stop, 1);
  pthread_mutex_lock(&c->lock);
  int done = wait_flag(c, &c->loop_done, JOIN_S);
  pthread_mutex_unlock(&c->lock);
  if (!done) return 0;
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_sec += (time_t)JOIN_S;
  if (pthread_timedjoin_np(thread, NULL, &until) == 0) {
    rd_kafka_destroy(c->rk);
    c->rk = NULL;
  } else {
    fprintf(stderr, "e2e: consumer close did not finish within %.0f s; left to the process exit\n", JOIN_S);
    c->rk = NULL; /* still in the thread's hands: destroying it under the close would be a use after free */
  }
  return 1;
}

/* ---- producer ---- */

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
  (void)rk;
  (void)opaque;
  /* The message's opaque is the histogram to record into: NULL for the probe and the warm-up. */
  hist_t *into = m->_private;
  if (m->err || into == NULL) return;
  int64_t us = rd_kafka_message_latency(m);
  if (us >= 0) hist_record(into, us);
}

static int make_producer(producer_t *p, const options_t *o) {
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  int bad = set(conf, "bootstrap.servers", o->bootstrap) | set(conf, "acks", "all") | set(conf, "linger.ms", "0") |
            set(conf, "compression.type", "none") | set(conf, "socket.nagle.disable", "true");
  if (bad) {
    rd_kafka_conf_destroy(conf);
    return -1;
  }
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  p->rk = new_client(RD_KAFKA_PRODUCER, conf);
  if (p->rk == NULL) return -1;
  p->topic = rd_kafka_topic_new(p->rk, o->topic, NULL);
  if (p->topic == NULL || pipe2(p->wake_fds, O_NONBLOCK | O_CLOEXEC) != 0) return -1;
  p->main_queue = rd_kafka_queue_get_main(p->rk);
  rd_kafka_queue_io_event_enable(p->main_queue, p->wake_fds[1], "1", 1);
  return 0;
}

static void drain_fd(int fd) {
  char buf[64];
  while (read(fd, buf, sizeof buf) > 0) {
  }
}

/*
 * Serves delivery reports until `until_ns` (at most MAX_WAIT_NS ahead). rd_kafka_poll's timeout is
 * whole milliseconds and the gap between two sends at 2,000 msg/s is 0.5 ms: rounding down spins a
 * core, rounding up sends late and reads the ack clock late. So wait on the queue's wake-up pipe
 * with a nanosecond timeout, and serve whatever is queued with a non-blocking poll. The pipe is
 * emptied before the poll, so a report queued after the poll writes to it again.
 */
static void serve_until(producer_t *p, int64_t until_ns) {
  int64_t left = until_ns - now_ns();
  if (left > MAX_WAIT_NS) left = MAX_WAIT_NS;
  if (left > 0) {
    struct pollfd pfd = {.fd = p->wake_fds[0], .events = POLLIN};
    struct timespec ts = {.tv_sec = left / NS_PER_S, .tv_nsec = left % NS_PER_S};
    ppoll(&pfd, 1, &ts, NULL);
  }
  drain_fd(p->wake_fds[0]);
  rd_kafka_poll(p->rk, 0);
}

static void producer_destroy(producer_t *p) {
  if (p->main_queue != NULL) {
    rd_kafka_queue_io_event_enable(p->main_queue, -1, NULL, 0);
    rd_kafka_queue_destroy(p->main_queue);
  }
  if (p->topic != NULL) rd_kafka_topic_destroy(p->topic);
  if (p->rk != NULL) rd_kafka_destroy(p->rk);
  for (int i = 0; i < 2; i++)
    if (p->wake_fds[i] >= 0) close(p->wake_fds[i]);
}

/* e2e.py's handshake: a probe produced and flushed until the consumer saw one, bounded. */
static double probe(producer_t *p, consumer_t *c) {
  double start = now_s();
  while (!wait_ready(c, 0) && now_s() - start < PROBE_BOUND_S) {
    rd_kafka_produce(p->topic, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, PROBE, sizeof PROBE - 1, NULL, 0, NULL);
    rd_kafka_flush(p->rk, PROBE_FLUSH_MS);
    wait_ready(c, PROBE_WAIT_S);
  }
  return now_s() - start;
}

static void write_be64(unsigned char *p, int64_t value) {
  for (int i = 7; i >= 0; i--, value >>= 8) p[i] = (unsigned char)(value & 0xff);
}

/* One paced message; 1 sent, 0 local queue full (retry), -1 failed. */
static int send_one(producer_t *p, unsigned char *payload, size_t len, int64_t measure_from) {
  int64_t at = now_ns();
  write_be64(payload, at);
  hist_t *ack = at >= measure_from ? &p->ack : NULL;
  if (rd_kafka_produce(p->topic, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, payload, len, NULL, 0, ack) == 0) return 1;
  if (rd_kafka_last_error() == RD_KAFKA_RESP_ERR__QUEUE_FULL) return 0;
  fprintf(stderr, "e2e: produce: %s\n", rd_kafka_err2str(rd_kafka_last_error()));
  return -1;
}

/*
 * Absolute schedule: message n is due at start + n / rate. Behind schedule it is sent at once, so
 * a stall shows as latency of the messages after it instead of as messages never offered.
 */
static long long pace(producer_t *p, const options_t *o, int64_t start, int64_t measure_from, long long total) {
  unsigned char *payload = malloc((size_t)o->message_bytes);
  if (payload == NULL) return -1;
  memset(payload, 'x', (size_t)o->message_bytes);
  long long sent = 0;
  while (sent < total) {
    int64_t due = start + (int64_t)((double)sent * (double)NS_PER_S / o->rate);
    if (due > now_ns()) {
      serve_until(p, due);
      continue;
    }
    int r = send_one(p, payload, (size_t)o->message_bytes, measure_from);
    if (r < 0) break;
    sent += r;
    /* Queue full: wait for delivery reports to make room (bounded per turn), as e2e.py's poll(0.005). */
    serve_until(p, r == 0 ? now_ns() + MAX_WAIT_NS : 0);
  }
  free(payload);
  return sent < total ? -1 : sent;
}

/* ---- output ---- */

static void print_over_time(const consumer_t *c) {
  printf("[");
  int comma = 0;
  for (int s = 0; s <= c->seconds; s++) {
    const hist_t *h = &c->per_second[s];
    if (h->total == 0) continue;
    printf("%s{\"tMs\":%d,\"count\":%llu,\"p50Ms\":%.3f,\"p99Ms\":%.3f}", comma ? "," : "", s * 1000, (unsigned long long)h->total,
           hist_quantile_ms(h, 0.5), hist_quantile_ms(h, 0.99));
    comma = 1;
  }
  printf("]");
}

static void print_json(const consumer_t *c, const producer_t *p, long long sent, double seconds, double probe_s, int ready) {
  printf("{\"generator\":\"c\",\"librdkafka\":\"%s\",\"sent\":%lld,\"received\":%lld,\"errors\":%lld,\"seconds\":%.6f,"
         "\"consumerReadyS\":%.6f,\"consumerReady\":%s,\"cpuSeconds\":%.6f,\"latency\":",
         rd_kafka_version_str(), sent, c->received, c->errors, seconds, probe_s, ready ? "true" : "false", bench_cpu_seconds());
  hist_print_json(&c->e2e);
  printf(",\"ackLatency\":");
  hist_print_json(&p->ack);
  printf(",\"overTime\":");
  print_over_time(c);
  printf("}\n");
  fflush(stdout);
}

/* ---- main ---- */

static int parse(options_t *o, int argc, char **argv) {
  *o = (options_t){.partitions = 0, .message_bytes = 1024, .rate = 2000, .duration_s = 20, .warmup_s = 2};
  for (int i = 1; i < argc; i++) {
    const char *k, *v;
    if (split_kv(argv[i], &k, &v)) return -1;
    if (!strcmp(k, "bootstrap")) o->bootstrap = v;
    else if (!strcmp(k, "topic")) o->topic = v;
    else if (!strcmp(k, "partitions")) o->partitions = atoi(v);
    else if (!strcmp(k, "messageBytes")) o->message_bytes = atoi(v);
    else if (!strcmp(k, "rate")) o->rate = atof(v);
    else if (!strcmp(k, "durationS")) o->duration_s = atof(v);
    else if (!strcmp(k, "warmupS")) o->warmup_s = atof(v);
    else return -1;
  }
  int ok = o->bootstrap && o->topic && o->partitions > 0 && o->partitions <= MAX_PARTITIONS && o->message_bytes >= 8 &&
           o->message_bytes <= MAX_MESSAGE_BYTES && o->rate > 0 && o->rate <= MAX_RATE && o->duration_s > 0 &&
           o->duration_s < MAX_SECONDS && o->warmup_s >= 0 && o->warmup_s < MAX_SECONDS;
  return ok ? 0 : -1;
}

/* What the measured part leaves for the JSON line. */
typedef struct {
  double probe_s;
  int ready;
  int64_t start;
  long long sent;
} outcome_t;

/* The measured part: handshake, paced run, flush, bounded tail. -1 when a produce() failed. */
static int run(consumer_t *c, producer_t *p, const options_t *o, outcome_t *out) {
  out->probe_s = probe(p, c);
  out->ready = wait_ready(c, 0);
  out->start = now_ns();
  int64_t measure_from = out->start + (int64_t)(o->warmup_s * (double)NS_PER_S);
  atomic_store(&c->measure_from_ns, measure_from);
  long long total = (long long)(o->rate * (o->duration_s + o->warmup_s));
  out->sent = pace(p, o, out->start, measure_from, total);
  if (out->sent < 0) return -1;
  rd_kafka_flush(p->rk, FLUSH_MS);
  wait_received(c, out->sent, DRAIN_S);
  return 0;
}

static void consumer_free(consumer_t *c) {
  if (c->rk != NULL) rd_kafka_destroy(c->rk);
  free(c->per_second);
  free(c);
}

int main(int argc, char **argv) {
  options_t o;
  if (parse(&o, argc, argv) != 0) {
    fprintf(stderr, "usage: e2e bootstrap=H:P topic=T partitions=N [messageBytes=(>=8) rate= durationS= warmupS=]\n");
    return 2;
  }
  consumer_t *c = malloc(sizeof *c); /* histograms: off the stack */
  producer_t *p = calloc(1, sizeof *p);
  if (c == NULL || p == NULL) return 1;
  p->wake_fds[0] = p->wake_fds[1] = -1;
  pthread_t thread;
  if (consumer_init(c, &o) != 0 || make_producer(p, &o) != 0 || pthread_create(&thread, NULL, consume, c) != 0) {
    fprintf(stderr, "e2e: could not set up the clients\n");
    return 1;
  }
  outcome_t out = {0};
  int rc = run(c, p, &o, &out);
  if (!consumer_stop(c, thread)) {
    /* Its figures may still change: no JSON, and exit ends the thread. */
    fprintf(stderr, "e2e: the consumer thread did not stop within %.0f s\n", JOIN_S);
    return 1;
  }
  if (rc == 0) print_json(c, p, out.sent, (double)(now_ns() - out.start) / (double)NS_PER_S, out.probe_s, out.ready);
  producer_destroy(p);
  free(p);
  consumer_free(c);
  return rc == 0 ? 0 : 1;
}
