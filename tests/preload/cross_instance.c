/* Objects initialised at one site share a class: account a1 -> ledger l1
   in one thread and ledger l2 -> account a2 in another is an inversion,
   though no single pair of objects was locked both ways. */
#include <pthread.h>
#include <stdlib.h>

struct account { pthread_mutex_t lock; long balance; };
struct ledger { pthread_mutex_t lock; long entries; };

/* noinline: inlined copies would be separate call sites, hence classes. */
__attribute__((noinline)) static struct account* account_new(void) {
  struct account* a = calloc(1, sizeof *a);
  pthread_mutex_init(&a->lock, NULL);
  return a;
}

__attribute__((noinline)) static struct ledger* ledger_new(void) {
  struct ledger* l = calloc(1, sizeof *l);
  pthread_mutex_init(&l->lock, NULL);
  return l;
}

static struct account *a1, *a2;
static struct ledger *l1, *l2;

static void* post(void* arg) {
  (void)arg;
  pthread_mutex_lock(&a1->lock);
  pthread_mutex_lock(&l1->lock);
  l1->entries++;
  pthread_mutex_unlock(&l1->lock);
  pthread_mutex_unlock(&a1->lock);
  return NULL;
}

static void* audit(void* arg) {
  (void)arg;
  pthread_mutex_lock(&l2->lock);
  pthread_mutex_lock(&a2->lock);
  a2->balance++;
  pthread_mutex_unlock(&a2->lock);
  pthread_mutex_unlock(&l2->lock);
  return NULL;
}

int main(void) {
  a1 = account_new();
  a2 = account_new();
  l1 = ledger_new();
  l2 = ledger_new();
  pthread_t t;
  pthread_create(&t, NULL, post, NULL);
  pthread_join(t, NULL);
  pthread_create(&t, NULL, audit, NULL);
  pthread_join(t, NULL);
  return 0;
}
