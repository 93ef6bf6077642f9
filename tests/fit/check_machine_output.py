#!/usr/bin/env python3
"""Checks what report_format=json|sarif wrote for tests/fit/report_child.cpp.

  check_machine_output.py json  FILE SOURCE [--waived KIND]...
  check_machine_output.py sarif FILE SOURCE [--waived KIND]...

FILE is the JSON Lines log or the SARIF log; SOURCE is report_child.cpp,
whose marked lines the reports must point at. Exits non-zero, saying why,
when anything is missing or wrong.
"""
import argparse
import json
import sys

KINDS = {"circular_dependency", "recursive_locking"}
FRAME_KEYS = {"function", "file", "line", "module", "offset"}


def fail(msg):
    print("check_machine_output: " + msg, file=sys.stderr)
    sys.exit(1)


def marked_line(source, marker):
    with open(source) as f:
        for n, line in enumerate(f, 1):
            if marker in line:
                return n
    fail("no line with %r in %s" % (marker, source))


def check_frames(frames, where):
    if not isinstance(frames, list) or not frames:
        fail("%s: no frames" % where)
    for fr in frames:
        missing = FRAME_KEYS - set(fr)
        if missing:
            fail("%s: frame lacks %s: %r" % (where, sorted(missing), fr))
    if not any(fr["file"].endswith("report_child.cpp") and fr["line"] > 0 for fr in frames):
        fail("%s: no frame in report_child.cpp: %r" % (where, frames))


def check_json(path, source, waived):
    with open(path) as f:
        lines = [l for l in f.read().split("\n") if l]
    reports = [json.loads(l) for l in lines]  # every line one JSON object
    kinds = sorted(r["kind"] for r in reports)
    if set(kinds) != KINDS or len(kinds) != 2:
        fail("kinds %r, expected one each of %r" % (kinds, sorted(KINDS)))
    for r in reports:
        for key in ("kind", "header", "thread", "classes", "chain", "held_locks", "backtrace", "waived", "text"):
            if key not in r:
                fail("%s report lacks %r" % (r.get("kind"), key))
        if r["header"] not in r["text"]:
            fail("header not in text")
        if not r["thread"]["name"] or r["thread"]["tid"] <= 0:
            fail("thread %r" % r["thread"])
        for c in r["classes"]:
            if set(c) < {"name", "usage", "wait"}:
                fail("class %r" % c)
        check_frames(r["backtrace"], r["kind"] + " backtrace")
        if r["waived"] != (r["kind"] in waived):
            fail("%s: waived is %r" % (r["kind"], r["waived"]))
    circ = next(r for r in reports if r["kind"] == "circular_dependency")
    names = {c["name"] for c in circ["classes"]}
    if names != {"&dev->lock", "&queue->lock"}:
        fail("circular classes %r" % names)
    if len(circ["chain"]) < 2:
        fail("circular chain %r" % circ["chain"])
    for step in circ["chain"]:
        if step["class"] not in names:
            fail("chain class %r" % step["class"])
        check_frames(step["stack"], "chain step " + step["class"])
    if [h["class"] for h in circ["held_locks"]] != ["&queue->lock"]:
        fail("held locks %r" % circ["held_locks"])
    rec = next(r for r in reports if r["kind"] == "recursive_locking")
    if [c["name"] for c in rec["classes"]] != ["solo_lock", "solo_lock"]:
        fail("recursive classes %r" % rec["classes"])


def check_sarif(path, source, waived):
    with open(path) as f:
        log = json.load(f)
    if log.get("version") != "2.1.0" or "sarif" not in log.get("$schema", ""):
        fail("not a SARIF 2.1.0 log")
    run = log["runs"][0]
    if run["tool"]["driver"]["name"] != "lockdep":
        fail("driver %r" % run["tool"]["driver"])
    rules = {r["id"] for r in run["tool"]["driver"]["rules"]}
    results = run["results"]
    ids = sorted(r["ruleId"] for r in results)
    if set(ids) != KINDS or len(ids) != 2 or rules != KINDS:
        fail("ruleIds %r, rules %r" % (ids, rules))
    expect_line = {"circular_dependency": marked_line(source, "closes the cycle"),
                   "recursive_locking": marked_line(source, "recursive locking (a lock_map")}
    for r in results:
        loc = r["locations"][0]["physicalLocation"]
        uri = loc["artifactLocation"]["uri"]
        if not uri.endswith("report_child.cpp"):
            fail("%s: location %r" % (r["ruleId"], uri))
        if loc["region"]["startLine"] != expect_line[r["ruleId"]]:
            fail("%s: startLine %r, expected %r" % (r["ruleId"], loc["region"]["startLine"], expect_line[r["ruleId"]]))
        if r["message"]["text"] == "":
            fail("empty message")
        if ("suppressions" in r) != (r["ruleId"] in waived):
            fail("%s: suppressions %r" % (r["ruleId"], r.get("suppressions")))
    circ = next(r for r in results if r["ruleId"] == "circular_dependency")
    related = circ.get("relatedLocations", [])
    if len(related) < 2:
        fail("circular: related locations %r" % related)
    for rel in related:
        pl = rel["physicalLocation"]
        if not pl["artifactLocation"]["uri"].endswith("report_child.cpp") or pl["region"]["startLine"] <= 0:
            fail("related location %r" % rel)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["json", "sarif"])
    ap.add_argument("file")
    ap.add_argument("source")
    ap.add_argument("--waived", action="append", default=[])
    a = ap.parse_args()
    (check_json if a.mode == "json" else check_sarif)(a.file, a.source, set(a.waived))
    print("check_machine_output: %s ok" % a.mode)


if __name__ == "__main__":
    main()
