/* The README's example: a logging mutex taken by a SIGTERM handler.
     (none)  main logs with SIGTERM unblocked: inconsistent lock state
     fixed   main blocks SIGTERM while it logs; a SIGHUP handler (taking
             no lock) stays unblocked                              (silent) */
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static volatile sig_atomic_t stop, reload;

static void log_msg(const char* s) {
  pthread_mutex_lock(&log_mu);
  write(2, s, strlen(s));
  pthread_mutex_unlock(&log_mu);
}
static void on_term(int sig) {
  (void)sig;
  log_msg("terminating\n");
  stop = 1;
}
static void on_hup(int sig) {
  (void)sig;
  reload = 1;
}

int main(int argc, char** argv) {
  const int fixed = argc > 1 && !strcmp(argv[1], "fixed");
  signal(SIGTERM, on_term);
  if (fixed) signal(SIGHUP, on_hup);
  sigset_t term;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  while (!stop) {
    if (fixed) pthread_sigmask(SIG_BLOCK, &term, NULL);
    log_msg("working\n");
    if (fixed) pthread_sigmask(SIG_UNBLOCK, &term, NULL);
    if (fixed) raise(SIGHUP);
    raise(SIGTERM);
  }
  return reload || !fixed ? 0 : 2;
}
