#!/usr/bin/env python3
"""Time real programs plain and under lockdep-run (the LD_PRELOAD interposer)
and print one markdown table: wall time and maximum RSS, medians of N runs,
with the ratio and the difference.

  bench/programs.py [--build build/release] [--repetitions 5] [--only xz,sort]
                    [--work DIR] [--json out.json]

Programs (inputs are generated in a temporary directory, deterministically):
  start  the trivial two-thread program bench/preload_start.c (issue #16's
         preload start cost: targets <= 30 ms and <= 16 MiB more than plain)
  xz     xz -T2 -3 --block-size=1MiB -c on 4 MiB of generated text (four
         blocks, so both threads compress)
  zstd   zstd -T2 -B1MiB -c on the same text
  sort   sort --parallel=2 -S 16M on 500,000 generated lines
  git    git pack-objects --threads=2 --no-reuse-delta --stdout on a generated
         repository (300 files, 20 commits), object list from rev-list
  ffmpeg ffmpeg -threads 2, a 5 s lavfi test pattern encoded with mpeg4
         (only if ffmpeg is installed; the row says so otherwise)

Runs alternate plain / lockdep-run (the order flips every repetition). Wall
time is measured around fork+exec+wait; maximum RSS is /usr/bin/time's %M
(the program's own ru_maxrss: a child forked from this Python process would
count the parent's pages it shared before exec). Times only count from a quiet machine: the load
average before and after is printed, with a warning when it is >= 1.

Needs the preload library: cmake --build BUILD --target lockdep_preload.
"""
import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(HERE)
PROGRAMS = ["start", "xz", "zstd", "sort", "git", "ffmpeg"]
TIME = "/usr/bin/time"


def vocabulary():
    rng = random.Random(13)
    return ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 10))) for _ in range(5000)]


WORDS = vocabulary()


def text_lines(rng, count):
    """Text-like lines: words from a 5,000-word vocabulary and a number."""
    return [" ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 12))) + f" {rng.randrange(1 << 30)}\n"
            for _ in range(count)]


def make_text(path, mib):
    rng = random.Random(16)
    size = mib << 20
    with open(path, "w") as f:
        written = 0
        while written < size:
            chunk = "".join(text_lines(rng, 20000))
            f.write(chunk)
            written += len(chunk)


def make_repo(path):
    env = dict(os.environ, GIT_CONFIG_NOSYSTEM="1", HOME=path, GIT_AUTHOR_NAME="bench", GIT_AUTHOR_EMAIL="b@x",
               GIT_COMMITTER_NAME="bench", GIT_COMMITTER_EMAIL="b@x", GIT_AUTHOR_DATE="2026-01-01T00:00:00Z",
               GIT_COMMITTER_DATE="2026-01-01T00:00:00Z")
    repo = os.path.join(path, "repo")
    os.makedirs(repo)
    git = ["git", "-C", repo]
    subprocess.run(git + ["init", "-q"], check=True, env=env)
    rng = random.Random(14)
    files = [text_lines(rng, 80) for _ in range(300)]
    for commit in range(20):
        for i, lines in enumerate(files):
            if commit and rng.random() > 0.3:
                continue
            for _ in range(4):  # a few edited lines: the next version deltas against this one
                lines[rng.randrange(len(lines))] = text_lines(rng, 1)[0]
            with open(os.path.join(repo, f"f{i:03}.txt"), "w") as f:
                f.writelines(lines)
        subprocess.run(git + ["add", "-A"], check=True, env=env)
        subprocess.run(git + ["commit", "-q", "-m", f"commit {commit}"], check=True, env=env)
    objects = os.path.join(path, "objects.txt")
    with open(objects, "w") as f:
        subprocess.run(git + ["rev-list", "--objects", "--all"], check=True, env=env, stdout=f)
    return repo, objects, env


