/* An unmodified C program for the graph store under lockdep-run: mutexes
 * allocated and initialised at run time (each at its own init site), taken
 * in the order its argument says:
 *   ab | ba     account then ledger / ledger then account
 *   report_ab   first an account/audit inversion (reported: the report
 *               names both classes by symbol), then account then ledger */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct account {
  pthread_mutex_t lock;
  long balance;
};

static struct account* new_account(void) {
  struct account* a = malloc(sizeof *a);
  if (!a) exit(1);
  pthread_mutex_init(&a->lock, NULL);
  a->balance = 0;
  return a;
}

static pthread_mutex_t* new_lock(void) {
  pthread_mutex_t* m = malloc(sizeof *m);
  if (!m) exit(1);
  pthread_mutex_init(m, NULL);
  return m;
}

static pthread_mutex_t* new_audit_lock(void) {
  pthread_mutex_t* m = malloc(sizeof *m);
  if (!m) exit(1);
  pthread_mutex_init(m, NULL);
  return m;
}

static void nest(pthread_mutex_t* outer, pthread_mutex_t* inner) {
  pthread_mutex_lock(outer);
  pthread_mutex_lock(inner);
  pthread_mutex_unlock(inner);
  pthread_mutex_unlock(outer);
}

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "ab";
  struct account* acct = new_account();
  pthread_mutex_t* ledger = new_lock();
  if (strcmp(mode, "report_ab") == 0) {
    pthread_mutex_t* audit = new_audit_lock();
    nest(&acct->lock, audit);
    nest(audit, &acct->lock);
  }
  if (strcmp(mode, "ba") == 0) nest(ledger, &acct->lock);
  else nest(&acct->lock, ledger);
  puts("done");
  return 0;
}
