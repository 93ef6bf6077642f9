/* The allocator and stdio as locks under lockdep-run: a handler that
   allocates or prints, in a program that does the same with the signal
   unblocked (the class of bug behind OpenSSH's CVE-2024-6387).
     malloc          the handler mallocs; main mallocs with SIGUSR1 unblocked
     malloc_blocked  main mallocs only with SIGUSR1 blocked           (silent)
     printf          the handler printfs; main printfs
     printf_blocked  main printfs only with SIGUSR1 blocked           (silent)
     async_safe      the handler only write(2)s; main mallocs and printfs
                                                                       (silent)
     thread          the handler mallocs; a worker thread mallocs
                     with SIGUSR1 unblocked                                    */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char* mode;
static volatile sig_atomic_t handled;
static void* volatile sink;

static void on_usr1(int sig) {
  (void)sig;
  ++handled;
  if (!strncmp(mode, "printf", 6)) {
    printf("got signal %d\n", sig);
    fflush(stdout);
  } else if (!strcmp(mode, "async_safe")) {
    write(1, "got signal\n", 11);
  } else {
    char* p = malloc(32);
    sink = p;
    free(p);
  }
}

static void block_usr1(int how) {
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, SIGUSR1);
  pthread_sigmask(how, &s, NULL);
}

static void allocate(void) {
  sink = malloc(64);
  free(sink);
}

static void block_usr1(int how);
static void* worker(void* arg) {
  (void)arg;
  block_usr1(SIG_UNBLOCK); /* it inherited main's mask */
  allocate();
  return NULL;
}

int main(int argc, char** argv) {
  mode = argc > 1 ? argv[1] : "malloc";
  const int blocked = strstr(mode, "_blocked") != NULL;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  sigemptyset(&sa.sa_mask);
  if (blocked) block_usr1(SIG_BLOCK); /* everything outside the handler */
  sigaction(SIGUSR1, &sa, NULL);
  if (blocked) {
    block_usr1(SIG_UNBLOCK);
    raise(SIGUSR1);
    block_usr1(SIG_BLOCK);
  } else {
    raise(SIGUSR1);
  }
  if (!strcmp(mode, "thread")) {
    block_usr1(SIG_BLOCK); /* main's own calls are safe; the worker's are not */
    pthread_t t;
    pthread_create(&t, NULL, worker, NULL);
    pthread_join(t, NULL);
  } else if (!strncmp(mode, "printf", 6)) {
    printf("main prints\n");
    fflush(stdout);
  } else {
    allocate();
    if (!strcmp(mode, "async_safe")) {
      printf("main prints\n");
      fflush(stdout);
    }
  }
  return handled == 1 ? 0 : 2;
}
