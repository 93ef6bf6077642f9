#!/usr/bin/env python3
"""Instructions per benchmark iteration under callgrind, per callee: the
load-independent measure bench/RESULTS.md uses when the machine is busy.

  bench/icount.py build/release/bench/lockdep_bench pair/std_mutex pair/lockdep_mutex chain8/lockdep_mutex

Runs each benchmark alone under `valgrind --tool=callgrind` and divides the
benchmark function's inclusive instruction count by its iterations (its
calls to pthread_mutex_unlock; chain8/ makes 8 per iteration). Callees
called far less often than once per iteration (function-local statics,
harness setup) are left out and their total printed. Callgrind runs one
thread at a time, so two-thread benchmarks never contend under it.
Environment: MIN_TIME (default 0.2) is --benchmark_min_time.
"""
import os
import re
import subprocess
import sys
import tempfile


def measure(binary, name, min_time):
    per = 8 if name.startswith("chain8") else 1
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "callgrind.out")
        subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", binary,
                        f"--benchmark_filter=^{re.escape(name)}$", f"--benchmark_min_time={min_time}"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        ann = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--tree=calling", out],
                             capture_output=True, text=True, check=True).stdout.splitlines()
    total, callees = None, []
    for i, line in enumerate(ann):
        m = re.match(r"\s*([\d,]+) \(.*\)\s+\*\s+\S*:void \(anonymous namespace\)::bm_", line)
        if not m:
            continue
        total = int(m.group(1).replace(",", ""))
        for callee in ann[i + 1:]:
            c = re.match(r"\s*([\d,]+) \(.*\)\s+>\s+\S*?:(.*) \(([\d,]+)x\)", callee)
            if not c:
                break
            fn = re.sub(r"\(.*", "", c.group(2)).replace("lockdep::v1_on::", "").replace("internal::", "")
            callees.append((fn, int(c.group(1).replace(",", "")), int(c.group(3).replace(",", ""))))
        break
    if total is None:
        sys.exit(f"{name}: no benchmark function in the profile")
    unlocks = [calls for fn, _, calls in callees if "pthread_mutex_unlock" in fn or "pthread_spin_unlock" in fn]
    iters = (unlocks[0] if unlocks else max(calls for _, _, calls in callees)) // per
    once = sum(cost for _, cost, calls in callees if calls < iters / 100)
    print(f"{name}: {(total - once) / iters:.1f} instructions per iteration "
          f"({iters} iterations; {once} in setup calls left out)")
    inside = total - once
    for fn, cost, calls in callees:
        if calls >= iters / 100:
            print(f"   {fn}: {cost / calls:.1f} per call, {calls / iters:.2f} calls per iteration")
            inside -= cost
    print(f"   the benchmark function itself: {inside / iters:.1f} per iteration")


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    for name in sys.argv[2:]:
        measure(sys.argv[1], name, os.environ.get("MIN_TIME", "0.2"))


if __name__ == "__main__":
    main()
