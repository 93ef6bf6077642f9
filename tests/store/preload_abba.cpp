// An unmodified program for the graph store under lockdep-run: two static
// pthread mutexes taken in the order its argument says ("ab" or "ba").
#include <pthread.h>

#include <cstdio>
#include <cstring>

static pthread_mutex_t first = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t second = PTHREAD_MUTEX_INITIALIZER;

int main(int argc, char** argv) {
  const bool reversed = argc > 1 && std::strcmp(argv[1], "ba") == 0;
  pthread_mutex_t* outer = reversed ? &second : &first;
  pthread_mutex_t* inner = reversed ? &first : &second;
  pthread_mutex_lock(outer);
  pthread_mutex_lock(inner);
  pthread_mutex_unlock(inner);
  pthread_mutex_unlock(outer);
  std::puts("done");
  return 0;
}
