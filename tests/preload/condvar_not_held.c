/* Condition waits on a mutex the waiting thread does not hold (argv[1]):
     wait        pthread_cond_wait (a helper thread signals): reported at the
                 wait, once; glibc returns with the mutex locked, so the
                 program's unlock after it is balanced;
     timedwait   the same with pthread_cond_timedwait (times out);
     errorcheck  timedwait on an error-checking mutex: the call fails with
                 EPERM, which tells the program (silent, as its unlock). */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

static pthread_mutex_t lock;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static atomic_int done;

__attribute__((noinline)) static void lock_init(int errorcheck) {
  pthread_mutexattr_t a;
  pthread_mutexattr_init(&a);
  if (errorcheck) pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK);
  pthread_mutex_init(&lock, &a);
  pthread_mutexattr_destroy(&a);
}

static void* signaller(void* arg) {
  (void)arg;
  const struct timespec ms = {0, 1000000};
  while (!atomic_load(&done)) {
    pthread_cond_broadcast(&cond);
    nanosleep(&ms, NULL);
  }
  return NULL;
}

__attribute__((noinline)) static int wait_without_mutex(int timed) {
  if (!timed) return pthread_cond_wait(&cond, &lock);
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  ts.tv_nsec += 10000000;
  if (ts.tv_nsec >= 1000000000) { ts.tv_sec++; ts.tv_nsec -= 1000000000; }
  return pthread_cond_timedwait(&cond, &lock, &ts);
}

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "wait";
  const int errorcheck = strcmp(mode, "errorcheck") == 0;
  lock_init(errorcheck);
  /* Used correctly once first: the mutex has its class and instance. */
  pthread_mutex_lock(&lock);
  pthread_mutex_unlock(&lock);
  pthread_t t;
  pthread_create(&t, NULL, signaller, NULL);
  const int rc = wait_without_mutex(strcmp(mode, "wait") != 0);
  atomic_store(&done, 1);
  pthread_join(t, NULL);
  if (errorcheck) return rc == EPERM ? 0 : 1;
  return pthread_mutex_unlock(&lock) == 0 ? 0 : 1;
}
