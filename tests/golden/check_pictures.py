#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Structure of the pictures `pcsim replay PROGRAM SCHEDULE --trace FILE` writes.

For every NAME.schedule in the golden directory: the CLI writes FILE.json, FILE.svg and FILE.txt;
the JSON and SVG must equal the golden files (the CLI draws what the library draws), the JSON must
parse as Chrome trace-event JSON whose B/E pairs balance, whose complete slices nest on each
thread, every thread used is named, and every flow has one start and one finish, each flow event
inside a slice of its thread (where Perfetto binds it); a ring retry flow goes through bit clear,
wake walk, io_async_buf_func, task_work_add, retry and CQE in that order. The SVG must be
well-formed XML, an <svg> root, without script or external reference. The text is the narrative.

usage: check_pictures.py PCSIM GOLDEN_DIR WORK_DIR
"""
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

SVG_NS = "{http://www.w3.org/2000/svg}"
failures = []


def fail(what):
    failures.append(what)
    print("FAIL: " + what, file=sys.stderr)


def check_json(path, name):
    try:
        with open(path, encoding="ascii") as f:
            doc = json.load(f)
    except (ValueError, OSError) as e:
        fail(f"{path}: not JSON: {e}")
        return
    evs = doc.get("traceEvents")
    if not isinstance(evs, list) or not evs:
        fail(f"{path}: no traceEvents")
        return
    named = {e["tid"] for e in evs if e.get("ph") == "M" and e.get("name") == "thread_name"}
    slices = {}   # tid -> [(ts, end, name)]
    sleeps = {}   # tid -> [(ts, end)]
    open_b = {}
    flows = {}
    for e in evs:
        ph = e.get("ph")
        for key in ("ph", "pid", "tid", "name"):
            if key not in e:
                fail(f"{path}: event without {key}: {e}")
                return
        if ph == "M":
            continue
        tid = e["tid"]
        if tid not in named:
            fail(f"{path}: thread {tid} has no thread_name")
        ts = e.get("ts")
        if not isinstance(ts, (int, float)) or ts < 0:
            fail(f"{path}: bad ts in {e}")
            continue
        if ph == "X":
            dur = e.get("dur")
            if not isinstance(dur, (int, float)) or dur < 0:
                fail(f"{path}: bad dur in {e}")
                continue
            slices.setdefault(tid, []).append((ts, ts + dur, e["name"]))
        elif ph == "B":
            if tid in open_b:
                fail(f"{path}: B inside B on thread {tid}")
            open_b[tid] = (ts, e["name"])
        elif ph == "E":
            if tid not in open_b:
                fail(f"{path}: E without B on thread {tid}")
                continue
            b_ts, b_name = open_b.pop(tid)
            if ts < b_ts or b_name != e["name"]:
                fail(f"{path}: E does not close its B on thread {tid}")
            sleeps.setdefault(tid, []).append((b_ts, ts))
        elif ph in "stf":
            flows.setdefault(e.get("id"), []).append(e)
        elif ph == "i":
            if e.get("s") not in ("t", "g", "p"):
                fail(f"{path}: instant without scope: {e}")
        else:
            fail(f"{path}: unexpected phase {ph}")
    if open_b:
        fail(f"{path}: B without E on threads {sorted(open_b)}")
    # complete slices nest on each thread, and no sleep overlaps one
    for tid, ss in slices.items():
        stack = []
        for ts, end, nm in sorted(ss, key=lambda s: (s[0], -s[1])):
            while stack and stack[-1][1] <= ts:
                stack.pop()
            if stack and end > stack[-1][1]:
                fail(f"{path}: slice {nm!r} at {ts} overlaps {stack[-1][2]!r} on thread {tid}")
            stack.append((ts, end, nm))
        for b, e in sleeps.get(tid, []):
            for ts, end, nm in ss:
                if ts < e and b < end:
                    fail(f"{path}: sleep {b}-{e} overlaps {nm!r} on thread {tid}")

    def enclosing(tid, ts):
        inner = None
        for s_ts, s_end, nm in slices.get(tid, []):
            if s_ts <= ts < s_end and (inner is None or s_end - s_ts < inner[1] - inner[0]):
                inner = (s_ts, s_end, nm)
        return inner

    ring = 0
    for fid, fe in flows.items():
        phs = [e["ph"] for e in fe]
        if phs.count("s") != 1 or phs.count("f") != 1 or phs[0] != "s" or phs[-1] != "f":
            fail(f"{path}: flow {fid} is {phs}, not s t* f")
            continue
        if [e["ts"] for e in fe] != sorted(e["ts"] for e in fe):
            fail(f"{path}: flow {fid} goes back in time")
        nodes = []
        for e in fe:
            enc = enclosing(e["tid"], e["ts"])
            if enc is None:
                fail(f"{path}: flow {fid} event at {e['ts']} binds to no slice")
                break
            nodes.append(enc[2])
        if fe[0]["name"].startswith("ring retry") and len(nodes) == 6:
            want = ["atomic and page", "wake walk on", "io_async_buf_func", "task_work_add(",
                    "retry from task_work", "CQE"]
            for nm, w in zip(nodes, want):
                if not nm.startswith(w):
                    fail(f"{path}: ring flow {fid} goes through {nodes}")
                    break
            else:
                ring += 1
    if name == "uring-rasync" and ring < 2:
        fail(f"{path}: {ring} complete ring retry flows, want 2")
    if name == "micro-lost-wakeup" and not any(
            e["name"].startswith("asleep, never woken") for e in evs if e["ph"] == "B"):
        fail(f"{path}: the lost wakeup's endless sleep is not there")


def check_svg(path):
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as e:
        fail(f"{path}: not well-formed XML: {e}")
        return
    if root.tag != SVG_NS + "svg":
        fail(f"{path}: root is {root.tag}")
    for a in ("width", "height"):
        if not root.get(a, "").isdigit():
            fail(f"{path}: {a} is not a number")
    for el in root.iter():
        tag = el.tag.replace(SVG_NS, "")
        if tag in ("script", "foreignObject", "image"):
            fail(f"{path}: has <{tag}>")
        for k, v in el.attrib.items():
            if k.endswith("href") and not v.startswith("#"):
                fail(f"{path}: external reference {v}")
            if k.startswith("on"):
                fail(f"{path}: event handler {k}")
            if "url(" in v and "url(#" not in v:
                fail(f"{path}: external url in {k}")
        if tag == "style" and ("@import" in (el.text or "") or "url(" in (el.text or "")):
            fail(f"{path}: style loads something")
    if root.find(SVG_NS + "title") is None:
        fail(f"{path}: no title")


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    pcsim, golden, work = sys.argv[1:]
    os.makedirs(work, exist_ok=True)
    names = sorted(f[:-9] for f in os.listdir(golden) if f.endswith(".schedule"))
    if not names:
        fail(f"no schedule in {golden}")
    for name in names:
        sched = os.path.join(golden, name + ".schedule")
        for ext in ("json", "svg", "txt"):
            out = os.path.join(work, f"{name}.{ext}")
            if os.path.exists(out):
                os.remove(out)
            r = subprocess.run([pcsim, "replay", name, sched, "--trace", out],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            if r.returncode not in (0, 1) or r.stderr:
                fail(f"pcsim replay {name} --trace {out}: exit {r.returncode} {r.stderr}")
                continue
            if not os.path.exists(out):
                fail(f"{out} not written")
                continue
            g = os.path.join(golden, f"{name}.{ext}")
            if ext != "txt":
                with open(out, "rb") as a, open(g, "rb") as b:
                    if a.read() != b.read():
                        fail(f"{out} differs from {g}")
            if ext == "json":
                check_json(out, name)
            elif ext == "svg":
                check_svg(out)
            else:
                with open(out) as f:
                    if not f.readline().startswith("  step  cpu   context"):
                        fail(f"{out} is not the narrative")
    print(f"{len(names)} schedule(s), {len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
