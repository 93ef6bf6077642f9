#define _GNU_SOURCE
/* Two rwlocks of one class (one init site), nested per instance in one
   order and later in the other, with read modes (argv[1]):
     readers        rdlock(l0) wrlock(l1), then wrlock(l1) rdlock(l0): glibc's
                    default rwlock lets a reader in while another reader
                    holds it, so this cannot deadlock (silent, as on two
                    classes);
     writer         wrlock(l0) wrlock(l1), then wrlock(l1) rdlock(l0): the
                    reader waits for the writer holding l0 (reported);
     prefer_writer  as readers, on writer-preferring rwlocks, whose readers
                    wait behind a queued writer (reported). */
#include <pthread.h>
#include <string.h>

static pthread_rwlock_t l[2];

__attribute__((noinline)) static void rw_init(pthread_rwlock_t* rw, int prefer_writer) {
  pthread_rwlockattr_t a;
  pthread_rwlockattr_init(&a);
  if (prefer_writer) pthread_rwlockattr_setkind_np(&a, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
  pthread_rwlock_init(rw, &a);
  pthread_rwlockattr_destroy(&a);
}

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "readers";
  const int writer = strcmp(mode, "writer") == 0;
  for (int i = 0; i < 2; ++i) rw_init(&l[i], strcmp(mode, "prefer_writer") == 0);
  if (writer) pthread_rwlock_wrlock(&l[0]);
  else pthread_rwlock_rdlock(&l[0]);
  pthread_rwlock_wrlock(&l[1]);
  pthread_rwlock_unlock(&l[1]);
  pthread_rwlock_unlock(&l[0]);
  pthread_rwlock_wrlock(&l[1]);
  pthread_rwlock_rdlock(&l[0]);
  pthread_rwlock_unlock(&l[0]);
  pthread_rwlock_unlock(&l[1]);
  return 0;
}
