/* Helpers shared by the C load generators (producer.c, consumer.c). */
#ifndef CHRONIK_BENCH_COMMON_H
#define CHRONIK_BENCH_COMMON_H
#include <string.h>
#include <time.h>

/* Monotonic wall time in seconds. */
static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Splits a "key=value" argument in place; -1 when it has no '='. */
static int split_kv(char *arg, const char **key, const char **value) {
  char *eq = strchr(arg, '=');
  if (eq == NULL) return -1;
  *eq = '\0';
  *key = arg;
  *value = eq + 1;
  return 0;
}

#endif
