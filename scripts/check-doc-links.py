#!/usr/bin/env python3
# Usage: python3 scripts/check-doc-links.py   (from the repository root)
# Every relative link in README.md and docs/*.md must name an existing file, and its #anchor a heading there.
import glob, os, re, sys
def slug(h):
    h = re.sub(r'[`*_]', '', h.strip().lower())
    h = re.sub(r'[^\w\- ]', '', h)
    return h.replace(' ', '-')
def anchors(path):
    if not path.endswith('.md'): return None
    text = re.sub(r'```.*?```', '', open(path).read(), flags=re.S)
    return {slug(m) for m in re.findall(r'^#+\s+(.*)$', text, flags=re.M)}
bad = n = 0
for f in ['README.md'] + sorted(glob.glob('docs/*.md')):
    text = re.sub(r'```.*?```', '', open(f).read(), flags=re.S)
    for target in re.findall(r'\]\(([^)\s]+)\)', text):
        if re.match(r'[a-z]+:', target): continue
        n += 1
        path, _, anchor = target.partition('#')
        full = os.path.normpath(os.path.join(os.path.dirname(f), path)) if path else f
        if not os.path.exists(full):
            print(f'{f}: {target}: no such file'); bad += 1; continue
        if anchor and anchor not in (anchors(full) or set()):
            print(f'{f}: {target}: no heading #{anchor} in {full}'); bad += 1
print(f'{n} relative links checked, {bad} broken')
sys.exit(1 if bad else 0)
