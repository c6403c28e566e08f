#!/usr/bin/env bash
# Builds the runner image (src/GpuRunner/Dockerfile) and runs it once: `scripts/runner-image.sh cpu` is what CI runs
# (libtorch-cpu: the CUDA packages are several GB); `scripts/runner-image.sh cuda` is the GPU image azd deploys.
# Without a Docker daemon it prints why it skipped and exits 0, so CI on a machine without Docker says so and goes on.
# The run is `--help` through the image's ENTRYPOINT: the .NET runtime and the app start in the runtime image as
# non-root; it does not load libtorch (only a command that trains does) and no GPU is involved.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
backend="${1:-cpu}"
case "$backend" in cpu|cuda) ;; *) echo "usage: scripts/runner-image.sh [cpu|cuda]" >&2; exit 2 ;; esac

if ! command -v docker >/dev/null 2>&1; then
  echo "SKIPPED runner image ($backend): no docker command on PATH."
  exit 0
fi
if ! reason="$(docker info --format '{{.ServerVersion}}' 2>&1)"; then
  echo "SKIPPED runner image ($backend): the docker CLI is here but no daemon answers: ${reason##*$'\n'}"
  exit 0
fi

tag="stitching-runner:$backend-local"
start=$(date +%s)
docker build -f "$root/src/GpuRunner/Dockerfile" --build-arg "TORCH_BACKEND=$backend" -t "$tag" "$root"
echo "runner image ($backend) built in $(( $(date +%s) - start )) s: $(docker image inspect "$tag" --format '{{.Size}}') bytes"
docker run --rm "$tag" --help >/dev/null
echo "runner image ($backend): 'dotnet Stitching.GpuRunner.dll --help' ran in the image"
