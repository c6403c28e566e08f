#!/usr/bin/env python3
"""How far each early-stopped stitch is from its long-run accuracy (issue 23.4).

Usage: python3 scripts/stopping-compare.py CAP_DIR RULE_DIR [RULE_DIR ...]   (a folder or its results.csv)
CAP_DIR is a sweep run with --patience 0 (every stitch to the cap, best held-out check kept); each RULE_DIR the same sweep
(same seeds, cells, recipe and precision) under a stopping rule. Same seeds and schedule give the same trajectory up to
the stop, so the difference is what stopping early cost. Prints one line per stitch and a summary per RULE_DIR.
"""
import csv, os, statistics, sys

def load(path):
    # A sweep folder or its results.csv itself (docs/measurements/stopping keeps the files).
    rows = csv.DictReader(open(path if path.endswith(".csv") else os.path.join(path, "results.csv")))
    return {(r["variant"], r["sender_layer"], r["receiver_layer"], r["sender_seed"], r["receiver_seed"], r["stitch_seed"]): r for r in rows}

cap = load(sys.argv[1])
for folder in sys.argv[2:]:
    rule = load(folder)
    if set(rule) != set(cap):
        sys.exit(f"{folder} and {sys.argv[1]} do not hold the same stitches")
    print(f"\n{folder} against {sys.argv[1]}")
    print("variant | cell | long-run accuracy | stopped accuracy | shortfall (points) | epochs | stop reason (converged column)")
    shortfalls = []
    for key in sorted(cap):
        c, r = cap[key], rule[key]
        shortfall = 100 * (float(c["accuracy"]) - float(r["accuracy"]))
        shortfalls.append(shortfall)
        reason = r.get("stop_reason") or ("converged" if r["converged"] == "true" else "cap")
        print(f"{key[0]} | {key[1]}->{key[2]} | {float(c['accuracy']):.3f} | {float(r['accuracy']):.3f} | {shortfall:+.1f} | {float(r['epochs']):.2f} | {reason}")
    print(f"shortfall: mean {statistics.mean(shortfalls):+.2f} points, largest {max(shortfalls):+.1f}, "
          f"{sum(s > 2 for s in shortfalls)} of {len(shortfalls)} above 2 points; precision {next(iter(rule.values()))['precision']}")
