#!/usr/bin/env python3
"""Time `lockdep-graph merge` and `check` over generated shard stores.

  bench/store_merge.py [--tool build/default/tools/lockdep-graph/lockdep-graph]
                       [--shards 100] [--deps 10000] [--classes 2000]
                       [--shared 0.9] [--own-classes 100] [--dir DIR]

Each shard is a graph store (the schema of lib/store/schema.cpp) of --deps
dependencies, as CI shards of one suite record them: a --shared fraction is
drawn from one pool of the suite's dependencies (1.2 x --deps of them, among
--classes classes every shard has), so shards mostly repeat one another; the
rest are the shard's own, between its --own-classes classes and the shared
ones. Every dependency goes from a lower to a higher class in one order, so
the graph has no cycle and check does all of its work and reports nothing.
Stacks are a few symbolized frames, as the runtime writes them.

Shards are made in --dir (kept, and reused by a later run with the same
parameters) or in a temporary directory. Prints the merge's wall time and
peak memory (ru_maxrss of the tool), the merged store's size, then check's;
and the load average, since the machine may be shared.
"""
import argparse
import os
import random
import resource
import sqlite3
import subprocess
import tempfile
import time

SCHEMA = """
CREATE TABLE classes(id INTEGER PRIMARY KEY, descriptor TEXT NOT NULL UNIQUE, usage INTEGER NOT NULL DEFAULT 0);
CREATE TABLE deps(id INTEGER PRIMARY KEY, from_class INTEGER NOT NULL, to_class INTEGER NOT NULL,
  bits INTEGER NOT NULL, stack TEXT, program TEXT, test TEXT, pid INTEGER, UNIQUE(from_class, to_class));
CREATE TABLE signal_usage(class INTEGER NOT NULL, signal TEXT NOT NULL, bits INTEGER NOT NULL,
  PRIMARY KEY(class, signal)) WITHOUT ROWID;
PRAGMA application_id=1280001095; PRAGMA user_version=2;
"""
USED = 1 << 8  # INITIAL USE (lib/core/usage.hpp): no irq bits, so no irq inversion


def stacks(rng, n):
    out = []
    for i in range(n):
        frames = [f"#{k} 0x{rng.randrange(1 << 40):012x} in suite::step{rng.randrange(500)}(int) "
                  f"src/module{rng.randrange(40)}/file{rng.randrange(200)}.cpp:{rng.randrange(1, 900)}"
                  for k in range(5)]
        out.append("\n".join(frames) + "\n")
    return out


def shared_class(i):
    return f"file{i % 200}.cpp:{10 + i}:{5 + i % 7}|suite.lock{i}|0|3|0"


def make_shard(path, shard, a):
    rng = random.Random(shard)
    pool_rng = random.Random(12345)  # the suite's pool: the same in every shard
    pool = set()
    while len(pool) < int(1.2 * a.deps):
        x = pool_rng.randrange(1, a.classes)
        pool.add((x, pool_rng.randrange(x + 1, a.classes + 1)))
    pool = sorted(pool)
    shared = rng.sample(pool, int(a.shared * a.deps))
    # Own classes rank after the shared ones: shared -> own, own -> later own.
    own_base = a.classes
    own = set()
    while len(shared) + len(own) < a.deps:
        o = rng.randrange(1, a.own_classes + 1)
        if rng.random() < 0.5 and o > 1:
            own.add((own_base + rng.randrange(1, o), own_base + o))
        else:
            own.add((rng.randrange(1, a.classes + 1), own_base + o))
    classes = [(i, shared_class(i), USED) for i in range(1, a.classes + 1)]
    classes += [(own_base + k, f"shard{shard}.cpp:{k}:3|shard{shard}.lock{k}|0|3|0", USED)
                for k in range(1, a.own_classes + 1)]
    st = stacks(rng, 50)
    db = sqlite3.connect(path)
    db.executescript(SCHEMA)
    db.execute("PRAGMA journal_mode=WAL")
    db.executemany("INSERT INTO classes(id, descriptor, usage) VALUES(?, ?, ?)", classes)
    rows = shared + sorted(own)
    rng.shuffle(rows)
    db.executemany("INSERT INTO deps(from_class, to_class, bits, stack, program, test, pid)"
                   " VALUES(?, ?, 8, ?, 'suite_test', ?, ?)",
                   [(x, y, st[(x * 31 + y) % len(st)], f"Suite.Test{shard}", 1000 + shard) for x, y in rows])
    db.commit()
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()


def timed(cmd):
    """Exit status, wall seconds, CPU seconds (user + system: less noisy than
    wall time on a shared machine) and peak RSS in KiB of one tool run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    rc = subprocess.run(cmd, stdout=subprocess.DEVNULL).returncode
    secs = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    # Peak of the largest child so far: the tools run in growing order.
    return rc, secs, cpu, after.ru_maxrss


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tool", default="build/default/tools/lockdep-graph/lockdep-graph")
    ap.add_argument("--shards", type=int, default=100)
    ap.add_argument("--deps", type=int, default=10000)
    ap.add_argument("--classes", type=int, default=2000)
    ap.add_argument("--shared", type=float, default=0.9)
    ap.add_argument("--own-classes", type=int, default=100)
    ap.add_argument("--dir")
    ap.add_argument("--no-check", action="store_true")
    a = ap.parse_args()
    tmp = None if a.dir else tempfile.TemporaryDirectory()
    d = a.dir or tmp.name
    os.makedirs(d, exist_ok=True)
    tag = f"d{a.deps}-c{a.classes}-s{a.shared}-o{a.own_classes}"
    shards = [os.path.join(d, f"shard-{tag}-{i}.db") for i in range(a.shards)]
    t0 = time.monotonic()
    for i, p in enumerate(shards):
        if not os.path.exists(p):
            make_shard(p + ".tmp", i, a)
            os.rename(p + ".tmp", p)
    print(f"shards ready in {time.monotonic() - t0:.1f} s")
    out = os.path.join(d, f"merged-{a.shards}.db")
    for f in (out, out + "-wal", out + "-shm"):
        if os.path.exists(f):
            os.remove(f)
    load = os.getloadavg()
    rc, secs, cpu, rss = timed([a.tool, "merge", out] + shards)
    db = sqlite3.connect(out)
    nc, nd = (db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("classes", "deps"))
    db.close()
    print(f"merge {a.shards} shards x {a.deps} deps -> {nc} classes, {nd} deps: exit {rc}, {secs:.2f} s"
          f" ({cpu:.2f} s CPU),"
          f" peak RSS {rss / 1024:.1f} MiB, {os.path.getsize(out) / 2**20:.0f} MiB on disk;"
          f" load average before {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    if not a.no_check:
        rc, secs, cpu, rss = timed([a.tool, "check", out])
        print(f"check merged store: exit {rc}, {secs:.2f} s ({cpu:.2f} s CPU), peak RSS {rss / 1024:.1f} MiB")
    if tmp:
        tmp.cleanup()


if __name__ == "__main__":
    main()
