#!/usr/bin/env python3
"""How far the held-out rule leaves each stitch from its run to the cap: two results.csv of the same sweep (same seeds,
models and recipe), one with the rule (the sweep's default) and one with --patience 0 (every stitch to the cap, the best
held-out check kept). Prints per-cell shortfalls (cap - rule, points) summarized overall, without the head-only column
(which no pattern reads), by variant and by the rule's stop reason.

    python3 scripts/stopping-demo-compare.py docs/demo/results.csv docs/measurements/stopping-demo/results.csv
"""
import csv
import statistics as st
import sys


def load(path):
    return {(r["variant"], r["sender_layer"], r["receiver_layer"], r["sender_seed"], r["receiver_seed"], r["stitch_seed"]): r
            for r in csv.DictReader(open(path))}


def summary(label, values):
    if not values:
        return
    print(f"| {label} | {len(values)} | {100 * st.mean(values):.2f} | {100 * st.median(values):.2f} | {100 * max(values):.1f} | "
          f"{sum(v > 0.02 for v in values)} | {sum(v < -0.02 for v in values)} |")


def main(rule_path, cap_path):
    rule, cap = load(rule_path), load(cap_path)
    if set(rule) != set(cap):
        sys.exit(f"the two files hold different stitches: {len(set(rule) ^ set(cap))} differ")
    if {r["precision"] for r in rule.values()} != {r["precision"] for r in cap.values()}:
        sys.exit("the two files were trained in different precisions: not the same recipe")
    # Accuracies are counts over the test images: round the difference so that a 2.0-point gap is not 2.0000000000000018.
    rows = [(k, round(float(cap[k]["accuracy"]) - float(rule[k]["accuracy"]), 9), rule[k]["head_only"].lower() == "true", rule[k]["stop_reason"])
            for k in sorted(rule)]
    print("| cells | n | mean shortfall (points) | median | largest | > 2 points short | rule > 2 points above |")  # shortfall = cap - rule
    print("|---|---|---|---|---|---|---|")
    summary("all", [d for _, d, _, _ in rows])
    summary("without the head-only column", [d for _, d, h, _ in rows if not h])
    for v in ["trained->trained", "random->trained", "trained->random", "random->random"]:
        summary(f"{v}, without head-only", [d for k, d, h, _ in rows if k[0] == v and not h])
    for reason in sorted({s for *_, s in rows}):
        summary(f"stopped as `{reason}`", [d for _, d, _, s in rows if s == reason])
    print()
    print("Largest shortfalls:")
    for k, d, h, s in sorted(rows, key=lambda r: -r[1])[:8]:
        print(f"- {k[0]} {k[1]}->{k[2]}{' (head-only)' if h else ''}: {100 * float(rule[k]['accuracy']):.1f}% with the rule "
              f"({s}, {float(rule[k]['epochs']):.1f} epochs) vs {100 * float(cap[k]['accuracy']):.1f}% to the cap ({100 * d:+.1f})")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
