/* The seed report's shape (an irq lock inversion) from a real signal, in an
   unmodified C program: run it under lockdep-run.

     build/default/tools/lockdep-run build/default/examples/signal_lock_inversion

   A server reloads its configuration on SIGHUP. reload_config() takes
   config_mu and, while holding it, logs through log_mu. At start-up main
   reloads with SIGHUP blocked; later it logs with SIGHUP unblocked; then
   SIGHUP arrives and the handler takes config_mu too. lockdep reports, when the
   handler takes config_mu:

     WARNING: possible irq lock inversion dependency detected
     ... just changed the state of lock: (config_mu){+.+.|SIGHUP:-.}
     but this lock took another, SIGHUP-unsafe lock in the past: (log_mu){+.+.|SIGHUP:+.}

   with the kernel's scenario: a thread holding log_mu is interrupted by
   SIGHUP (the scenario's <SIGHUP>), whose handler waits for config_mu, held
   by a thread (SIGHUP blocked, the scenario's block(SIGHUP)) waiting for
   log_mu. Nothing
   here deadlocks: the signal is raised while no lock is held. The fix is to
   let the handler only set a flag, and reload from the main loop. */
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static pthread_mutex_t config_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static int config_generation;

static void log_line(const char* text) {
  pthread_mutex_lock(&log_mu);
  write(2, text, strlen(text));
  pthread_mutex_unlock(&log_mu);
}

static void reload_config(void) {
  pthread_mutex_lock(&config_mu);
  ++config_generation;
  log_line("configuration reloaded\n");
  pthread_mutex_unlock(&config_mu);
}

/* The handler only bumps the generation (reloading quietly), under config_mu. */
static void on_sighup(int sig) {
  (void)sig;
  pthread_mutex_lock(&config_mu);
  ++config_generation;
  pthread_mutex_unlock(&config_mu);
}

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_sighup;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGHUP, &sa, NULL);

  sigset_t hup;
  sigemptyset(&hup);
  sigaddset(&hup, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &hup, NULL);
  reload_config(); /* start-up: config_mu -> log_mu, SIGHUP blocked */
  pthread_sigmask(SIG_UNBLOCK, &hup, NULL);

  log_line("serving\n"); /* log_mu with SIGHUP deliverable: SIGHUP-unsafe */
  raise(SIGHUP);         /* the handler takes config_mu: SIGHUP-safe */
  log_line("done\n");
  return config_generation == 2 ? 0 : 1;
}
