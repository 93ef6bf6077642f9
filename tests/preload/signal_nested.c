/* Handler masks, handlers left by longjmp, and handlers on other threads,
   under lockdep-run. Every signal is raised where no lock is held.
     second_signal  SIGUSR1's and SIGUSR2's handlers both take log_mu, and
                    SIGUSR2 may interrupt SIGUSR1's handler (sa_mask empty)
     sa_mask        the same with each signal in the other's sa_mask  (silent)
     nodefer        SIGUSR1's handler (SA_NODEFER) takes log_mu: it may
                    interrupt itself
     siglongjmp     SIGUSR1's handler leaves by siglongjmp; main then takes
                    log_mu with signals unblocked, SIGUSR2's handler takes it
     longjmp        the same with longjmp (then main unblocks both signals,
                    which the handler's mask had blocked)
     longjmp_blocked  after the siglongjmp main takes log_mu with both
                    signals blocked                                   (silent)
     thread_handler SIGUSR1 reaches a worker whose handler takes log_mu; main
                    takes log_mu with SIGUSR1 blocked                  (silent)
     sigsuspend     main takes log_mu only with SIGUSR1 blocked; the handler
                    runs inside sigsuspend                             (silent)
     thread_handler_open  the same, main with SIGUSR1 unblocked                   */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static volatile sig_atomic_t handled;
static sigjmp_buf sig_env;
static jmp_buf plain_env;
static int jump_mode; /* 0 none, 1 siglongjmp, 2 longjmp */

static void take(pthread_mutex_t* m) {
  pthread_mutex_lock(m);
  pthread_mutex_unlock(m);
}

static void on_signal(int sig) {
  ++handled;
  if (sig == SIGUSR1 && jump_mode == 1) siglongjmp(sig_env, 1);
  if (sig == SIGUSR1 && jump_mode == 2) longjmp(plain_env, 1);
  take(&log_mu);
}

static void install(int sig, int flags, int also_block) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sa.sa_flags = flags;
  sigemptyset(&sa.sa_mask);
  if (also_block) sigaddset(&sa.sa_mask, also_block);
  sigaction(sig, &sa, NULL);
}

static void mask(int how, int sig1, int sig2) {
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, sig1);
  if (sig2) sigaddset(&s, sig2);
  pthread_sigmask(how, &s, NULL);
}

static volatile int worker_stop, worker_ready;
static void* worker(void* arg) {
  (void)arg;
  /* Signalled only once here: a handler that interrupts lockdep's own
     bookkeeping (thread start) is not tracked. */
  worker_ready = 1;
  while (!worker_stop) usleep(1000);
  return NULL;
}

static void thread_case(int main_blocked) {
  install(SIGUSR1, 0, 0);
  pthread_t t;
  pthread_create(&t, NULL, worker, NULL);
  mask(SIG_BLOCK, SIGUSR1, 0); /* only the worker can receive it */
  while (!worker_ready) usleep(1000);
  pthread_kill(t, SIGUSR1);
  while (!handled) usleep(1000);
  if (!main_blocked) mask(SIG_UNBLOCK, SIGUSR1, 0);
  take(&log_mu);
  worker_stop = 1;
  pthread_join(t, NULL);
}

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "second_signal";
  volatile int expected = 2;
  if (!strcmp(mode, "second_signal") || !strcmp(mode, "sa_mask")) {
    const int m = !strcmp(mode, "sa_mask");
    install(SIGUSR1, 0, m ? SIGUSR2 : 0);
    install(SIGUSR2, 0, m ? SIGUSR1 : 0);
    raise(SIGUSR1);
    raise(SIGUSR2);
  } else if (!strcmp(mode, "nodefer")) {
    install(SIGUSR1, SA_NODEFER, 0);
    raise(SIGUSR1);
    expected = 1;
  } else if (!strncmp(mode, "siglongjmp", 10) || !strcmp(mode, "longjmp") || !strcmp(mode, "longjmp_blocked")) {
    install(SIGUSR1, 0, SIGUSR2); /* neither handler interrupts the other */
    install(SIGUSR2, 0, SIGUSR1);
    const volatile int plain = !strcmp(mode, "longjmp");
    jump_mode = plain ? 2 : 1;
    if (plain ? setjmp(plain_env) == 0 : sigsetjmp(sig_env, 1) == 0) raise(SIGUSR1);
    jump_mode = 0;
    if (plain) mask(SIG_UNBLOCK, SIGUSR1, SIGUSR2); /* longjmp left the handler's mask */
    if (!strcmp(mode, "longjmp_blocked")) {
      mask(SIG_BLOCK, SIGUSR1, SIGUSR2);
      take(&log_mu);
      mask(SIG_UNBLOCK, SIGUSR1, SIGUSR2);
    } else {
      take(&log_mu);
    }
    raise(SIGUSR2);
  } else if (!strcmp(mode, "sigsuspend")) {
    install(SIGUSR1, 0, 0);
    mask(SIG_BLOCK, SIGUSR1, 0);
    take(&log_mu);
    raise(SIGUSR1); /* pending */
    sigset_t waiting;
    sigemptyset(&waiting);
    sigsuspend(&waiting); /* the handler runs here, then the mask is back */
    take(&log_mu);
    expected = 1;
  } else if (!strcmp(mode, "thread_handler") || !strcmp(mode, "thread_handler_open")) {
    thread_case(!strcmp(mode, "thread_handler"));
    expected = 1;
  }
  fprintf(stderr, "handled %d\n", (int)handled);
  return handled == expected ? 0 : 2;
}
