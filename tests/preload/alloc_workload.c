/* Threads allocating through whatever allocator is preloaded (run with
   tests/preload/locking_malloc.c or jemalloc), each with locks of its own.
   argv[1] = "ordered": the program's two locks always nest one way (silent);
   "abba": two threads nest them in opposite orders, allocating inside
   (reported, with the locks' symbolized names). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t table_lock, stats_lock;
static int abba;

__attribute__((noinline)) static void locks_init(void) {
  pthread_mutex_init(&table_lock, NULL);
  pthread_mutex_init(&stats_lock, NULL);
}

static void* worker(void* arg) {
  const int backwards = abba && arg != NULL;
  for (int i = 0; i < 2000; ++i) {
    pthread_mutex_t* first = backwards ? &stats_lock : &table_lock;
    pthread_mutex_t* second = backwards ? &table_lock : &stats_lock;
    pthread_mutex_lock(first);
    char* p = malloc(16 + (size_t)(i % 500));
    pthread_mutex_lock(second);
    memset(p, i, 16);
    p = realloc(p, 4096 + (size_t)i);
    pthread_mutex_unlock(second);
    pthread_mutex_unlock(first);
    free(p);
    free(calloc(3, (size_t)i + 1));
  }
  return NULL;
}

int main(int argc, char** argv) {
  abba = argc > 1 && strcmp(argv[1], "abba") == 0;
  locks_init();
  pthread_t t[4];
  for (int i = 0; i < 3; ++i) pthread_create(&t[i], NULL, worker, NULL);
  for (int i = 0; i < 3; ++i) pthread_join(t[i], NULL);
  /* The reverse order only after the others finished: reported, never a
     real deadlock. */
  pthread_create(&t[3], NULL, worker, (void*)1);
  pthread_join(t[3], NULL);
  return 0;
}
