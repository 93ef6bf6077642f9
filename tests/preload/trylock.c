/* A then B; later B then trylock A (backing off on failure): no deadlock. */
#include <pthread.h>

static pthread_mutex_t a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t b = PTHREAD_MUTEX_INITIALIZER;
static pthread_rwlock_t r = PTHREAD_RWLOCK_INITIALIZER;

int main(void) {
  pthread_mutex_lock(&a);
  pthread_rwlock_wrlock(&r);
  pthread_mutex_lock(&b);
  pthread_mutex_unlock(&b);
  pthread_rwlock_unlock(&r);
  pthread_mutex_unlock(&a);

  pthread_mutex_lock(&b);
  if (pthread_mutex_trylock(&a) == 0) pthread_mutex_unlock(&a);
  if (pthread_rwlock_trywrlock(&r) == 0) pthread_rwlock_unlock(&r);
  pthread_mutex_unlock(&b);
  return 0;
}
