/* Joining a still running thread while holding a lock its body takes:
   the join deadlocks whenever the thread needs the lock again. (Here it
   does not, so the program ends once the thread's final sleep is over.) */
#include <pthread.h>
#include <unistd.h>

static pthread_mutex_t state = PTHREAD_MUTEX_INITIALIZER;
static int done;

static void* body(void* arg) {
  (void)arg;
  pthread_mutex_lock(&state);
  done = 1;
  pthread_mutex_unlock(&state);
  sleep(3); /* still running when joined (past the join grace period) */
  return NULL;
}

int main(void) {
  pthread_t t;
  pthread_create(&t, NULL, body, NULL);
  for (;;) { /* wait until the body ran, so the real join cannot hang */
    pthread_mutex_lock(&state);
    int finished = done;
    pthread_mutex_unlock(&state);
    if (finished) break;
    usleep(1000);
  }
  pthread_mutex_lock(&state);
  pthread_join(t, NULL);
  pthread_mutex_unlock(&state);
  return 0;
}
