/*
 * Helpers shared by the C load generators (producer.c, consumer.c, e2e.c). Everything here is
 * `static inline` with a `bench_`/`hist_` prefix: a client that does not use a helper gets no
 * -Wunused-function warning, and the names cannot collide with a client's own static functions.
 */
#ifndef CHRONIK_BENCH_COMMON_H
#define CHRONIK_BENCH_COMMON_H
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

/* Monotonic wall time in seconds. */
static inline double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Monotonic time in nanoseconds: the clock the e2e payload carries (one process sends and receives). */
static inline int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Splits a "key=value" argument in place; -1 when it has no '='. */
static inline int split_kv(char *arg, const char **key, const char **value) {
  char *eq = strchr(arg, '=');
  if (eq == NULL) return -1;
  *eq = '\0';
  *key = arg;
  *value = eq + 1;
  return 0;
}

/* User + system CPU of this process (all its threads, librdkafka's included), in seconds. */
static inline double bench_cpu_seconds(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/*
 * Log-linear latency histogram in microseconds (the layout producer.c uses): exact below 32 us,
 * then 32 sub-buckets per power of two, so a bucket is at most 1/32 (~3%) of its value wide.
 * Fixed size (~7 KB) whatever the rate, so a client never grows memory with the run.
 */
#define HIST_SUB_BITS 5
#define HIST_SUB (1 << HIST_SUB_BITS)
/* Latencies are clamped at 2^30 us (~18 min): far above any timeout the clients use. */
#define HIST_MAX_EXP 30
#define HIST_BUCKETS ((HIST_MAX_EXP - HIST_SUB_BITS + 2) * HIST_SUB)

typedef struct {
  uint64_t counts[HIST_BUCKETS];
  uint64_t total;
  int64_t max_us;
} hist_t;

static inline int hist_bucket_of(int64_t us) {
  if (us < 0) us = 0;
  if (us >= ((int64_t)1 << HIST_MAX_EXP)) us = ((int64_t)1 << HIST_MAX_EXP) - 1;
  if (us < HIST_SUB) return (int)us;
  int e = 63 - __builtin_clzll((unsigned long long)us);
  int sub = (int)((us >> (e - HIST_SUB_BITS)) & (HIST_SUB - 1));
  return (e - HIST_SUB_BITS + 1) * HIST_SUB + sub;
}

/* The middle of a bucket, in microseconds. */
static inline double hist_bucket_value(int b) {
  if (b < HIST_SUB) return b;
  int e = b / HIST_SUB + HIST_SUB_BITS - 1;
  int sub = b % HIST_SUB;
  double width = (double)((int64_t)1 << (e - HIST_SUB_BITS));
  return (double)(HIST_SUB + sub) * width + width / 2;
}

static inline void hist_record(hist_t *h, int64_t us) {
  h->counts[hist_bucket_of(us)]++;
  h->total++;
  if (us > h->max_us) h->max_us = us;
}

static inline void hist_merge(hist_t *into, const hist_t *from) {
  for (int i = 0; i < HIST_BUCKETS; i++) into->counts[i] += from->counts[i];
  into->total += from->total;
  if (from->max_us > into->max_us) into->max_us = from->max_us;
}

/*
 * Nearest rank, as summary() in common.py: the value at index floor(q * n). A bucket's middle can
 * lie above the largest value recorded in it, so the answer is capped at the exact maximum (a p99
 * above maxMs would read as a bug).
 */
static inline double hist_quantile_ms(const hist_t *h, double q) {
  if (h->total == 0) return 0;
  uint64_t rank = (uint64_t)(q * (double)h->total);
  if (rank >= h->total) rank = h->total - 1;
  uint64_t seen = 0;
  double max = (double)h->max_us;
  for (int i = 0; i < HIST_BUCKETS; i++) {
    seen += h->counts[i];
    if (seen > rank) return (hist_bucket_value(i) < max ? hist_bucket_value(i) : max) / 1000.0;
  }
  return max / 1000.0;
}

/* common.py's summary(): {samples, p50Ms, p99Ms, p999Ms, maxMs}. */
static inline void hist_print_json(const hist_t *h) {
  printf("{\"samples\":%llu,\"p50Ms\":%.3f,\"p99Ms\":%.3f,\"p999Ms\":%.3f,\"maxMs\":%.3f}", (unsigned long long)h->total,
         hist_quantile_ms(h, 0.5), hist_quantile_ms(h, 0.99), hist_quantile_ms(h, 0.999), (double)h->max_us / 1000.0);
}

#ifdef RD_KAFKA_VERSION
/* Assigns partitions 0..partitions-1 of `topic` from the beginning (no group rebalance); -1 on error. */
static inline int bench_assign_all(rd_kafka_t *rk, const char *topic, int partitions, const char *who) {
  rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(partitions);
  for (int p = 0; p < partitions; p++) rd_kafka_topic_partition_list_add(list, topic, p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  rd_kafka_resp_err_t err = rd_kafka_assign(rk, list);
  rd_kafka_topic_partition_list_destroy(list);
  if (err) fprintf(stderr, "%s: assign: %s\n", who, rd_kafka_err2str(err));
  return err ? -1 : 0;
}
#endif

#endif
