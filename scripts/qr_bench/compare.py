#!/usr/bin/env python3
"""Side-by-side table of several decoders' results on one manifest.

    compare.py MANIFEST NAME=RESULTS.jsonl [NAME=RESULTS.jsonl ...] [--misses NAME]

An image counts as decoded when every expected text was found; a found text
that is neither expected nor listed under "also" counts as a wrong text. Timing is over the images marked
"frame" (1280x720 camera frames with or without a code).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys


def norm(text: str) -> str:
    """GS1 group separators are left out of the expected texts of some samples."""
    return text.replace("\x1d", "")


def pct(a: int, b: int) -> str:
    return f"{100.0 * a / b:5.1f} %" if b else "    -  "


def percentile(xs, p):
    xs = sorted(xs)
    if not xs:
        return float("nan")
    k = max(0, min(len(xs) - 1, int(round(p / 100.0 * len(xs) + 0.5)) - 1))
    return xs[k]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("manifest")
    ap.add_argument("results", nargs="+")
    ap.add_argument("--misses", help="list the images this decoder missed")
    args = ap.parse_args()
    entries = [json.loads(l) for l in open(args.manifest)]
    for e in entries:
        e["expected"] = [norm(t) for t in e["expected"]]
        e["also"] = [norm(t) for t in e.get("also", [])]
    names, results = [], {}
    for spec in args.results:
        name, _, path = spec.partition("=")
        names.append(name)
        results[name] = {}
        # NAME=A.jsonl+B.jsonl: runs of the same decoder (alternated with the
        # other decoders' runs); texts of the first, each frame's fastest time
        for n, part in enumerate(path.split("+")):
            for line in open(part):
                r = json.loads(line)
                r["texts"] = [norm(t) for t in r["texts"]]
                old = results[name].get(r["path"])
                if old is None:
                    results[name][r["path"]] = r
                    continue
                for key in ("ms", "cpu_ms"):
                    if key in r and key in old:
                        old[key] = min(old[key], r[key])
    cats = []
    for e in entries:
        if e["category"] not in cats:
            cats.append(e["category"])
    groups = [(c, [e for e in entries if e["category"] == c]) for c in cats]
    synth = [e for e in entries if not e["category"].startswith("real")]
    real = [e for e in entries if e["category"].startswith("real")]
    groups += [("ALL real", real), ("ALL synthetic", synth), ("ALL", entries)]

    def score(name, es):
        ok = wrong = panic = n = 0
        for e in es:
            r = results[name].get(e["path"])
            exp = e["expected"]
            if exp:
                n += 1
            if r is None:
                continue
            if r.get("panic"):
                panic += 1
            found = r["texts"]
            if exp and all(t in found for t in exp):
                ok += 1
            wrong += sum(1 for t in found if t not in exp and t not in e["also"])
        return ok, n, wrong, panic

    head = f"{'category':18} {'n':>4} " + " ".join(f"{n:>22}" for n in names)
    print(head)
    print(" " * 24 + " ".join(f"{'rate  wrong panic':>22}" for _ in names))
    for cat, es in groups:
        cells = []
        n = 0
        for name in names:
            ok, n, wrong, panic = score(name, es)
            cells.append(f"{pct(ok, n)} {wrong:5d} {panic:5d}")
        print(f"{cat:18} {n:4d} " + " ".join(f"{c:>22}" for c in cells))
    frames = [e for e in entries if e.get("frame")]
    if frames:
        # Frame times: all frames, with and without a code, and per category of frames.
        fgroups = [("all frames", frames),
                   ("with a code", [e for e in frames if e["expected"]]),
                   ("without a code", [e for e in frames if not e["expected"]])]
        fcats = []
        for e in frames:
            if e["category"] not in fcats:
                fcats.append(e["category"])
        if len(fcats) > 1:
            fgroups += [(c, [e for e in frames if e["category"] == c]) for c in fcats]
        # ours also reports the counted work of each frame (M units, ≈ ms of CPU on
        # the calibration machine): the same in every run, whatever the load
        for key, label in (("ms", "wall"), ("cpu_ms", "cpu"), ("work", "work M")):
            if not any(key in r for n in names for r in results[n].values()):
                continue
            print()
            print(f"{'720p frame ms, ' + label:24} {'n':>4} " + " ".join(f"{n + ' med / p95 / max':>24}" for n in names))
            for gname, es in fgroups:
                if not es:
                    continue
                cells = []
                for name in names:
                    ms = [results[name][e["path"]].get(key, float("nan")) for e in es if e["path"] in results[name]]
                    if key == "work":
                        ms = [m / 1e6 for m in ms]
                    if not ms or any(m != m for m in ms):
                        cells.append("-")
                        continue
                    cells.append(f"{statistics.median(ms):5.2f} / {percentile(ms, 95):5.2f} / {max(ms):5.2f}")
                print(f"{gname:24} {len(es):4d} " + " ".join(f"{c:>24}" for c in cells))
    if args.misses:
        print()
        for e in entries:
            r = results[args.misses].get(e["path"])
            found = r["texts"] if r else []
            if e["expected"] and not all(t in found for t in e["expected"]):
                others = [n for n in names if n != args.misses and all(t in results[n].get(e["path"], {"texts": []})["texts"] for t in e["expected"])]
                print(f"MISS {e['category']:16} {e['path']}  (found by: {', '.join(others) or '-'})")
            for t in found:
                if t not in e["expected"] and t not in e["also"]:
                    print(f"WRONG {e['category']:16} {e['path']}: {t[:60]!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