def prepare(work, names, cc):
    """Inputs and commands: {name: (argv, stdin path or None, cwd, env, description)}."""
    jobs = {}
    text = os.path.join(work, "text.txt")
    if {"xz", "zstd"} & set(names):
        make_text(text, 4)
    if "start" in names:
        exe = os.path.join(work, "preload_start")
        subprocess.run([cc, "-O2", "-pthread", os.path.join(HERE, "preload_start.c"), "-o", exe], check=True)
        jobs["start"] = ([exe], None, work, None, "bench/preload_start.c: 2 threads x 1,000 lock/unlock")
    if "xz" in names:
        jobs["xz"] = (["xz", "-T2", "-3", "--block-size=1MiB", "-c", text], None, work, None,
                      "4 MiB of text, 4 blocks")
    if "zstd" in names:
        jobs["zstd"] = (["zstd", "-q", "-T2", "-B1MiB", "-c", text], None, work, None, "4 MiB of text, 4 jobs")
    if "sort" in names:
        lines = os.path.join(work, "lines.txt")
        with open(lines, "w") as f:
            f.writelines(text_lines(random.Random(15), 500000))
        env = dict(os.environ, LC_ALL="C")
        jobs["sort"] = (["sort", "--parallel=2", "-S", "16M", lines], None, work, env,
                        "500,000 lines, LC_ALL=C")
    if "git" in names:
        repo, objects, env = make_repo(work)
        jobs["git"] = (["git", "pack-objects", "--threads=2", "--no-reuse-delta", "--stdout", "-q"], objects, repo,
                       env, "a generated repository: 300 files, 20 commits")
    if "ffmpeg" in names and shutil.which("ffmpeg"):
        jobs["ffmpeg"] = (["ffmpeg", "-v", "error", "-threads", "2", "-f", "lavfi", "-i",
                           "testsrc=duration=5:size=640x360:rate=25", "-c:v", "mpeg4", "-f", "null", "-"],
                          None, work, None, "5 s of 640x360 test pattern to mpeg4")
    return jobs


def run_once(argv, stdin, cwd, env):
    """(wall ms, max RSS MiB, exit status, stderr text)."""
    with tempfile.TemporaryDirectory() as tmp:
        rss_file = os.path.join(tmp, "rss")
        err_path = os.path.join(tmp, "err")
        with open(err_path, "wb") as err, (open(stdin, "rb") if stdin else open(os.devnull, "rb")) as fin:
            start = time.perf_counter()
            code = subprocess.run([TIME, "-f", "%M", "-o", rss_file] + argv, stdin=fin, stdout=subprocess.DEVNULL,
                                  stderr=err, cwd=cwd, env=env).returncode
            wall = (time.perf_counter() - start) * 1e3
        with open(rss_file) as f:
            rss_kib = int(f.read().split()[-1])  # "Command exited with non-zero status N" may come first
        with open(err_path, "rb") as f:
            text = f.read().decode(errors="replace")
    return wall, rss_kib / 1024.0, code, text


