/* Locks of one class (one init site) nested per instance.
   argv[1] = "ordered": every thread locks two buckets in ascending order
   (silent); "inverted": two threads nest the same two buckets in opposite
   orders (an instance-level cycle, reported). */
#include <pthread.h>
#include <string.h>

#define NBUCKETS 8
struct bucket { pthread_mutex_t lock; int items; };
static struct bucket buckets[NBUCKETS];
static int inverted;

static void bucket_init(struct bucket* b) { pthread_mutex_init(&b->lock, NULL); }

static void move_item(int from, int to) {
  int first = from, second = to;
  if (!inverted && first > second) { first = to; second = from; }
  pthread_mutex_lock(&buckets[first].lock);
  pthread_mutex_lock(&buckets[second].lock);
  buckets[from].items--;
  buckets[to].items++;
  pthread_mutex_unlock(&buckets[second].lock);
  pthread_mutex_unlock(&buckets[first].lock);
}

static void* mover(void* arg) {
  int dir = (int)(long)arg;
  for (int i = 0; i < NBUCKETS - 1; ++i) {
    if (dir) move_item(i, i + 1);
    else move_item(i + 1, i);
  }
  return NULL;
}

int main(int argc, char** argv) {
  inverted = argc > 1 && strcmp(argv[1], "inverted") == 0;
  for (int i = 0; i < NBUCKETS; ++i) bucket_init(&buckets[i]);
  pthread_t t;
  pthread_create(&t, NULL, mover, (void*)1L);
  pthread_join(t, NULL);
  pthread_create(&t, NULL, mover, (void*)0L);
  pthread_join(t, NULL);
  return 0;
}
