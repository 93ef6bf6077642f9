/* Producer/consumer with condition variables (plain, timed and clock
   waits) while holding an outer lock in a consistent order: silent. */
#define _GNU_SOURCE
#include <pthread.h>
#include <time.h>

static pthread_mutex_t outer = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t queue_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER;
static int items, produced;
enum { total = 2000, capacity = 4 };

static void deadline(struct timespec* ts, clockid_t clock) {
  clock_gettime(clock, ts);
  ts->tv_nsec += 1000000;
  if (ts->tv_nsec >= 1000000000) { ts->tv_sec++; ts->tv_nsec -= 1000000000; }
}

static void* producer(void* arg) {
  (void)arg;
  for (int i = 0; i < total; ++i) {
    pthread_mutex_lock(&outer);
    pthread_mutex_lock(&queue_lock);
    while (items == capacity) {
      struct timespec ts;
      deadline(&ts, CLOCK_REALTIME);
      pthread_cond_timedwait(&not_full, &queue_lock, &ts);
    }
    items++;
    produced++;
    pthread_cond_signal(&not_empty);
    pthread_mutex_unlock(&queue_lock);
    pthread_mutex_unlock(&outer);
  }
  return NULL;
}

int main(void) {
  pthread_t t;
  pthread_create(&t, NULL, producer, NULL);
  for (int consumed = 0; consumed < total; ++consumed) {
    pthread_mutex_lock(&queue_lock);
    while (items == 0) {
      if (consumed % 2) {
        pthread_cond_wait(&not_empty, &queue_lock);
      } else {
        struct timespec ts;
        deadline(&ts, CLOCK_MONOTONIC);
        pthread_cond_clockwait(&not_empty, &queue_lock, CLOCK_MONOTONIC, &ts);
      }
    }
    items--;
    pthread_cond_signal(&not_full);
    pthread_mutex_unlock(&queue_lock);
  }
  pthread_join(t, NULL);
  return produced == total ? 0 : 1;
}