def lockdep_run(build):
    lib = os.path.join(build, "lib", "preload", "liblockdep_preload.so")
    if not os.path.exists(lib):
        sys.exit(f"{lib} not found: cmake --build {build} --target lockdep_preload")
    script = os.path.join(build, "tools", "lockdep-run")
    if not os.path.exists(script):
        script = os.path.join(SOURCE, "tools", "lockdep-run")
    return script, lib


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(SOURCE, "build", "release"))
    ap.add_argument("--repetitions", type=int, default=5)
    ap.add_argument("--only", default="", help="comma-separated subset of " + ",".join(PROGRAMS))
    ap.add_argument("--work", help="directory for the generated inputs (default: a temporary one, removed)")
    ap.add_argument("--cc", default=os.environ.get("CC", "cc"))
    ap.add_argument("--json", help="also write every measurement to this file")
    args = ap.parse_args()
    names = [n for n in (args.only.split(",") if args.only else PROGRAMS) if n]
    unknown = [n for n in names if n not in PROGRAMS]
    if unknown:
        sys.exit(f"unknown program(s) {unknown}; choose from {PROGRAMS}")
    script, lib = lockdep_run(os.path.abspath(args.build))
    if not os.access(TIME, os.X_OK):
        sys.exit(f"{TIME} not found (GNU time, for the maximum RSS): apt-get install time")

    work = args.work or tempfile.mkdtemp(prefix="lockdep-programs-")
    os.makedirs(work, exist_ok=True)
    try:
        print("generating inputs in", work, file=sys.stderr)
        jobs = prepare(work, names, args.cc)
        load_before = os.getloadavg()
        samples = {n: {"plain": [], "lockdep": []} for n in jobs}
        notes = {}
        for rep in range(args.repetitions):
            for name, (argv, stdin, cwd, env, _) in jobs.items():
                modes = ["plain", "lockdep"] if rep % 2 == 0 else ["lockdep", "plain"]
                for mode in modes:
                    cmd = argv if mode == "plain" else [script] + argv
                    run_env = dict(env or os.environ)
                    if mode == "lockdep":
                        run_env["LOCKDEP_PRELOAD_LIB"] = lib
                    wall, rss, code, err = run_once(cmd, stdin, cwd, run_env)
                    if code != 0:
                        sys.exit(f"{name} ({mode}) exited with {code}:\n{err[-2000:]}")
                    if err.strip() and (name, mode) not in notes:
                        notes[(name, mode)] = err.strip().splitlines()[:3]
                    samples[name][mode].append((wall, rss))
            print(f"repetition {rep + 1}/{args.repetitions} done", file=sys.stderr)
        load_after = os.getloadavg()
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)

    def med(values):
        return statistics.median(values) if values else float("nan")

    print(f"Programs plain and under lockdep-run: medians of {args.repetitions} runs each, plain and lockdep-run "
          f"alternating; {os.cpu_count()} CPUs; load average before {load_before[0]:.2f} {load_before[1]:.2f} "
          f"{load_before[2]:.2f}, after {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}.\n")
    if max(load_before[0], load_after[0]) >= 1.0:
        print("WARNING: load average >= 1: do not publish these times.\n")
    print("| program | plain ms | lockdep-run ms | ×plain | +ms | plain MiB | lockdep-run MiB | +MiB |")
    print("|---|---|---|---|---|---|---|---|")
    summary = {}
    for name in names:
        if name not in jobs:
            print(f"| {name} | not installed | | | | | | |")
            continue
        p, l = samples[name]["plain"], samples[name]["lockdep"]
        pw, lw = med([w for w, _ in p]), med([w for w, _ in l])
        pr, lr = med([r for _, r in p]), med([r for _, r in l])
        summary[name] = {"plain_ms": pw, "lockdep_ms": lw, "plain_mib": pr, "lockdep_mib": lr}
        print(f"| {name} | {pw:.1f} | {lw:.1f} | {lw / pw:.2f}× | {lw - pw:+.1f} | {pr:.1f} | {lr:.1f} | "
              f"{lr - pr:+.1f} |")
    if "start" in summary:
        s = summary["start"]
        ok_ms, ok_mib = s["lockdep_ms"] - s["plain_ms"] <= 30, s["lockdep_mib"] - s["plain_mib"] <= 16
        print(f"\npreload start: {s['lockdep_ms'] - s['plain_ms']:+.1f} ms (target ≤ 30 ms) "
              f"{'✓' if ok_ms else '✗'}, {s['lockdep_mib'] - s['plain_mib']:+.1f} MiB (target ≤ 16 MiB) "
              f"{'✓' if ok_mib else '✗'}")
    print("\nCommands (run from the generated inputs' directory; lockdep-run prefixes each):")
    for name, (argv, stdin, _, _, what) in jobs.items():
        shown = " ".join(os.path.basename(a) if os.path.isabs(a) else a for a in argv)
        print(f"* {name}: `{shown}{' < ' + os.path.basename(stdin) if stdin else ''}` ({what})")
    print(f"\nReproduce: bench/programs.py --build {args.build} --repetitions {args.repetitions}")
    for (name, mode), lines in notes.items():
        print(f"\nnote: {name} ({mode}) wrote to stderr: " + " / ".join(lines))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"load_before": load_before, "load_after": load_after, "samples": samples,
                       "summary": summary}, f, indent=1)


if __name__ == "__main__":
    main()
