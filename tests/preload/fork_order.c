/* fork() while another thread keeps nesting locks of one class (so the
   interposer's instance-order table is locked often): each child nests
   instances of that class itself, which needs the table, and must finish.
   Silent. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

enum { n_locks = 16, n_forks = 60 };
static pthread_mutex_t m[n_locks];
static atomic_int stop;

__attribute__((noinline)) static void lock_init(pthread_mutex_t* l) { pthread_mutex_init(l, NULL); }

static void nest(int first, int second) {
  pthread_mutex_lock(&m[first]);
  pthread_mutex_lock(&m[second]);
  pthread_mutex_unlock(&m[second]);
  pthread_mutex_unlock(&m[first]);
}

static void* churn(void* arg) {
  (void)arg;
  while (!atomic_load(&stop))
    for (int i = 0; i + 1 < n_locks; ++i) nest(i, i + 1);
  return NULL;
}

int main(void) {
  for (int i = 0; i < n_locks; ++i) lock_init(&m[i]);
  pthread_t t;
  pthread_create(&t, NULL, churn, NULL);
  for (int f = 0; f < n_forks; ++f) {
    const pid_t pid = fork();
    if (pid == 0) {
      /* Fresh instances of the class (the parent's may have been held by
         the churn thread at the fork): a new edge, the search, then the
         known edge again. */
      pthread_mutex_t a, b;
      lock_init(&a);
      lock_init(&b);
      for (int i = 0; i < 2; ++i) {
        pthread_mutex_lock(&a);
        pthread_mutex_lock(&b);
        pthread_mutex_unlock(&b);
        pthread_mutex_unlock(&a);
      }
      _exit(0);
    }
    int status = 0;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return 1;
  }
  atomic_store(&stop, 1);
  pthread_join(t, NULL);
  return 0;
}
