#!/usr/bin/env bash
# A fixed-seed sweep's fingerprint, for refactors that must not change results: a 16-cell sweep (resnet(1,1,1,1),
# width 8, 1,500 training images, 4 model epochs, 2 stitch epochs, fp32, NCHW, 2 threads), then a hash of results.csv and
# models.csv without the columns that vary between runs of the same code (seconds, hardware, provenance).
# Usage: bash scripts/fingerprint.sh [OUT_DIR]   (build first: dotnet build Stitching.sln -c Release)
# Same code and same CPU give the same fingerprint; another CPU or thread count may not (kernels differ).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out="${1:-$(mktemp -d)/fingerprint}"
rm -rf "$out" "$out-models"
dotnet src/GpuRunner/bin/Release/net10.0/Stitching.GpuRunner.dll sweep --sender "resnet(1,1,1,1)" --receiver "resnet(1,1,1,1)" \
  --width 8 --train-limit 1500 --test-limit 200 --model-epochs 4 --epochs 2 --variants all --sender-layers stem,2.0 \
  --receiver-layers 1.0,3.0 --threads 2 --layout nchw --precision fp32 --allow-chance-models --models-dir "$out-models" \
  --out "$out" > "$out.log" 2>&1 || { tail -20 "$out.log"; exit 1; }
python3 - "$out" <<'PY'
import csv, hashlib, os, sys
folder, digest = sys.argv[1], hashlib.sha256()
for name in ["results.csv", "models.csv"]:
    rows = list(csv.DictReader(open(os.path.join(folder, name))))
    for row in rows:
        kept = sorted((k, v) for k, v in row.items() if k not in ("hardware", "provenance_id") and not k.endswith("seconds"))
        digest.update(repr(kept).encode())
    print(f"{name}: {len(rows)} rows")
print("fingerprint", digest.hexdigest()[:16])
PY
