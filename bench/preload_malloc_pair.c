/* The cost lockdep-run adds to a malloc/free pair (issue #15: the allocator
   as a pseudo-lock; outside signal handlers one thread-local check per call).
   Not part of the Google Benchmark binaries: it must run as its own process,
   with and without the preload. See RESULTS.md, "Preload: malloc/free". */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <signal.h>
static void h(int s) { (void)s; }
int main(int argc, char** argv) {
  if (argc > 1) signal(SIGUSR1, h); /* a handler installed: the quiet path after the first note */
  const long n = 50000000;
  void* volatile sink;
  struct timespec a, b;
  for (long i = 0; i < 1000000; ++i) { sink = malloc(32); free(sink); }
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (long i = 0; i < n; ++i) { sink = malloc(32); free(sink); }
  clock_gettime(CLOCK_MONOTONIC, &b);
  printf("%.2f ns per malloc/free pair\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / n);
  return 0;
}
