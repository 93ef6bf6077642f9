/* AA: a blocking re-lock of a held mutex. The report must be printed
   before the thread blocks forever (the test kills it after a timeout). */
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

int main(void) {
  pthread_mutex_lock(&lock);
  fprintf(stderr, "relocking\n");
  pthread_mutex_lock(&lock); /* deadlocks */
  return 0;
}
