#!/usr/bin/env python3
"""Run lockdep_bench (static) and lockdep_bench_shared with 9 interleaved
repetitions (--benchmark_enable_random_interleaving=true) and print, from the
medians of this one run, the table README shows.

  bench/run.py [--build build-bench] [--repetitions 9] [--min-time 0.2]
               [--only static|shared] [--json out.json]

Ratios only count from a run on a quiet machine (load average below 1, which
the output states): on a shared 2-CPU machine a busy neighbour moves every
row, and the two-thread rows the most.

Ratios use items per second (one item = one lock+unlock pair, or one chain of
8). Google Benchmark divides a multi-threaded run by the threads' summed CPU
time, so items_per_second of a /threads:2 run is the per-thread rate; the
1 -> 2 thread throughput gain is 2 x rate(threads:2) / rate(1) ("gain (CPU)").
The wall-clock gain, real_time(1) / real_time(2), is printed too; it is only
meaningful on an otherwise idle machine with 2 free cores.

contended/* and condvar/* spend their time blocked: their ratios use
real_time (wall clock per item), not CPU time.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

LOCKS = ["std_mutex", "lockdep_mutex", "lockdep_spinlock", "std_shared_timed_mutex", "lockdep_shared_mutex",
         "wrapped_std_mutex", "absl_mutex", "absl_mutex_detect",
         "floor_empty_calls", "floor_prototype", "floor_prototype_inline"]
# Floors (floor_proto.hpp): std::mutex with two empty out-of-line calls, and
# with #16's bare prototype, out of line and inlined; their ratios to
# std::mutex in the same run bound what a design of that shape reaches here.
FLOORS = ["floor_empty_calls", "floor_prototype", "floor_prototype_inline"]


def run(binary, reps, min_time, bench_filter):
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        out = f.name
    cmd = [binary, f"--benchmark_repetitions={reps}", "--benchmark_report_aggregates_only=true",
           "--benchmark_enable_random_interleaving=true",
           f"--benchmark_min_time={min_time}", f"--benchmark_out={out}", "--benchmark_out_format=json"]
    if bench_filter:
        cmd.append(f"--benchmark_filter={bench_filter}")
    print("running:", " ".join(cmd), file=sys.stderr)
    done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        sys.exit(f"{binary} failed ({done.returncode}):\n{done.stderr}")
    with open(out) as f:
        data = json.load(f)
    os.unlink(out)
    medians = {}
    for b in data["benchmarks"]:
        if b.get("aggregate_name") == "median":
            medians[b["run_name"]] = b
    if not medians:  # one repetition: no aggregates, the runs themselves
        medians = {b["run_name"]: b for b in data["benchmarks"] if b.get("run_type") == "iteration"}
    return data.get("context", {}), medians


def ips(m, name):
    b = m.get(name)
    return b["items_per_second"] if b else None


def real_ns(m, name):
    b = m.get(name)
    if not b:
        return None
    scale = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}[b.get("time_unit", "ns")]
    return b["real_time"] * scale


def summary(m):
    s = {}
    for kind in ("pair", "chain8"):
        std, ld = ips(m, f"{kind}/std_mutex"), ips(m, f"{kind}/lockdep_mutex")
        s[f"{kind}_ratio"] = std / ld if std and ld else None
    for lock in ("std_mutex", "lockdep_mutex"):
        one, two = ips(m, f"pair/{lock}"), ips(m, f"pair/{lock}/threads:2")
        s[f"gain_cpu_{lock}"] = 2 * two / one if one and two else None
        r1, r2 = real_ns(m, f"pair/{lock}"), real_ns(m, f"pair/{lock}/threads:2")
        s[f"gain_wall_{lock}"] = r1 / r2 if r1 and r2 else None
    g_std, g_ld = s["gain_cpu_std_mutex"], s["gain_cpu_lockdep_mutex"]
    s["gain_rel"] = g_ld / g_std if g_std and g_ld else None
    for title, std_name, ld_name in (("contended", "contended/std_mutex/threads:2", "contended/lockdep_mutex/threads:2"),
                                     ("condvar", "condvar/std", "condvar/lockdep")):
        std, ld = real_ns(m, std_name), real_ns(m, ld_name)
        s[f"{title}_ratio"] = ld / std if std and ld else None
    for floor in FLOORS:
        for kind in ("pair", "chain8"):
            std, f = ips(m, f"{kind}/std_mutex"), ips(m, f"{kind}/{floor}")
            s[f"{kind}_{floor}"] = std / f if std and f else None
        std, f = real_ns(m, "contended/std_mutex/threads:2"), real_ns(m, f"contended/{floor}/threads:2")
        s[f"contended_{floor}"] = f / std if std and f else None
    cold = real_ns(m, "cold_new_edge/10000")
    s["cold_us"] = cold / 1e3 if cold else None
    b = m.get("cold_new_edge/10000")
    s["graph_mib"] = b["graph_MiB"] if b and "graph_MiB" in b else None
    s["graph_shape"] = (int(b["classes"]), int(b["dependencies"])) if b and "classes" in b else None
    return s


def fmt(v, spec, suffix=""):
    return "n/a" if v is None else format(v, spec) + suffix


def verdict(v, ok):
    return "" if v is None else (" ✓" if ok(v) else " ✗")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--build", default=os.path.join(os.path.dirname(here), "build-bench"))
    ap.add_argument("--repetitions", type=int, default=9)
    ap.add_argument("--min-time", default="0.2")
    ap.add_argument("--only", choices=["static", "shared"])
    ap.add_argument("--filter", default="")
    ap.add_argument("--json", help="also write the medians to this file")
    args = ap.parse_args()

    variants = [("static", "lockdep_bench"), ("shared", "lockdep_bench_shared")]
    results = {}
    context = {}
    for label, exe in variants:
        if args.only and args.only != label:
            continue
        path = os.path.join(args.build, "bench", exe)
        if not os.path.exists(path):
            sys.exit(f"{path} not found: cmake --build {args.build} --target {exe}")
        context, results[label] = run(path, args.repetitions, args.min_time, args.filter)

    labels = list(results)
    sums = {l: summary(results[l]) for l in labels}
    print(f"Medians of {args.repetitions} interleaved repetitions; {context.get('num_cpus', '?')} CPUs, "
          f"{context.get('mhz_per_cpu', '?')} MHz; load average {context.get('load_avg', '?')}.\n")
    load = context.get("load_avg") or [0]
    if load and load[0] >= 1.0:
        print(f"WARNING: load average {load[0]:.2f} >= 1 during the run: do not publish these ratios.\n")
    print("| metric | target | " + " | ".join(labels) + " |")
    print("|---|---|" + "---|" * len(labels))
    rows = [
        ("pair/lockdep_mutex ÷ pair/std_mutex", "≤ 1.25× (shared 1.35×)", "pair_ratio", ".2f", "×",
         lambda v: v <= 1.35),
        ("chain8/lockdep_mutex ÷ chain8/std_mutex", "≤ 1.25× (shared 1.35×)", "chain8_ratio", ".2f", "×",
         lambda v: v <= 1.35),
        ("contended lockdep ÷ std (wall, 2 threads)", "≤ 1.25×", "contended_ratio", ".2f", "×",
         lambda v: v <= 1.25),
        ("condvar lockdep ÷ std (wall, hand-off)", "≤ 1.25×", "condvar_ratio", ".2f", "×", lambda v: v <= 1.25),
        ("1→2 threads gain, std::mutex (CPU)", "", "gain_cpu_std_mutex", ".2f", "×", None),
        ("1→2 threads gain, lockdep::mutex (CPU)", "", "gain_cpu_lockdep_mutex", ".2f", "×", None),
        ("lockdep gain ÷ std gain", "≥ 0.9", "gain_rel", ".2f", "", lambda v: v >= 0.9),
        ("1→2 threads gain, std::mutex (wall)", "", "gain_wall_std_mutex", ".2f", "×", None),
        ("1→2 threads gain, lockdep::mutex (wall)", "", "gain_wall_lockdep_mutex", ".2f", "×", None),
        ("cold_new_edge/10000", "≤ 1000 µs", "cold_us", ".0f", " µs", lambda v: v <= 1000),
        ("graph memory, 10k classes / 100k edges", "≤ 32 MiB", "graph_mib", ".1f", " MiB", lambda v: v <= 32),
    ]
    for title, target, key, spec, suffix, ok in rows:
        cells = [fmt(sums[l][key], spec, suffix) + (verdict(sums[l][key], ok) if ok else "") for l in labels]
        print(f"| {title} | {target} | " + " | ".join(cells) + " |")
    for l in labels:
        wall = sums[l]["gain_wall_std_mutex"]
        if wall is not None and wall < 1.5:
            print(f"\nWARNING ({l}): std::mutex's wall-clock gain from 1 to 2 threads was only {wall:.2f}x: "
                  "the two threads mostly took turns (busy machine), so the 2-thread rows do not show "
                  "contention. Re-run on an idle machine.")
    print("\nfloors, ratio to std::mutex in this run (floor_proto.hpp; not lockdep):")
    print("| floor | " + " | ".join(f"{l} pair | {l} chain8 | {l} contended" for l in labels) + " |")
    print("|---|" + "---|---|---|" * len(labels))
    for floor in FLOORS:
        cells = []
        for l in labels:
            cells += [fmt(sums[l][f"{kind}_{floor}"], ".2f", "×") for kind in ("pair", "chain8", "contended")]
        print(f"| {floor} | " + " | ".join(cells) + " |")
    shape = next((sums[l]["graph_shape"] for l in labels if sums[l]["graph_shape"]), None)
    if shape:
        print(f"\n(cold_new_edge/10000 graph: {shape[0]} classes, {shape[1]} dependencies)")

    for l in labels:
        m = results[l]
        print(f"\n{l}: ns per item (CPU), ratio to std::mutex; 2 threads per-thread")
        print("| lock | pair | ×std | pair, 2 thr | chain8 | ×std | chain8, 2 thr |")
        print("|---|---|---|---|---|---|---|")
        base = {k: ips(m, f"{k}/std_mutex") for k in ("pair", "chain8")}
        for lock in LOCKS:
            cells = []
            for kind in ("pair", "chain8"):
                one, two = ips(m, f"{kind}/{lock}"), ips(m, f"{kind}/{lock}/threads:2")
                cells.append(fmt(1e9 / one if one else None, ".1f"))
                cells.append(fmt(base[kind] / one if one and base[kind] else None, ".2f", "×"))
                cells.append(fmt(1e9 / two if two else None, ".1f"))
            print(f"| {lock} | " + " | ".join(cells) + " |")
        print("\nwall-clock ns per item: contended (per thread, 2 threads), condvar (per hand-off)")
        print("| benchmark | ns | ×std |")
        print("|---|---|---|")
        for std_name, ld_name in (("contended/std_mutex/threads:2", "contended/lockdep_mutex/threads:2"),
                                  ("contended/std_mutex/threads:2", "contended/floor_empty_calls/threads:2"),
                                  ("contended/std_mutex/threads:2", "contended/floor_prototype/threads:2"),
                                  ("condvar/std", "condvar/lockdep")):
            std, ld = real_ns(m, std_name), real_ns(m, ld_name)
            print(f"| {std_name} | {fmt(std, '.1f')} | 1.00× |")
            print(f"| {ld_name} | {fmt(ld, '.1f')} | {fmt(ld / std if std and ld else None, '.2f', '×')} |")

    if args.json:
        with open(args.json, "w") as f:
            json.dump({l: {"summary": sums[l], "medians": results[l]} for l in labels}, f, indent=1)


if __name__ == "__main__":
    main()
