#!/usr/bin/env python3
"""Time `lockdep-graph merge` and `check` over generated shard stores.

  bench/store_merge.py [--tool build/default/tools/lockdep-graph/lockdep-graph]
                       [--shards 100] [--deps 10000] [--classes 2000]

Each shard is a graph store (the schema of lib/store/schema.cpp) of --deps
random dependencies (lower to higher class index: no cycle) among --classes
classes shared by all shards, as CI shards of one suite would record. Prints
the merge's wall time and peak memory (ru_maxrss of the tool), then check's.
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
PRAGMA application_id=1280001095; PRAGMA user_version=1;
"""


def make_shard(path, shard, deps, classes):
    db = sqlite3.connect(path)
    db.executescript(SCHEMA)
    db.execute("PRAGMA journal_mode=WAL")
    db.executemany("INSERT INTO classes(id, descriptor, usage) VALUES(?, ?, 1)",
                   [(i, f"gen.cpp:{i}:0|gen.{i}|0|3|0", ) for i in range(1, classes + 1)])
    rng = random.Random(shard)
    rows = set()
    while len(rows) < deps:
        a = rng.randrange(1, classes)
        rows.add((a, rng.randrange(a + 1, classes + 1)))
    db.executemany("INSERT INTO deps(from_class, to_class, bits, stack, program, test, pid)"
                   " VALUES(?, ?, 8, 'main (gen+0x10) gen.cpp:1', 'gen', ?, ?)",
                   [(a, b, f"Shard.{shard}", shard) for a, b in rows])
    db.commit()
    db.close()


def timed(cmd):
    t0 = time.monotonic()
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    rc = subprocess.run(cmd, stdout=subprocess.DEVNULL).returncode
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return rc, time.monotonic() - t0, max(peak, before)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tool", default="build/default/tools/lockdep-graph/lockdep-graph")
    ap.add_argument("--shards", type=int, default=100)
    ap.add_argument("--deps", type=int, default=10000)
    ap.add_argument("--classes", type=int, default=2000)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        shards = [os.path.join(d, f"shard{i}.db") for i in range(a.shards)]
        for i, p in enumerate(shards):
            make_shard(p, i, a.deps, a.classes)
        out = os.path.join(d, "merged.db")
        rc, secs, rss = timed([a.tool, "merge", out] + shards)
        print(f"merge {a.shards} shards x {a.deps} deps: exit {rc}, {secs:.2f} s, peak RSS {rss / 1024:.1f} MiB")
        rc, secs, rss = timed([a.tool, "check", out])
        print(f"check merged store: exit {rc}, {secs:.2f} s, peak RSS {rss / 1024:.1f} MiB")


if __name__ == "__main__":
    main()
