/* The trivial two-thread program bench/programs.py times plain and under
 * lockdep-run (issue #16's preload start cost): two threads lock and unlock
 * one mutex 1,000 times each, one pthread_create / pthread_join. Its own run
 * time is well under a millisecond, so the difference is lockdep-run's start
 * (loading the preload library and its dependencies, lockdep's first use)
 * and exit.
 *
 *   cc -O2 -pthread bench/preload_start.c -o /tmp/preload_start
 */
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;

static void* work(void* arg) {
  (void)arg;
  for (int i = 0; i < 1000; ++i) {
    pthread_mutex_lock(&lock);
    ++counter;
    pthread_mutex_unlock(&lock);
  }
  return NULL;
}

int main(void) {
  pthread_t t;
  if (pthread_create(&t, NULL, work, NULL) != 0) return 1;
  work(NULL);
  pthread_join(t, NULL);
  return counter == 2000 ? 0 : 1;
}
