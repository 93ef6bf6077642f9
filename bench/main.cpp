// lockdep_bench's main: one thread is started and joined before anything is
// measured, because glibc skips the atomic instructions of its locks in a
// process that never created a thread, which would flatter std::mutex.
#include <benchmark/benchmark.h>

#include <thread>

int main(int argc, char** argv) {
  std::thread([] {}).join();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
