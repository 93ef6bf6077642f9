/* Many mutexes of one class (one init site) nested per instance.
   argv[1] = mode, argv[2] = number of mutexes (default 12):
     ordered   all nested in ascending order, twice (silent);
     inverted  all nested in ascending order, then m[1] before m[0]
               (reported once, the older order with its stack);
     pairs     m[2p] before m[2p+1] for every pair, then every pair the
               other way: many instance cycles of one class, one report;
     ring3     m[0] before m[1], m[1] before m[2], then m[2] before m[0]
               (a cycle through three instances). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t* m;

__attribute__((noinline)) static void lock_init(pthread_mutex_t* l) { pthread_mutex_init(l, NULL); }

static void pair(int first, int second) {
  pthread_mutex_lock(&m[first]);
  pthread_mutex_lock(&m[second]);
  pthread_mutex_unlock(&m[second]);
  pthread_mutex_unlock(&m[first]);
}

__attribute__((noinline)) static void nest_all(int n) {
  for (int i = 0; i < n; ++i) pthread_mutex_lock(&m[i]);
  for (int i = n - 1; i >= 0; --i) pthread_mutex_unlock(&m[i]);
}

__attribute__((noinline)) static void second_before_first(void) { pair(1, 0); }

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "ordered";
  const int n = argc > 2 ? atoi(argv[2]) : 12;
  m = calloc((size_t)n, sizeof *m);
  for (int i = 0; i < n; ++i) lock_init(&m[i]);
  if (strcmp(mode, "ordered") == 0) {
    nest_all(n);
    nest_all(n);
  } else if (strcmp(mode, "inverted") == 0) {
    nest_all(n);
    second_before_first();
  } else if (strcmp(mode, "pairs") == 0) {
    for (int p = 0; p + 1 < n; p += 2) pair(p, p + 1);
    for (int p = 0; p + 1 < n; p += 2) pair(p + 1, p);
  } else if (strcmp(mode, "ring3") == 0) {
    pair(0, 1);
    pair(1, 2);
    pair(2, 0);
  }
  for (int i = 0; i < n; ++i) pthread_mutex_destroy(&m[i]);
  free(m);
  return 0;
}
