/* Accounts made by one function (so one class), nested two at a time.
   argv[1] = "ordered": every transfer locks the lower address first (silent
   with preload_ordered=*account_new*); "against": then one transfer between
   two new accounts, on one thread, locks the higher address first. With the option that is reported
   at once (recursive locking, with the comparison's result); without it the
   instance graph sees no cycle (no opposite order elsewhere) and is silent. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct account { pthread_mutex_t lock; long balance; };

__attribute__((noinline)) static struct account* account_new(void) {
  struct account* a = calloc(1, sizeof *a);
  pthread_mutex_init(&a->lock, NULL);
  a->balance = 100;
  return a;
}

static void transfer(struct account* from, struct account* to, long amount, int in_order) {
  int from_first = (uintptr_t)from < (uintptr_t)to;
  if (!in_order) from_first = !from_first;
  struct account* first = from_first ? from : to;
  struct account* second = from_first ? to : from;
  pthread_mutex_lock(&first->lock);
  pthread_mutex_lock(&second->lock);
  from->balance -= amount;
  to->balance += amount;
  pthread_mutex_unlock(&second->lock);
  pthread_mutex_unlock(&first->lock);
}

static struct account* accounts[3];

static void* worker(void* arg) {
  (void)arg;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j)
      if (i != j) transfer(accounts[i], accounts[j], 1, 1);
  return NULL;
}

int main(int argc, char** argv) {
  for (int i = 0; i < 3; ++i) accounts[i] = account_new();
  pthread_t t[2];
  for (int i = 0; i < 2; ++i) pthread_create(&t[i], NULL, worker, NULL);
  for (int i = 0; i < 2; ++i) pthread_join(t[i], NULL);
  if (argc > 1 && strcmp(argv[1], "against") == 0) {
    /* Two new accounts, never nested before: one transfer against the order. */
    struct account* x = account_new();
    struct account* y = account_new();
    transfer(x, y, 1, 0);
    free(x);
    free(y);
  }
  for (int i = 0; i < 3; ++i) {
    pthread_mutex_destroy(&accounts[i]->lock);
    free(accounts[i]);
  }
  return 0;
}
