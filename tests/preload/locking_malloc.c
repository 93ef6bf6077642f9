/* A small allocator that locks, preloaded after lockdep's library (like
   jemalloc): every malloc/calloc/realloc/free takes one pthread mutex, with
   trylock first (jemalloc's pattern), around glibc's own allocator. It is
   not re-entrant, as real allocators are not: an allocation made while this
   thread is inside it (lockdep's interposer allocating in a hook) would
   block forever on the mutex it holds, so it says so and aborts instead. */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

extern void* __libc_malloc(size_t);
extern void* __libc_calloc(size_t, size_t);
extern void* __libc_realloc(void*, size_t);
extern void __libc_free(void*);

static pthread_mutex_t alloc_lock = PTHREAD_MUTEX_INITIALIZER;
static __thread int inside __attribute__((tls_model("initial-exec")));

static void enter(void) {
  if (inside) {
    static const char msg[] = "locking_malloc: re-entered from inside the allocator\n";
    if (write(2, msg, sizeof msg - 1) < 0) abort();
    abort();
  }
  if (pthread_mutex_trylock(&alloc_lock) != 0) pthread_mutex_lock(&alloc_lock);
  inside = 1;
}

static void leave(void) {
  inside = 0;
  pthread_mutex_unlock(&alloc_lock);
}

void* malloc(size_t n) {
  enter();
  void* p = __libc_malloc(n);
  leave();
  return p;
}

void* calloc(size_t n, size_t size) {
  enter();
  void* p = __libc_calloc(n, size);
  leave();
  return p;
}

void* realloc(void* old, size_t n) {
  enter();
  void* p = __libc_realloc(old, n);
  leave();
  return p;
}

void free(void* p) {
  if (!p) return;
  enter();
  __libc_free(p);
  leave();
}
