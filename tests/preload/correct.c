/* A correct program exercising the interposer's corners: locks in a static
   constructor, recursive and error-checking mutexes, spinlocks, timed and
   clock locks, rwlock readers, destroy and re-init of reused memory, many
   threads with one lock order, and fork(). Must stay silent. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t early = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t first = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t second = PTHREAD_MUTEX_INITIALIZER;
static pthread_rwlock_t table = PTHREAD_RWLOCK_INITIALIZER;
static pthread_spinlock_t spin;
static long counter;

__attribute__((constructor)) static void before_main(void) {
  pthread_mutex_lock(&early);
  pthread_spin_init(&spin, PTHREAD_PROCESS_PRIVATE);
  pthread_mutex_unlock(&early);
}

static void* worker(void* arg) {
  (void)arg;
  for (int i = 0; i < 1000; ++i) {
    pthread_mutex_lock(&first);
    pthread_rwlock_rdlock(&table);
    pthread_rwlock_rdlock(&table); /* recursive reader */
    pthread_mutex_lock(&second);
    pthread_spin_lock(&spin);
    counter++;
    pthread_spin_unlock(&spin);
    pthread_mutex_unlock(&second);
    pthread_rwlock_unlock(&table);
    pthread_rwlock_unlock(&table);
    pthread_mutex_unlock(&first);
  }
  return NULL;
}

int main(void) {
  pthread_mutexattr_t attr;
  pthread_mutex_t recursive, checking;
  pthread_mutexattr_init(&attr);
  pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
  pthread_mutex_init(&recursive, &attr);
  pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ERRORCHECK);
  pthread_mutex_init(&checking, &attr);
  pthread_mutex_lock(&recursive);
  pthread_mutex_lock(&recursive);
  pthread_mutex_unlock(&recursive);
  pthread_mutex_unlock(&recursive);
  pthread_mutex_lock(&checking);
  if (pthread_mutex_lock(&checking) != EDEADLK) return 1;
  pthread_mutex_unlock(&checking);
  if (pthread_mutex_unlock(&checking) != EPERM) return 1;

  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  ts.tv_sec += 1;
  if (pthread_mutex_timedlock(&first, &ts) != 0) return 1;
  pthread_mutex_unlock(&first);
  clock_gettime(CLOCK_MONOTONIC, &ts);
  ts.tv_sec += 1;
  if (pthread_mutex_clocklock(&first, CLOCK_MONOTONIC, &ts) != 0) return 1;
  pthread_mutex_unlock(&first);

  /* Memory reused by another object starts fresh. */
  for (int round = 0; round < 3; ++round) {
    pthread_mutex_t* m = malloc(sizeof *m);
    pthread_mutex_init(m, NULL);
    pthread_mutex_lock(m);
    pthread_mutex_unlock(m);
    pthread_mutex_destroy(m);
    free(m);
  }

  pthread_t threads[4];
  for (int i = 0; i < 4; ++i) pthread_create(&threads[i], NULL, worker, NULL);
  pthread_mutex_lock(&first);
  pid_t child = fork();
  if (child == 0) {
    pthread_mutex_unlock(&first);
    pthread_mutex_lock(&second);
    pthread_mutex_unlock(&second);
    _exit(0);
  }
  pthread_mutex_unlock(&first);
  int status = 0;
  waitpid(child, &status, 0);
  for (int i = 0; i < 4; ++i) pthread_join(threads[i], NULL);
  return counter == 4000 && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
