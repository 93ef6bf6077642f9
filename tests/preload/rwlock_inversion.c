/* rwlock read/write inversion: a reader of R takes M; another thread
   holding M waits to write R. */
#include <pthread.h>

static pthread_rwlock_t table = PTHREAD_RWLOCK_INITIALIZER;
static pthread_mutex_t stats = PTHREAD_MUTEX_INITIALIZER;

static void* reader(void* arg) {
  (void)arg;
  pthread_rwlock_rdlock(&table);
  pthread_mutex_lock(&stats);
  pthread_mutex_unlock(&stats);
  pthread_rwlock_unlock(&table);
  return NULL;
}

static void* writer(void* arg) {
  (void)arg;
  pthread_mutex_lock(&stats);
  pthread_rwlock_wrlock(&table);
  pthread_rwlock_unlock(&table);
  pthread_mutex_unlock(&stats);
  return NULL;
}

int main(void) {
  pthread_t t;
  pthread_create(&t, NULL, reader, NULL);
  pthread_join(t, NULL);
  pthread_create(&t, NULL, writer, NULL);
  pthread_join(t, NULL);
  return 0;
}
