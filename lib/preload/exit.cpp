// _exit and _Exit. A report raised in a signal handler is queued and
// delivered when the handler returns (formatting it there could deadlock on
// a lock the interrupted code holds); a handler that ends the process with
// _exit never returns, and its report would be lost. So _exit delivers the
// queue first. In a handler the delivery allocates from the allocator
// hooks' static buffer (alloc.cpp), never from the allocator the handler
// may have interrupted, and writes with write(2); only a delivery that the
// interrupted code was itself running (it holds the delivery lock) is left
// to the queue.
//
// exit() needs nothing here: it runs the atexit handlers, where the report
// layer delivers, and glibc's own call to _exit is internal.
#include <sys/syscall.h>
#include <unistd.h>

#include "lockdep/report.hpp"
#include "preload/preload.hpp"

namespace lockdep_preload {

constinit thread_local bool tl_private_allocations __attribute__((tls_model("initial-exec"))) = false;

}  // namespace lockdep_preload

using namespace lockdep_preload;

namespace {

[[noreturn]] void deliver_and_exit(int status) {
  if (in_handler_frame()) {
    tl_private_allocations = true;
    pseudo_locks_rearm();  // every allocator hook looks at the flag
  }
  lockdep::flush_reports();
  for (;;) syscall(SYS_exit_group, status);
}

}  // namespace

extern "C" {

void _exit(int status) { deliver_and_exit(status); }
void _Exit(int status) { deliver_and_exit(status); }

}  // extern "C"
