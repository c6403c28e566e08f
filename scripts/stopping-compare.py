#!/usr/bin/env python3
"""How far each early-stopped stitch is from its long-run accuracy (issue 23.4).

Usage: python3 scripts/stopping-compare.py CAP_DIR RULE_DIR [RULE_DIR ...]   (a folder or its results.csv)
CAP_DIR is a sweep run with --patience 0 (every stitch to the cap, best held-out check kept); each RULE_DIR the same sweep
(same seeds, cells, recipe and precision) under a stopping rule, or under a shorter schedule. Same seeds and schedule
give the same trajectory up to the stop, so the difference is what stopping early cost. Prints one line per stitch, a
summary per RULE_DIR, and a table of the shortfalls overall, without the head-only column (which no pattern reads), by
variant and by the rule's stop reason.

    python3 scripts/stopping-compare.py docs/measurements/stopping-demo docs/demo
"""
import csv, os, statistics, sys

VARIANTS = ["trained->trained", "random->trained", "trained->random", "random->random"]

def load(path):
    # A sweep folder or its results.csv itself (docs/measurements/stopping keeps the files).
    rows = csv.DictReader(open(path if path.endswith(".csv") else os.path.join(path, "results.csv")))
    return {(r["variant"], r["sender_layer"], r["receiver_layer"], r["sender_seed"], r["receiver_seed"], r["stitch_seed"]): r for r in rows}

def table_row(label, shortfalls):
    if shortfalls:
        print(f"| {label} | {len(shortfalls)} | {statistics.mean(shortfalls):.2f} | {statistics.median(shortfalls):.2f} | {max(shortfalls):.1f} | "
              f"{sum(s > 2 for s in shortfalls)} | {sum(s < -2 for s in shortfalls)} |")

cap = load(sys.argv[1])
for folder in sys.argv[2:]:
    rule = load(folder)
    if set(rule) != set(cap):
        sys.exit(f"{folder} and {sys.argv[1]} do not hold the same stitches")
    if {r["precision"] for r in rule.values()} != {r["precision"] for r in cap.values()}:
        sys.exit(f"{folder} and {sys.argv[1]} were trained in different precisions: not the same recipe")
    print(f"\n{folder} against {sys.argv[1]}")
    print("variant | cell | long-run accuracy | stopped accuracy | shortfall (points) | epochs | stop reason (converged column)")
    rows = []
    for key in sorted(cap):
        c, r = cap[key], rule[key]
        # Accuracies are counts over the test images: round, so that a 2.0-point gap is not 2.0000000000000018.
        shortfall = round(100 * (float(c["accuracy"]) - float(r["accuracy"])), 6)
        reason = r.get("stop_reason") or ("converged" if r["converged"] == "true" else "cap")
        rows.append((key, shortfall, r.get("head_only", "false").lower() == "true", reason))
        print(f"{key[0]} | {key[1]}->{key[2]} | {float(c['accuracy']):.3f} | {float(r['accuracy']):.3f} | {shortfall:+.1f} | {float(r['epochs']):.2f} | {reason}")
    shortfalls = [s for _, s, _, _ in rows]
    print(f"shortfall: mean {statistics.mean(shortfalls):+.2f} points, largest {max(shortfalls):+.1f}, "
          f"{sum(s > 2 for s in shortfalls)} of {len(shortfalls)} above 2 points; precision {next(iter(rule.values()))['precision']}")
    print()
    print("| cells | n | mean shortfall (points) | median | largest | > 2 points short | rule > 2 points above |")
    print("|---|---|---|---|---|---|---|")
    table_row("all", shortfalls)
    table_row("without the head-only column", [s for _, s, h, _ in rows if not h])
    for v in VARIANTS:
        table_row(f"{v}, without head-only", [s for k, s, h, _ in rows if k[0] == v and not h])
    for reason in sorted({r for *_, r in rows}):
        table_row(f"stopped as `{reason}`", [s for _, s, _, r in rows if r == reason])
