/* An N-lock cycle (N = argv[1], 3 or 4): thread i takes lock i then lock
   i+1 (mod N); threads run one after the other. */
#include <pthread.h>
#include <stdlib.h>

static pthread_mutex_t locks[4] = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
                                   PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER};
static int n;

static void* step(void* arg) {
  int i = (int)(long)arg;
  pthread_mutex_lock(&locks[i]);
  pthread_mutex_lock(&locks[(i + 1) % n]);
  pthread_mutex_unlock(&locks[(i + 1) % n]);
  pthread_mutex_unlock(&locks[i]);
  return NULL;
}

int main(int argc, char** argv) {
  n = argc > 1 ? atoi(argv[1]) : 3;
  for (long i = 0; i < n; ++i) {
    pthread_t t;
    pthread_create(&t, NULL, step, (void*)i);
    pthread_join(t, NULL);
  }
  return 0;
}
