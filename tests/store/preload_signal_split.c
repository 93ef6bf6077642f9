/* A signal-handler lock inversion split across two runs under lockdep-run
 * (static mutexes: classes by module+offset). The signal's usage is stored
 * by its name, so the halves meet in one store (the second run reports) and
 * in two (lockdep-graph check of both reports).
 *   handler       the SIGUSR1 handler takes stats (raised with no lock held)
 *   take          stats with SIGUSR1 unblocked (the handler installed, never
 *                 run): an inconsistent lock state with `handler`
 *   take_blocked  the same with SIGUSR1 blocked (silent)
 *   nest          stats -> log_mu with SIGUSR1 blocked, then log_mu with it
 *                 unblocked: an irq inversion with `handler`
 *   nest_blocked  the same, log_mu only ever with SIGUSR1 blocked (silent)
 *   other         SIGUSR2's handler only, stats with SIGUSR2 unblocked: a
 *                 different signal (silent) */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t stats = PTHREAD_MUTEX_INITIALIZER;
static volatile sig_atomic_t handled;

static void on_signal(int sig) {
  (void)sig;
  pthread_mutex_lock(&stats);
  ++handled;
  pthread_mutex_unlock(&stats);
}

static void on_other(int sig) {
  (void)sig;
  ++handled;
}

static void block_usr1(int how) {
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, SIGUSR1);
  pthread_sigmask(how, &s, NULL);
}

static void take(pthread_mutex_t* m) {
  pthread_mutex_lock(m);
  pthread_mutex_unlock(m);
}

static void install(int sig, void (*handler)(int)) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = handler;
  sigemptyset(&sa.sa_mask);
  sigaction(sig, &sa, NULL);
}

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "handler";
  if (!strcmp(mode, "other")) {
    install(SIGUSR2, on_other);
    take(&stats);
    puts("done");
    return 0;
  }
  install(SIGUSR1, on_signal);
  if (!strcmp(mode, "handler")) {
    raise(SIGUSR1);
    return handled == 1 ? 0 : 2;
  }
  if (!strcmp(mode, "take")) {
    take(&stats);
  } else if (!strcmp(mode, "take_blocked")) {
    block_usr1(SIG_BLOCK);
    take(&stats);
    block_usr1(SIG_UNBLOCK);
  } else {
    block_usr1(SIG_BLOCK);
    pthread_mutex_lock(&stats);
    take(&log_mu);
    pthread_mutex_unlock(&stats);
    if (!strcmp(mode, "nest_blocked")) take(&log_mu);
    block_usr1(SIG_UNBLOCK);
    if (!strcmp(mode, "nest")) take(&log_mu);
  }
  puts("done");
  return 0;
}
