#!/usr/bin/env python3
"""Independent recomputation of the findings report's statistics (docs/research.md, "Statistical design of the
patterns (issue 23)" and "The copying question ... (issue 23.1)") from the CSV files alone.

    /usr/bin/python3 scripts/check-report.py REPORT_DIR   # a findings-report folder: report.md, shapes/, self/, copying/
    /usr/bin/python3 scripts/check-report.py SWEEP_DIR    # one folder with results.csv and/or copying.csv

For each folder (the argument and its subfolders) with results.csv it recomputes the four patterns (per-pair statistics,
the margin on the adjusted scale: 2 points times what the same adjustment leaves of an ideal pattern, t tests, Holm,
verdicts, sensitivity cuts) and the interaction matrix, and compares them with patterns.json and matrix-interaction.json;
with copying.csv, the nine copying statistics (per pair, mean, 95% t interval, null, two-sided t p, Holm p) against
copying.md (tables from before c608e20 have only the first three columns: only those are compared) and against the same
table in ../report.md. Where REPORT_DIR has report.md it also recomputes the simple printed numbers of ReportWriter's
tables: base models (models.csv), stitch counts, convergence/stop reasons, section 1's variant table, section 2's triangle,
section 4's descriptive and copying-kind tables, section 5's means of cell means. `patterns SWEEP --out DIR` writes only
the JSON: copy the sweep's results.csv next to it to check it. Every disagreement is a MISMATCH line and the exit code is 1.

Written from the specification, not from the C#: only python3 and numpy, with its own Student t CDF (regularized
incomplete beta) and quantile (bisection on that CDF), so that a shared bug in a library cannot hide.
Needs a python3 with numpy (on the project machine /usr/bin/python3; the pyenv shim's python3 has none).
Tested (c608e20) against the C#'s `patterns` output on the old docs/report/shapes, docs/report/self and docs/demo/seeds,
the old copying.md files (three columns), and a `report --quick` folder (one pair: untested values, plumbing).
"""
import csv
import json
import math
import os
import re
import sys
from itertools import product

import numpy as np

# ---- the registered design (docs/research.md): every number is stated there -------------------------------------
ALPHA = 0.05                 # one-sided error rate per test, after Holm
MARGIN = 0.02                # equivalence margin of the contrasts (2 accuracy points)
FLAT_MARGIN = 0.03           # flatness margin: 3 points RMS deviation
INTERVAL = 1 - 2 * ALPHA     # two-sided 90% t interval: its ends are the one-sided 95% bounds
EARLY_CUT = LATE_CUT = 0.5   # registered depth cuts
BAND = 0.0                   # registered diagonal band
DEPTH_CUTS = [0.25, 1 / 3, 0.5, 2 / 3, 0.75]
BANDS = [0.0, 0.125, 0.25]
EPS = 1e-9                   # depths like 1/3 are compared with a tolerance, so a cut on a grid depth is "<="
TT, RT, TR, RR = "trained->trained", "random->trained", "trained->random", "random->random"

MISMATCHES = []
COMPARED = [0]   # how many numbers were compared with a file, so that "0 mismatches" cannot mean "nothing compared"


# ---- Student t, from scratch ---------------------------------------------------------------------------------------
def _betacf(a, b, x):
    """Continued fraction of the incomplete beta function (modified Lentz), as in Numerical Recipes 6.4."""
    tiny, c, d = 1e-300, 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 500):
        for num in (m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
                    -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))):
            d = 1.0 + num * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + num / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1.0) < 1e-15:
            break
    return h


