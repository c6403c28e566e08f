"""Per-cell movement between runs of the README's first command (results.csv files), by what differs."""
import csv, sys, statistics, itertools
def load(d):
    rows = {}
    for r in csv.DictReader(open(f"{d}/results.csv")):
        rows[(r["variant"], r["sender_layer"], r["receiver_layer"])] = float(r["accuracy"])
    return rows
pairs = [(name, load(a), load(b)) for name, a, b in (x.split(":") for x in sys.argv[1:])]
print("| compared | what differs | cells | mean abs. difference (points) | median | max | cells moving > 2 points |")
print("|---|---|---|---|---|---|---|")
for name, a, b in pairs:
    label, what = name.split("=")
    keys = sorted(set(a) & set(b))
    d = [abs(a[k] - b[k]) * 100 for k in keys]
    print(f"| {label} | {what} | {len(keys)} | {statistics.mean(d):.2f} | {statistics.median(d):.2f} | {max(d):.2f} | {sum(x > 2 for x in d)} |")
