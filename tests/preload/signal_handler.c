/* Signal handlers as interrupts under lockdep-run. A SIGUSR1 handler takes
   a lock; the program takes it elsewhere with or without SIGUSR1 blocked.
   Every signal is raised at a point where no lock is held, so the program
   never deadlocks for real: lockdep must see the possibility alone.
     inconsistent  handler takes log_mu; main takes it with SIGUSR1 unblocked
     blocked       main takes log_mu only with SIGUSR1 blocked         (silent)
     inversion     main: stats -> log_mu (signal blocked), log_mu with signals
                   on; then the handler takes stats: irq lock inversion
     safe_unsafe   the handler takes stats first; then stats -> log_mu
     thread        a thread created with SIGUSR1 blocked takes log_mu (silent)
     thread_open   a thread with SIGUSR1 unblocked takes log_mu
     no_handler    SIGUSR1 ignored: nothing interrupts                 (silent)
     restore       handler removed (SIG_DFL) before main takes log_mu  (silent)
     signal_fn     as inconsistent, the handler installed with signal()
     other_unblocked  SIGUSR2 has a handler too (taking no lock); main takes
                   log_mu with SIGUSR1 blocked, SIGUSR2 unblocked      (silent)
     other_blocked the same with SIGUSR2 blocked, SIGUSR1 unblocked
     exit          main takes log_mu, then the handler takes it and ends the
                   process with _exit: its report must still be printed
     Exit          the same with _Exit
     shared_line   four other signals have handlers first, so SIGALRM's
                   handler (taking log_mu) is on the shared line, SIGNAL;
                   main takes log_mu with SIGALRM unblocked  */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t stats = PTHREAD_MUTEX_INITIALIZER;
static int use_stats;
static int exit_in_handler; /* 1 _exit, 2 _Exit */
static volatile sig_atomic_t handled;

static void on_usr1(int sig) {
  (void)sig;
  pthread_mutex_t* m = use_stats ? &stats : &log_mu;
  pthread_mutex_lock(m);
  ++handled;
  pthread_mutex_unlock(m);
  if (exit_in_handler == 1) _exit(0);
  if (exit_in_handler == 2) _Exit(0);
}

static void install(int use_signal_fn) {
  if (use_signal_fn) {
    signal(SIGUSR1, on_usr1);
    return;
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGUSR1, &sa, NULL);
}

static volatile sig_atomic_t usr2_handled;
static void on_usr2(int sig) {
  (void)sig;
  ++usr2_handled;
}

static void block_one(int how, int sig) {
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, sig);
  pthread_sigmask(how, &s, NULL);
}

static void block_usr1(int how) { block_one(how, SIGUSR1); }

static void take(pthread_mutex_t* m) {
  pthread_mutex_lock(m);
  pthread_mutex_unlock(m);
}

static void* thread_body(void* arg) {
  (void)arg;
  take(&log_mu);
  return NULL;
}

static void run_thread(int blocked) {
  pthread_t t;
  if (blocked) block_usr1(SIG_BLOCK); /* the thread inherits the mask */
  pthread_create(&t, NULL, thread_body, NULL);
  if (blocked) block_usr1(SIG_UNBLOCK);
  pthread_join(t, NULL);
}

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "inconsistent";
  if (!strcmp(mode, "no_handler")) {
    signal(SIGUSR1, SIG_IGN);
    raise(SIGUSR1);
    take(&log_mu);
    return 0;
  }
  install(!strcmp(mode, "signal_fn"));
  if (!strcmp(mode, "inversion")) {
    use_stats = 1;
    block_usr1(SIG_BLOCK);
    pthread_mutex_lock(&stats);
    take(&log_mu);
    pthread_mutex_unlock(&stats);
    block_usr1(SIG_UNBLOCK);
    take(&log_mu);
    raise(SIGUSR1);
  } else if (!strcmp(mode, "safe_unsafe")) {
    use_stats = 1;
    raise(SIGUSR1);
    take(&log_mu);
    block_usr1(SIG_BLOCK);
    pthread_mutex_lock(&stats);
    take(&log_mu);
    pthread_mutex_unlock(&stats);
    block_usr1(SIG_UNBLOCK);
  } else if (!strcmp(mode, "shared_line")) {
    const int others[] = {SIGUSR2, SIGHUP, SIGTERM};
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    for (unsigned i = 0; i < sizeof others / sizeof others[0]; ++i) {
      sa.sa_handler = on_usr2;
      sigaction(others[i], &sa, NULL);
    }
    sa.sa_handler = on_usr1;
    sigaction(SIGALRM, &sa, NULL);
    raise(SIGALRM);
    take(&log_mu);
  } else if (!strcmp(mode, "exit") || !strcmp(mode, "Exit")) {
    take(&log_mu);
    exit_in_handler = !strcmp(mode, "exit") ? 1 : 2;
    raise(SIGUSR1);
    return 4; /* not reached */
  } else if (!strcmp(mode, "other_unblocked") || !strcmp(mode, "other_blocked")) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr2;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR2, &sa, NULL);
    raise(SIGUSR1);
    raise(SIGUSR2);
    const int blocked = !strcmp(mode, "other_unblocked") ? SIGUSR1 : SIGUSR2;
    block_one(SIG_BLOCK, blocked);
    take(&log_mu);
    block_one(SIG_UNBLOCK, blocked);
    if (usr2_handled != 1) return 3;
  } else {
    raise(SIGUSR1);
    if (!strcmp(mode, "blocked")) {
      block_usr1(SIG_BLOCK);
      take(&log_mu);
      block_usr1(SIG_UNBLOCK);
    } else if (!strcmp(mode, "thread") || !strcmp(mode, "thread_open")) {
      run_thread(!strcmp(mode, "thread"));
    } else if (!strcmp(mode, "restore")) {
      signal(SIGUSR1, SIG_DFL);
      take(&log_mu);
    } else {
      take(&log_mu);
    }
  }
  fprintf(stderr, "handled %d\n", (int)handled);
  return handled == 1 ? 0 : 2;
}