def betainc(a, b, x):
    """Regularized incomplete beta I_x(a, b)."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    lnfront = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    if x < (a + 1) / (a + b + 2):
        return math.exp(lnfront) * _betacf(a, b, x) / a
    return 1.0 - math.exp(lnfront) * _betacf(b, a, 1 - x) / b


def t_cdf(t, df):
    tail = 0.5 * betainc(df / 2, 0.5, df / (df + t * t))   # P(T > |t|)
    return 1 - tail if t >= 0 else tail


def t_quantile(p, df):
    lo, hi = -1e4, 1e4
    for _ in range(200):     # bisection: slow but obviously right
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if t_cdf(mid, df) < p else (lo, mid)
    return (lo + hi) / 2


# ---- inference over network pairs ----------------------------------------------------------------------------------
class PairTest:
    """One statistic per network pair: mean, t interval, one-sided p-values against a bound, exact sign flips."""

    def __init__(self, values):
        self.v = np.asarray(values, float)
        self.n = len(self.v)
        self.mean = float(self.v.mean())
        self.sd = float(self.v.std(ddof=1)) if self.n > 1 else math.nan
        self.se = self.sd / math.sqrt(self.n)
        self.spread = self.n > 1 and self.sd > 1e-12 * max(1, abs(self.mean))

    def p_above(self, bound):   # H0: mean <= bound
        return 1 - t_cdf((self.mean - bound) / self.se, self.n - 1)

    def p_below(self, bound):   # H0: mean >= bound
        return t_cdf((self.mean - bound) / self.se, self.n - 1)

    def interval(self, level):
        h = t_quantile(1 - (1 - level) / 2, self.n - 1) * self.se
        return self.mean - h, self.mean + h

    def signflip_above(self, bound):
        """Share of the 2^n sign patterns of (v - bound) whose sum is at least the observed (ties count as extreme)."""
        d = self.v - bound
        signs = np.array(list(product([1, -1], repeat=self.n)))
        return float(np.mean(signs @ d >= d.sum() - 1e-12 * np.abs(d).sum()))


def holm(ps):
    """Holm step-down adjusted p-values in the given order; NaN (a refused test) leaves the family."""
    idx = sorted((i for i, p in enumerate(ps) if not math.isnan(p)), key=lambda i: ps[i])
    out, run = [math.nan] * len(ps), 0.0
    for k, i in enumerate(idx):
        run = max(run, min(1.0, (len(idx) - k) * ps[i]))
        out[i] = run
    return out


def verdict(p_holds_adj, p_not_adj):
    """Symmetric verdict: a rejected does-not-hold-test wins; else a rejected holds-test; else cannot tell."""
    if not math.isnan(p_not_adj) and p_not_adj < ALPHA:
        return "does not hold"
    if not math.isnan(p_holds_adj) and p_holds_adj < ALPHA:
        return "holds"
    return "cannot tell"


# ---- the grid --------------------------------------------------------------------------------------------------------
def layer_names(arch):
    """Layers as the sweep indexes them: stem, then stage.block for every block (resnet18 = (2,2,2,2))."""
    blocks = {"resnet18": (2, 2, 2, 2), "resnet34": (3, 4, 6, 3)}.get(arch)
    if blocks is None:
        blocks = tuple(int(b) for b in re.fullmatch(r"resnet\((\d+),(\d+),(\d+),(\d+)\)", arch.replace(" ", "")).groups())
    return ["stem"] + [f"{s + 1}.{b}" for s in range(4) for b in range(blocks[s])]


def depth(arch, layer):
    names = layer_names(arch)
    return names.index(layer) / (len(names) - 1)   # stem 0, last block 1


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


# ---- the four patterns -----------------------------------------------------------------------------------------------
def patterns(rows, s_arch, r_arch):
    """Per network pair statistics, tests, Holm, verdicts and the sensitivity table, for one sweep pair."""
    mine = [r for r in rows if r["sender_arch"] == s_arch and r["receiver_arch"] == r_arch]
    last = layer_names(r_arch)[-1]
    for r in mine:   # the CSV's head_only flag must be the receiver's last block (only pooling + classifier after it)
        if (r["head_only"].lower() == "true") != (r["receiver_layer"] == last):
            mismatch(f"head_only flag {r['head_only']} on receiver layer {r['receiver_layer']} (last block {last})")
    mine = [r for r in mine if r["head_only"].lower() != "true"]
    senders = sorted({r["sender_layer"] for r in mine}, key=lambda l: depth(s_arch, l))
    receivers = sorted({r["receiver_layer"] for r in mine}, key=lambda l: depth(r_arch, l))
    pairs = sorted({(int(r["sender_seed"]), int(r["receiver_seed"])) for r in mine})
    acc = {}   # (variant, pair, sender, receiver) -> mean over stitch seeds (subsamples within the unit)
    for r in mine:
        acc.setdefault((r["variant"], (int(r["sender_seed"]), int(r["receiver_seed"])), r["sender_layer"], r["receiver_layer"]), []).append(float(r["accuracy"]))
    sd = np.array([depth(s_arch, l) for l in senders])[:, None] * np.ones(len(receivers))
    rd = np.ones(len(senders))[:, None] * np.array([depth(r_arch, l) for l in receivers])

    def matrix(v, p):
        cells = [[acc.get((v, p, s, q)) for q in receivers] for s in senders]
        if any(c is None for row in cells for c in row):
            return None   # partial: the variant is unreadable
        return np.array([[np.mean(c) for c in row] for row in cells])

    def adjusted(m, cols):   # m - (row mean - grand) [- (col mean - grand)]
        g = m.mean()
        a = m - (m.mean(axis=1, keepdims=True) - g)
        return a - (m.mean(axis=0, keepdims=True) - g) if cols else a

    def contrast(v, a_mask, b_mask, cols):
        if not a_mask.any() or not b_mask.any():
            return {"refused": f"no cells on one side ({a_mask.sum()} vs {b_mask.sum()})"}
        ms = [matrix(v, p) for p in pairs]
        if any(m is None for m in ms):
            return {"refused": f"{v} partial"}
        stat = lambda m: m[a_mask].mean() - m[b_mask].mean()
        # margin on the adjusted scale (c608e20): what the same adjustment leaves of an ideal pattern (1 on side a, 0 on every
        # other cell of the grid, raw statistic 1), times the design's margin; nothing left refuses the pattern
        ideal = a_mask.astype(float)
        retention = stat(adjusted(ideal, cols)) / stat(ideal)
        if not retention > 1e-9:
            return {"refused": f"retention {retention:.3g}: the adjustment removes an ideal pattern"}
        margin = MARGIN * retention
        per = [stat(adjusted(m, cols)) for m in ms]
        raw = float(np.mean([stat(m) for m in ms]))
        t = PairTest(per)
        if t.n < 2:   # one pair: the value is shown, untested (no between-pair spread)
            return {"refused": "1 network pair: untested", "components": [dict(value=t.mean, raw=raw, perPair=per, retention=retention)],
                    "cells": int(a_mask.sum() + b_mask.sum())}
        if not t.spread:
            return {"refused": "no spread between pairs (duplicated models?)"}
        lo, hi = t.interval(INTERVAL)
        comp = dict(value=t.mean, low=lo, high=hi, raw=raw, pHolds=t.p_above(0), pDoesNotHold=t.p_below(margin),
                    equivalenceP=max(t.p_above(-margin), t.p_below(margin)), signFlipP=t.signflip_above(0),
                    minimumSignFlipP=2.0 ** -t.n, perPair=per, margin=margin, retention=retention)
        return dict(components=[comp], pHolds=comp["pHolds"], pDoesNotHold=comp["pDoesNotHold"], cells=int(a_mask.sum() + b_mask.sum()))

    def uniformly_low():
        rr, tt = [matrix(RR, p) for p in pairs], [matrix(TT, p) for p in pairs]
        if any(m is None for m in rr + tt):
            return {"refused": "partial"}
        low = PairTest([(r - t).mean() for r, t in zip(rr, tt)])                   # below trained->trained
        flat = PairTest([math.sqrt(((r - r.mean()) ** 2).mean()) for r in rr])     # RMS deviation (population, /cells)
        if low.n < 2:
            return {"refused": "1 network pair: untested", "components": [dict(value=low.mean, perPair=list(low.v)), dict(value=flat.mean, perPair=list(flat.v))],
                    "cells": rr[0].size}
        if not (low.spread and flat.spread):
            return {"refused": "no spread between pairs (duplicated models?)"}
        lo1, hi1 = low.interval(INTERVAL)
        lo2, hi2 = flat.interval(INTERVAL)
        c_low = dict(value=low.mean, low=lo1, high=hi1, pHolds=low.p_below(0), pDoesNotHold=low.p_above(-MARGIN),
                     equivalenceP=max(low.p_above(-MARGIN), low.p_below(MARGIN)),
                     signFlipP=PairTest(-low.v).signflip_above(0), minimumSignFlipP=2.0 ** -low.n, perPair=list(low.v))
        c_flat = dict(value=flat.mean, low=lo2, high=hi2, pHolds=flat.p_below(FLAT_MARGIN), pDoesNotHold=flat.p_above(FLAT_MARGIN),
                      signFlipP=PairTest(-flat.v).signflip_above(-FLAT_MARGIN), minimumSignFlipP=2.0 ** -flat.n, perPair=list(flat.v))
        # holds: intersection-union (larger p); does not hold: union, Bonferroni over the two parts
        return dict(components=[c_low, c_flat], pHolds=max(c_low["pHolds"], c_flat["pHolds"]),
                    pDoesNotHold=min(1.0, 2 * min(c_low["pDoesNotHold"], c_flat["pDoesNotHold"])), cells=rr[0].size)

    below = lambda band: (sd > rd + band + EPS, sd < rd - band - EPS)
    early = lambda c: (rd <= c + EPS, rd > c + EPS)
    late = lambda c: ((sd > c + EPS) & (rd > c + EPS), ~((sd > c + EPS) & (rd > c + EPS)))
    defs = [  # (name, variants needed, registered cut, sensitivity cuts, reading at a cut)
        ("trained->trained lower-left", [TT], BAND, BANDS, lambda c: contrast(TT, *below(c), cols=True)),
        ("random->trained early receivers", [RT], EARLY_CUT, DEPTH_CUTS, lambda c: contrast(RT, *early(c), cols=False)),
        ("trained->random late->late", [TR], LATE_CUT, DEPTH_CUTS, lambda c: contrast(TR, *late(c), cols=True)),
        ("random->random uniformly low", [RR, TT], None, [], lambda c: uniformly_low()),
    ]
    present = {r["variant"] for r in mine}
    defs = [d for d in defs if all(v in present for v in d[1])]   # the family: patterns the variants measure
    nan = float("nan")
    primary = [d[4](d[2]) for d in defs]
    ph = holm([r.get("pHolds", nan) for r in primary])
    pn = holm([r.get("pDoesNotHold", nan) for r in primary])
    out = []
    for i, (name, _, cut, cuts, read) in enumerate(defs):
        r = dict(primary[i], pattern=name, pHoldsAdjusted=ph[i], pDoesNotHoldAdjusted=pn[i], verdict=verdict(ph[i], pn[i]),
                 modelSeedPairs=len(pairs), sensitivity=[])
        for c in cuts:   # each cut as if registered: this pattern's test replaced in the same Holm family
            rc = read(c)
            fam = primary[:i] + [rc] + primary[i + 1:]
            h = holm([x.get("pHolds", nan) for x in fam])[i]
            n = holm([x.get("pDoesNotHold", nan) for x in fam])[i]
            comp = rc.get("components", [{}])[0]
            r["sensitivity"].append(dict(cut=c, value=comp.get("value", nan), low=comp.get("low", nan), high=comp.get("high", nan),
                                         pHoldsAdjusted=h, pDoesNotHoldAdjusted=n, verdict=verdict(h, n), refused=rc.get("refused")))
        out.append(r)
    return out, pairs


def interaction(rows, s_arch, r_arch):
    """Per cell and pair tt - rt - tr + rr (head-only columns kept); mean and 95% t interval over pairs."""
    mine = [r for r in rows if r["sender_arch"] == s_arch and r["receiver_arch"] == r_arch]
    acc = {}
    for r in mine:
        acc.setdefault((r["variant"], r["sender_seed"], r["receiver_seed"], r["sender_layer"], r["receiver_layer"]), []).append(float(r["accuracy"]))
    pairs = sorted({(r["sender_seed"], r["receiver_seed"]) for r in mine})
    cells = {}
    for (v, ss, rs, sl, rl), a in acc.items():
        cells.setdefault((sl, rl), None)
    res = {}
    for sl, rl in cells:
        per = []
        for ss, rs in pairs:
            keys = [(v, ss, rs, sl, rl) for v in (TT, RT, TR, RR)]
            if all(k in acc for k in keys):
                per.append(sum(s * np.mean(acc[k]) for s, k in zip((1, -1, -1, 1), keys)))
        if per:
            t = PairTest(per)
            lo, hi = t.interval(0.95) if t.spread else (None, None)
            res[(sl, rl)] = (t.mean, lo, hi, t.sd if t.n > 1 else None, t.n)
    return res


# ---- comparison ------------------------------------------------------------------------------------------------------
def mismatch(msg):
    MISMATCHES.append(msg)
    print("MISMATCH", msg)


def close(a, b, rtol=1e-3, atol=1e-9):
    a = math.nan if a in (None, "NaN") else float(a)
    b = math.nan if b in (None, "NaN") else float(b)
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= atol + rtol * max(abs(a), abs(b))


def cmp(where, mine, theirs):
    COMPARED[0] += 1
    if not close(mine, theirs):
        mismatch(f"{where}: mine {mine} vs file {theirs}")


def check_patterns(folder):
    rows = read_csv(os.path.join(folder, "results.csv"))
    for s_arch, r_arch in sorted({(r["sender_arch"], r["receiver_arch"]) for r in rows}):
        print(f"\n== patterns: {folder}  {s_arch} -> {r_arch}")
        mine, pairs = patterns(rows, s_arch, r_arch)
        print(f"network pairs: {pairs}")
        for p in mine:
            print(f"- {p['pattern']}: verdict {p['verdict']}; Holm p holds {p['pHoldsAdjusted']:.4g} / does not hold {p['pDoesNotHoldAdjusted']:.4g}"
                  + (f"; REFUSED {p['refused']}" if "refused" in p else ""))
            for c in p.get("components", []):
                g = lambda k: c.get(k, math.nan)
                print(f"    {c['value']:+.4f} [90% {g('low'):+.4f}, {g('high'):+.4f}] raw {g('raw'):+.4f} retention {g('retention'):.4g} margin {g('margin'):.4g} "
                      f"p holds {g('pHolds'):.4g}, p not {g('pDoesNotHold'):.4g}, sign-flip {g('signFlipP'):.3g} per pair {np.round(c['perPair'], 4).tolist()}")
            for s in p["sensitivity"]:
                print(f"    cut {s['cut']:.3g}: {s['value']:+.4f} [{s['low']:+.4f}, {s['high']:+.4f}] Holm {s['pHoldsAdjusted']:.4g}/{s['pDoesNotHoldAdjusted']:.4g} "
                      f"{s['verdict']}" + (f" (refused: {s['refused']})" if s["refused"] else ""))
        jpath = os.path.join(folder, "patterns.json")
        if os.path.exists(jpath):
            theirs = {p["pattern"]: p for p in json.load(open(jpath))}
            if set(theirs) != {p["pattern"] for p in mine}:
                mismatch(f"pattern family differs: {sorted(theirs)} vs {[p['pattern'] for p in mine]}")
            for p in mine:
                t = theirs.get(p["pattern"])
                if t is None:
                    continue
                w = p["pattern"]
                for k in ("pHolds", "pDoesNotHold", "pHoldsAdjusted", "pDoesNotHoldAdjusted", "cells"):
                    cmp(f"{w} {k}", p.get(k, 0 if k == "cells" else None), t.get(k))   # a refused reading has 0 cells
                if p["verdict"] != t["verdict"]:
                    mismatch(f"{w} verdict: mine {p['verdict']} vs file {t['verdict']}")
                if t.get("modelSeedPairs") != len(pairs):
                    mismatch(f"{w} pairs: mine {len(pairs)} vs file {t.get('modelSeedPairs')}")
                for k, (c, tc) in enumerate(zip(p.get("components", []), t.get("components", []))):
                    for f in ("value", "low", "high", "raw", "pHolds", "pDoesNotHold", "equivalenceP", "signFlipP", "minimumSignFlipP"):
                        if f in c:
                            cmp(f"{w} component {k} {f}", c[f], tc.get(f))
                    if "margin" in c:   # the scaled margin, printed in "predicted" as "(margin 0.###)"
                        mm = re.search(r"\(margin (\S+)\)", tc.get("predicted", ""))
                        if not mm or not printed_equal(c["margin"], mm.group(1)):
                            mismatch(f"{w} component {k} margin: mine {c['margin']:.6g} (retention {c['retention']:.6g}) vs predicted '{tc.get('predicted')}'")
                    for j, (a, b) in enumerate(zip(c["perPair"], tc["perPair"])):
                        cmp(f"{w} component {k} perPair[{j}]", a, b)
                for s, ts in zip(p["sensitivity"], t.get("sensitivity", [])):
                    for f in ("value", "low", "high", "pHoldsAdjusted", "pDoesNotHoldAdjusted"):
                        cmp(f"{w} sensitivity {ts['cut']} {f}", s[f], ts.get(f))
                    if s["verdict"] != ts["verdict"]:
                        mismatch(f"{w} sensitivity {ts['cut']} verdict: mine {s['verdict']} vs file {ts['verdict']}")
                if len(p["sensitivity"]) != len(t.get("sensitivity", [])):
                    mismatch(f"{w} sensitivity rows: mine {len(p['sensitivity'])} vs file {len(t.get('sensitivity', []))}")
        ipath = os.path.join(folder, "matrix-interaction.json")
        inter = interaction(rows, s_arch, r_arch)
        print(f"interaction: {len(inter)} cells; " + ", ".join(f"{sl}->{rl} {v[0]:+.3f}" for (sl, rl), v in sorted(inter.items())[:4]) + " ...")
        if os.path.exists(ipath):
            j = json.load(open(ipath))
            for i, sl in enumerate(j["senderLayers"]):
                for k, rl in enumerate(j["receiverLayers"]):
                    m = inter.get((sl, rl))
                    if m is None:
                        if j["values"][i][k] is not None:
                            mismatch(f"interaction {sl}->{rl}: no value here, file {j['values'][i][k]}")
                        continue
                    for name, a, b in (("mean", m[0], j["values"][i][k]), ("low", m[1], (j.get("low") or [[None] * 99] * 99)[i][k]),
                                       ("high", m[2], (j.get("high") or [[None] * 99] * 99)[i][k]),
                                       ("spread", m[3], (j.get("spread") or [[None] * 99] * 99)[i][k]),
                                       ("replicates", m[4], (j.get("replicates") or [[None] * 99] * 99)[i][k])):
                        cmp(f"interaction {sl}->{rl} {name}", a, b)


# ---- the copying experiment ------------------------------------------------------------------------------------------
def copying(folder):
    rows = read_csv(os.path.join(folder, "copying.csv"))
    dist = read_csv(os.path.join(folder, "copying-distances.csv"))
    f = lambda r, k: float(r[k])
    pair = lambda r: (int(r["sender_seed"]), int(r["receiver_seed"]))
    task = [r for r in rows if r["kind"] == "task"]
    pairs = sorted({pair(r) for r in task})
    mean = lambda xs: float(np.mean(xs)) if len(xs) else math.nan

    def seed_spread(p):    # task stitches of the same start, different stitch seeds
        return mean([f(d, "nmse") for d in dist if pair(d) == p and d["start_a"] == d["start_b"]])

    def across(p):         # task stitches of different starts
        return mean([f(d, "nmse") for d in dist if pair(d) == p and d["start_a"] != d["start_b"]])

    def to_ls(p, start=None):
        return mean([f(r, "nmse_ls_copy") for r in task if pair(r) == p and (start is None or r["start"] == start)])

    def moved(p, kind, start):
        return mean([f(r, "nmse_from_start") for r in rows if pair(r) == p and r["kind"] == kind and r["start"] == start])

    def nearer(p, a, b):   # log10(distance of a's and b's task stitches to the copy / distance between them), shared cells
        between = [d for d in dist if pair(d) == p and {d["start_a"], d["start_b"]} == {a, b}]
        cells = {(d["sender_layer"], d["receiver_layer"]) for d in between}
        tl = [f(r, "nmse_ls_copy") for r in task if pair(r) == p and r["start"] in (a, b) and (r["sender_layer"], r["receiver_layer"]) in cells]
        return math.log10(mean(tl) / mean([f(d, "nmse") for d in between])) if between else math.nan

    def agreement(p):
        return mean([f(r, "agreement") for r in rows if pair(r) == p and r["kind"] == "task"]) - \
               mean([f(r, "agreement") for r in rows if pair(r) == p and r["kind"] == "ls-copy"])

    ls, pt, idn = "least-squares", "default", "identity"
    ratios = {"task-to-task across starts / seed-to-seed", "task-to-LS-copy / seed-to-seed",   # null 1 ("as far as"); others 0
              "placebo move / task move, least-squares start", "placebo move / task move, PyTorch init"}
    stats = [
        ("log10(task-to-LS-copy / task-to-task across starts)", [math.log10(to_ls(p) / across(p)) for p in pairs]),
        ("task-to-task across starts / seed-to-seed", [across(p) / seed_spread(p) for p in pairs]),
        ("task-to-LS-copy / seed-to-seed", [to_ls(p) / seed_spread(p) for p in pairs]),
        ("log10(task-to-LS-copy from PyTorch init / from least squares)", [math.log10(to_ls(p, pt) / to_ls(p, ls)) for p in pairs]),
        ("placebo move / task move, least-squares start", [moved(p, "placebo", ls) / moved(p, "task", ls) for p in pairs]),
        ("placebo move / task move, PyTorch init", [moved(p, "placebo", pt) / moved(p, "task", pt) for p in pairs]),
        ("log10(LS/identity-start task-to-LS-copy / LS-to-identity-start distance)", [x for x in (nearer(p, ls, idn) for p in pairs) if math.isfinite(x)]),
        ("agreement with receiver: task - LS copy", [agreement(p) for p in sorted({pair(r) for r in rows})]),
        ("log10(PyTorch-init/identity-start task-to-LS-copy / PyTorch-init-to-identity-start distance)",
         [x for x in (nearer(p, pt, idn) for p in pairs) if math.isfinite(x)]),
    ]
    print(f"\n== copying: {folder}  network pairs {pairs}")
    out = []
    for name, per in stats:
        t = PairTest(per) if per else None
        null = 1.0 if name in ratios else 0.0
        tested = bool(t and t.spread)
        lo, hi = t.interval(0.95) if tested else (math.nan, math.nan)
        p2 = min(1.0, 2 * min(t.p_above(null), t.p_below(null))) if tested else math.nan   # two-sided t against the null
        m = t.mean if t else math.nan
        out.append([name, per, m, lo, hi, null, p2])
    for o, ph in zip(out, holm([o[6] for o in out])):   # Holm across the tested statistics (untested: NaN, outside)
        o.append(ph)
        name, per, m, lo, hi, null, p2, ph = o
        print(f"- {name}: per pair {np.round(per, 4).tolist()}; mean {m:.5g} [95% {lo:.5g}, {hi:.5g}]; null {null:g}, p {p2:.4g}, Holm {ph:.4g}")
    for mdpath in (os.path.join(folder, "copying.md"), os.path.join(os.path.dirname(os.path.abspath(folder)), "report.md")):
        if os.path.exists(mdpath):
            check_copying_table(mdpath, out)
    return rows


def check_copying_table(mdpath, out):
    """The statistics table of copying.md (or of report.md's section 4) against this script's statistics."""
    table = {}   # name -> printed strings: per pair..., mean, low, high, [null, p, Holm p]
    for line in open(mdpath):   # | name | v, v, v | mean [low, high] |  or  | name | v | mean (untested) |
        cols = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cols) not in (3, 6):   # before c608e20: statistic | per pair | mean [interval]; since: + null | p | Holm p
            continue
        mm = re.fullmatch(r"(\S+) \[(\S+), (\S+)\]", cols[2]) or re.fullmatch(r"(\S+) \(untested\)()()", cols[2])
        if mm:
            table[cols[0]] = ([x for x in cols[1].split(", ") if x], list(mm.groups()) + cols[3:])
    for name, per, m, lo, hi, null, p2, ph in out:
        if name not in table:
            print(f"  (not in copying.md: {name})")
            continue
        tper, tsum = table[name]
        if len(per) != len(tper):
            mismatch(f"copying {name}: {len(per)} pairs here vs {len(tper)} in {mdpath}")
        labels = [f"pair {k}" for k in range(len(per))] + ["mean", "low", "high", "null", "p (two-sided)", "Holm p"]
        for label, a, b in zip(labels, per + [m, lo, hi, null, p2, ph], tper + tsum):
            if not printed_equal(a, b):
                mismatch(f"copying {name} {label}: mine {a:.6g} vs {mdpath} {b or 'none'}")
    for name in table:
        if name not in [o[0] for o in out]:
            mismatch(f"{mdpath} has a statistic this script does not compute: {name}")


# ---- report.md: the simple numbers of ReportWriter's tables, from the experiments' CSV files ------------------------
def md_tables(path):
    """Every Markdown table of the file: (its header cells, its rows of cells), in order."""
    tables, cur = [], None
    for line in open(path):
        line = line.rstrip("\n")
        if not line.startswith("|"):
            cur = None
            continue
        cells = [c.strip() for c in line.strip()[1:-1].split("|")]
        if cur is None:
            cur = (cells, [])
            tables.append(cur)
        elif not all(set(c) <= set("-:") for c in cells):
            cur[1].append(cells)
    return tables


def md_table(tables, *header):
    for h, rows in tables:
        if h[:len(header)] == list(header):
            return rows
    return None


def fnum(x):
    try:
        return float(x)
    except (TypeError, ValueError):
        return math.nan


def check_printed(where, value, text, kind="F"):
    """kind P: "12.3%" of a fraction; Pts: "+1.2 pts" of a fraction; F: "0.###"; F1: "0.0"; F2: "0.00"; I: an integer."""
    t = text.strip()
    if kind == "P":
        ok = printed_equal(100 * value, t[:-1] if t.endswith("%") else t, 0)
    elif kind == "Pts":
        ok = printed_equal(100 * value, t.replace(" pts", ""), 0)
    elif kind == "I":
        COMPARED[0] += 1
        ok = str(value) == t
    else:
        ok = printed_equal(value, t, {"F": 3, "F1": 0, "F2": 0}[kind])
    if not ok:
        mismatch(f"report.md {where}: mine {value} vs printed '{text}'")


def check_report_md(root):
    path = os.path.join(root, "report.md")
    tables = md_tables(path)
    before = COMPARED[0], len(MISMATCHES)
    print(f"\n== report.md: {path}")
    exps = [d for d in sorted(os.listdir(root)) if os.path.exists(os.path.join(root, d, "results.csv"))]
    res = {e: read_csv(os.path.join(root, e, "results.csv")) for e in exps}
    ana = {e: read_csv(os.path.join(root, e, "analysis.csv")) for e in exps if os.path.exists(os.path.join(root, e, "analysis.csv"))}
    mean = lambda xs: float(np.mean(xs)) if len(xs) else math.nan
    median = lambda xs: float(np.median([x for x in xs if not math.isnan(x)])) if any(not math.isnan(x) for x in xs) else math.nan

    # base models: every (arch, seed, trained) of the experiments' models.csv
    models = {}
    for e in exps:
        mp = os.path.join(root, e, "models.csv")
        for m in read_csv(mp) if os.path.exists(mp) else []:
            models.setdefault((m["arch"], m["seed"], m["trained"].lower() == "true"), m)
    rows = md_table(tables, "architecture", "seed", "trained", "test accuracy") or []
    if len(rows) != len(models):
        mismatch(f"report.md base models: {len(rows)} rows vs {len(models)} distinct models in models.csv")
    for r in rows:
        m = models.get((r[0], r[1], r[2] == "yes"))
        if m is None:
            mismatch(f"report.md base model {r[:3]} not in any models.csv")
            continue
        w = f"base model {r[0]} seed {r[1]} {r[2]}"
        check_printed(w + " accuracy", fnum(m["accuracy"]), r[3], "P")
        check_printed(w + " classes predicted", m["predicted_classes"], r[4], "I")
        check_printed(w + " entropy", fnum(m["prediction_entropy_bits"]), r[5], "F2")
        curve = [x for x in (m.get("heldout_curve") or "").replace(";", " ").split() if x]
        COMPARED[0] += 1
        if [f"{100 * float(x):.0f}" for x in curve] != r[6].split() and not (len(curve) == len(r[6].split()) and all(
                abs(100 * float(x) - float(y)) <= 0.5 + 1e-9 for x, y in zip(curve, r[6].split()))):
            mismatch(f"report.md {w} held-out curve: models.csv {curve} vs printed '{r[6]}'")
    for r in md_table(tables, "experiment", "pair", "stitches", "time") or []:
        e = r[0].strip("`")
        if e in res:
            check_printed(f"{e} stitches", len(res[e]), r[2], "I")

    # convergence
    for r in md_table(tables, "experiment", "stitches", "task stop reasons") or []:
        e = r[0].strip("`")
        if e not in res:
            mismatch(f"report.md convergence: no results.csv for {e}")
            continue
        rs = res[e]
        check_printed(f"{e} convergence stitches", len(rs), r[1], "I")
        counts = {}
        for x in rs:
            counts[x["stop_reason"]] = counts.get(x["stop_reason"], 0) + 1
        printed = dict((k, int(v)) for k, v in (item.rsplit(" ", 1) for item in r[2].split(", ") if item))
        COMPARED[0] += 1
        if printed != counts:
            mismatch(f"report.md {e} stop reasons: results.csv {counts} vs printed '{r[2]}'")
        check_printed(f"{e} stopped by the rule", sum(x["converged"].lower() == "true" for x in rs), r[3], "I")
        ep = [fnum(x["epochs"]) for x in rs]
        mm = re.fullmatch(r"(\S+) / (\S+) \(cap (\d+)\)", r[4])
        if mm:
            check_printed(f"{e} task epochs mean", mean(ep), mm.group(1), "F1")
            check_printed(f"{e} task epochs max", max(ep), mm.group(2), "F1")
        else:
            mismatch(f"report.md {e} task epochs: unreadable '{r[4]}'")
        if e in ana and len(r) > 5:   # reports before b17ec3e also trained a copy stitch per cell
            copies = [a for a in ana[e] if not math.isnan(fnum(a["copy_epochs"]))]
            conv = sum(a["copy_converged"].lower() == "true" for a in copies)
            check_printed(f"{e} copy converged", f"{conv} of {len(copies)}", r[5], "I")
            mm = re.fullmatch(r"(\S+) / (\S+)", r[6])
            ce = [fnum(a["copy_epochs"]) for a in copies]
            if mm:
                check_printed(f"{e} copy epochs mean", mean(ce), mm.group(1), "F1")
                check_printed(f"{e} copy epochs max", max(ce) if ce else math.nan, mm.group(2), "F1")

    def matrix(e, variant, column, drop_head_only):
        """cell -> mean of the column over the cell's rows (pairs and stitch seeds pooled), with sender and receiver depths."""
        cells = {}
        for a in ana.get(e, []):
            if a["variant"] != variant:
                continue
            if drop_head_only and a["receiver_layer"] == layer_names(a["receiver_arch"])[-1]:
                continue
            v = fnum(a[column])
            if not math.isnan(v):
                cells.setdefault((depth(a["sender_arch"], a["sender_layer"]), depth(a["receiver_arch"], a["receiver_layer"])), []).append(v)
        return {k: mean(v) for k, v in cells.items()}

    def region(m, where):
        return [v for (sd_, rd_), v in m.items() if where(sd_, rd_)]

    # section 1: the variant table of the experiment with the controls
    rows = md_table(tables, "variant", "mean", "std", "min", "max", "late->late") or []
    mm = re.search(r"Experiment `([^`]+)`: .*Early = relative depth <= (\S+), late = > (\S+?) ", open(path).read())
    if rows and mm:
        e, early, late = mm.group(1), float(mm.group(2)), float(mm.group(3))
        for r in rows:
            m = matrix(e, r[0], "task_accuracy", True)
            vals = list(m.values())
            pop_sd = float(np.std(vals)) if vals else math.nan
            for k, (label, v) in enumerate([
                    ("mean", mean(vals)), ("std", pop_sd), ("min", min(vals) if vals else math.nan), ("max", max(vals) if vals else math.nan),
                    ("late->late", mean(region(m, lambda a, b: a > late and b > late))),
                    ("other cells", mean(region(m, lambda a, b: not (a > late and b > late)))),
                    ("into early receivers", mean(region(m, lambda a, b: b <= early))),
                    ("into later receivers", mean(region(m, lambda a, b: b > early))),
                    ("lower-left", mean(region(m, lambda a, b: a > b + EPS))), ("upper-right", mean(region(m, lambda a, b: a < b - EPS)))]):
                check_printed(f"section 1 {e} {r[0]} {label}", v, r[1 + k], "P")

    # section 2: the triangle, raw means of trained->trained (head-only left out)
    for r in md_table(tables, "experiment", "below (lower-left)", "diagonal") or []:
        e = r[0].strip("`")
        t = matrix(e, TT, "task_accuracy", True)
        d = matrix(e, TT, "above_probe", True)
        parts = [region(t, lambda a, b: a > b + EPS), region(t, lambda a, b: abs(a - b) <= EPS), region(t, lambda a, b: a < b - EPS)]
        for k, (label, vals) in enumerate(zip(("below", "diagonal", "above"), parts)):
            mm = re.fullmatch(r"(\S+) \((\d+)\)", r[1 + k])
            check_printed(f"section 2 {e} {label}", mean(vals), mm.group(1) if mm else r[1 + k], "P")
            check_printed(f"section 2 {e} {label} cells", str(len(vals)), mm.group(2) if mm else "", "I")
        check_printed(f"section 2 {e} below - above", mean(parts[0]) - mean(parts[2]), r[4], "Pts")
        check_printed(f"section 2 {e} above-probe below", mean(region(d, lambda a, b: a > b + EPS)), r[5], "Pts")
        check_printed(f"section 2 {e} above-probe above", mean(region(d, lambda a, b: a < b - EPS)), r[6], "Pts")

    # section 4: the descriptive task/LS table (every trained->trained row, medians over rows); since b17ec3e without copy columns
    for r in md_table(tables, "experiment", "acc task", "acc LS (= start)") or []:
        e = r[0].strip("`")
        rs = [a for a in ana.get(e, []) if a["variant"] == TT]
        col = lambda k: [fnum(a[k]) for a in rs]
        for k, (label, v, kind) in enumerate([
                ("acc task", mean(col("task_accuracy")), "P"), ("acc LS", mean(col("ls_accuracy")), "P"),
                ("nMSE task", median(col("task_nmse")), "F"), ("nMSE LS", median(col("ls_nmse")), "F"),
                ("dist task", median(col("task_distribution_distance")), "F"), ("dist LS", median(col("ls_distribution_distance")), "F"),
                ("task nMSE > LS nMSE", f"{sum(fnum(a['task_nmse']) > fnum(a['ls_nmse']) for a in rs)}/{len(rs)}", "I")]):
            check_printed(f"section 4 {e} {label}", v, r[1 + k], kind)
    for r in md_table(tables, "experiment", "acc task", "acc copy") or []:
        e = r[0].strip("`")
        rs = [a for a in ana.get(e, []) if a["variant"] == TT]
        col = lambda k: [fnum(a[k]) for a in rs]
        for k, (label, v, kind) in enumerate([
                ("acc task", mean(col("task_accuracy")), "P"), ("acc copy", mean(col("copy_accuracy")), "P"), ("acc LS", mean(col("ls_accuracy")), "P"),
                ("nMSE task", median(col("task_nmse")), "F"), ("nMSE copy", median(col("copy_nmse")), "F"), ("nMSE LS", median(col("ls_nmse")), "F"),
                ("dist task", median(col("task_distribution_distance")), "F"), ("dist copy", median(col("copy_distribution_distance")), "F"),
                ("dist LS", median(col("ls_distribution_distance")), "F"),
                ("task nMSE > LS nMSE", f"{sum(fnum(a['task_nmse']) > fnum(a['ls_nmse']) for a in rs)}/{len(rs)}", "I"),
                ("MSE(task, copy) / MSE(copy)", median([fnum(a["task_copy_mse"]) / fnum(a["copy_mse"]) for a in rs]), "F")]):
            check_printed(f"section 4 {e} {label}", v, r[1 + k], kind)

    # section 4: the copying experiment's kinds of stitch
    cp = os.path.join(root, "copying", "copying.csv")
    rows = md_table(tables, "kind", "start", "lambda", "stitches", "accuracy", "agreement with receiver", "KL(receiver, stitched)",
                    "nMSE to expected", "nMSE to LS copy", "nMSE from its start", "epochs")
    if rows is None and os.path.exists(cp):
        mismatch("report.md: no copying kinds table with the expected header, though copying/copying.csv exists")
    rows = rows or []
    if rows and os.path.exists(cp):
        crow = read_csv(cp)
        groups = {}
        for c in crow:
            lam = fnum(c["lambda"])
            groups.setdefault((c["kind"], c["start"], "" if math.isnan(lam) else f"{lam:g}"), []).append(c)
        if len(rows) != len(groups):
            mismatch(f"report.md copying kinds: {len(rows)} rows vs {len(groups)} groups in copying.csv")
        for r in rows:
            g = groups.get((r[0], r[1], f"{fnum(r[2]):g}" if r[2] else ""))
            if g is None:
                mismatch(f"report.md copying kind {r[:3]} not in copying.csv")
                continue
            check_printed(f"copying {r[:3]} stitches", str(len(g)), r[3], "I")
            for k, (col, kind) in enumerate([("accuracy", "P"), ("agreement", "P"), ("kl", "F"), ("nmse_expected", "F"), ("nmse_ls_copy", "F")]):
                check_printed(f"copying {r[:3]} {col}", mean([fnum(c[col]) for c in g]), r[4 + k], kind)
            check_printed(f"copying {r[:3]} nmse_from_start", mean([v for v in (fnum(c["nmse_from_start"]) for c in g) if math.isfinite(v)] or [math.nan]), r[9], "F")
            check_printed(f"copying {r[:3]} epochs", mean([fnum(c["epochs"]) for c in g]), r[10], "F")

    # section 5: mean of cell means per variant, from results.csv
    for r in md_table(tables, "experiment", "variant", "pairs", "mean of cell means") or []:
        e = r[0].strip("`")
        rs = [x for x in res.get(e, []) if x["variant"] == r[1]]
        cells = {}
        for x in rs:
            cells.setdefault((x["sender_layer"], x["receiver_layer"]), []).append(float(x["accuracy"]))
        check_printed(f"section 5 {e} {r[1]} pairs", str(len({(x["sender_seed"], x["receiver_seed"]) for x in rs})), r[2], "I")
        check_printed(f"section 5 {e} {r[1]} mean of cell means", mean([mean(v) for v in cells.values()]), r[3], "P")
    print(f"report.md: {COMPARED[0] - before[0]} printed numbers compared, {len(MISMATCHES) - before[1]} mismatch(es)")


def printed_equal(a, text, min_decimals=3):
    """Whether a rounds to the printed text: within half a unit of its last printed digit ("4.898", "8.52E-5").
    min_decimals: the format's decimals where it drops trailing zeros ("0.###" prints 0.5 for 0.500; 0 for fixed formats)."""
    COMPARED[0] += 1
    a = math.nan if a is None else float(a)
    if text in ("", "NaN", "-", "n/a"):
        return math.isnan(a)
    if math.isnan(a):
        return False
    mant, _, exp = text.upper().partition("E")
    decimals = len(mant.split(".")[1]) if "." in mant else 0
    if not exp and abs(float(text)) < 100:
        decimals = max(decimals, min_decimals)
    unit = 10.0 ** (int(exp or 0) - decimals)
    return abs(a - float(text)) <= 0.5 * unit * (1 + 1e-9) + 1e-15


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    root = sys.argv[1]
    folders = [root] + [os.path.join(root, d) for d in sorted(os.listdir(root)) if os.path.isdir(os.path.join(root, d))]
    seen = 0
    for d in folders:
        if os.path.exists(os.path.join(d, "results.csv")):
            check_patterns(d)
            seen += 1
        if os.path.exists(os.path.join(d, "copying.csv")):
            copying(d)
            seen += 1
    if os.path.exists(os.path.join(root, "report.md")):
        check_report_md(root)
    if not seen:
        sys.exit(f"no results.csv or copying.csv in {root} or its subfolders")
    print(f"\n{COMPARED[0]} numbers compared with the folder's files, {len(MISMATCHES)} mismatch(es)")
    sys.exit(1 if MISMATCHES else 0)


if __name__ == "__main__":
    main()
