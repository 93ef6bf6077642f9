/* A signal-handler inversion split across two runs under lockdep-run, each
 * with its own graph store (as two CI shards): lockdep-graph check of both
 * stores finds it, neither run alone can.
 *   handler       the SIGUSR1 handler takes stats (raised with no lock held)
 *   nest          stats -> log_mu with SIGUSR1 blocked, then log_mu with it
 *                 unblocked (the handler installed, never run)
 *   nest_blocked  the same, log_mu only ever with SIGUSR1 blocked (silent) */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t stats = PTHREAD_MUTEX_INITIALIZER;
static volatile sig_atomic_t handled;

static void on_usr1(int sig) {
  (void)sig;
  pthread_mutex_lock(&stats);
  ++handled;
  pthread_mutex_unlock(&stats);
}

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "handler";
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGUSR1, &sa, NULL);
  if (!strcmp(mode, "handler")) {
    raise(SIGUSR1);
    return handled == 1 ? 0 : 2;
  }
  sigset_t usr1;
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &usr1, NULL);
  pthread_mutex_lock(&stats);
  pthread_mutex_lock(&log_mu); /* stats -> log_mu, the signal blocked */
  pthread_mutex_unlock(&log_mu);
  pthread_mutex_unlock(&stats);
  const int unblocked = !strcmp(mode, "nest");
  if (unblocked) pthread_sigmask(SIG_UNBLOCK, &usr1, NULL);
  pthread_mutex_lock(&log_mu); /* with the signal unblocked only in "nest" */
  pthread_mutex_unlock(&log_mu);
  puts("done");
  return 0;
}
