#!/usr/bin/env python3
"""Order decoding passes greedily from single-pass benchmark runs.

    plan_search.py MANIFEST DIR [--budget MS] [--weight-frames W]

DIR holds s_<pass>.jsonl files, each a `--mode plan:<pass>` run of the Rust
bench (one pass alone). For each image we know whether the pass decoded it and
what it cost (thread CPU ms). The search picks, step by step, the pass with the
most newly decoded images per ms spent on the images still undecoded, then
simulates the plan with a time budget (a pass starts only while the time spent
is under the budget) and prints rate per category and frame timing.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import statistics


def load(manifest, d):
    entries = [json.loads(l) for l in open(manifest)]
    passes = {}
    for f in sorted(glob.glob(os.path.join(d, "s_*.jsonl"))):
        name = os.path.basename(f)[2:-6]
        rows = {}
        for line in open(f):
            r = json.loads(line)
            rows[r["path"]] = r
        passes[name] = rows
    return entries, passes


def hit(e, r):
    exp = [t.replace("\x1d", "") for t in e["expected"]]
    found = [t.replace("\x1d", "") for t in r["texts"]]
    return bool(exp) and all(t in found for t in exp)


def simulate(plan, entries, passes, budget):
    per_cat = {}
    frame_ms = []
    for e in entries:
        spent, ok = 0.0, False
        for p in plan:
            if budget is not None and spent > budget:
                break
            r = passes[p][e["path"]]
            spent += r["cpu_ms"]
            if hit(e, r):
                ok = True
                break
        c = per_cat.setdefault(e["category"], [0, 0])
        if e["expected"]:
            c[1] += 1
            c[0] += ok
        if e.get("frame"):
            frame_ms.append(spent)
    return per_cat, frame_ms


def pctl(xs, p):
    xs = sorted(xs)
    k = max(0, min(len(xs) - 1, int(round(p / 100 * len(xs) + 0.5)) - 1))
    return xs[k]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("manifest")
    ap.add_argument("dir")
    ap.add_argument("--budget", type=float)
    ap.add_argument("--only", help="comma-separated passes allowed")
    ap.add_argument("--plan", help="simulate this plan (comma-separated) instead of searching")
    ap.add_argument("--frames-weight", type=float, default=1.0, help="weight of frame images in the objective")
    args = ap.parse_args()
    entries, passes = load(args.manifest, args.dir)
    allowed = args.only.split(",") if args.only else list(passes)
    if args.plan:
        plan = args.plan.split(",")
    else:
        plan = []
        todo = [e for e in entries if e["expected"]]
        frames = [e for e in entries if e.get("frame")]
        while True:
            best, best_score = None, 0.0
            for p in allowed:
                if p in plan:
                    continue
                gain = sum((args.frames_weight if e.get("frame") else 1.0) for e in todo if hit(e, passes[p][e["path"]]))
                # cost: on the frames that would still run this pass
                cost = statistics.mean(passes[p][e["path"]]["cpu_ms"] for e in frames) if frames else 1.0
                score = gain / max(cost, 0.05)
                if gain > 0 and score > best_score:
                    best, best_score = p, score
            if best is None:
                break
            plan.append(best)
            todo = [e for e in todo if not hit(e, passes[best][e["path"]])]
    per_cat, frame_ms = simulate(plan, entries, passes, args.budget)
    print("plan:", ",".join(plan), "budget:", args.budget)
    tot = [0, 0]
    for c, (ok, n) in per_cat.items():
        if n:
            print(f"  {c:18} {100 * ok / n:5.1f} %  ({ok}/{n})")
            tot[0] += ok
            tot[1] += n
    print(f"  {'ALL':18} {100 * tot[0] / tot[1]:5.1f} %")
    if frame_ms:
        print(f"  frames cpu ms: median {statistics.median(frame_ms):.2f}  p95 {pctl(frame_ms, 95):.2f}  max {max(frame_ms):.2f}")


if __name__ == "__main__":
    main()
