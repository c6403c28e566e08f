#!/usr/bin/env bash
# Starts Azurite in the background for the platform tests (CI or a developer) and waits until it listens.
# Usage: source-free; prints the pid. Stop it with: kill "$(cat "${AZURITE_DIR:-/tmp/azurite}/pid")"
set -euo pipefail
dir="${AZURITE_DIR:-/tmp/azurite}"
mkdir -p "$dir" "$dir/data"
if [ ! -x "$dir/node_modules/.bin/azurite" ]; then
  (cd "$dir" && npm install --no-audit --no-fund azurite@3.35.0 >/dev/null)
fi
if ! (exec 3<>/dev/tcp/127.0.0.1/10002) 2>/dev/null; then
  "$dir/node_modules/.bin/azurite" --silent --skipApiVersionCheck --disableTelemetry --location "$dir/data" \
    --blobHost 127.0.0.1 --queueHost 127.0.0.1 --tableHost 127.0.0.1 >"$dir/azurite.log" 2>&1 &
  echo $! >"$dir/pid"
fi
for _ in $(seq 1 100); do
  if (exec 3<>/dev/tcp/127.0.0.1/10000) 2>/dev/null && (exec 3<>/dev/tcp/127.0.0.1/10001) 2>/dev/null && (exec 3<>/dev/tcp/127.0.0.1/10002) 2>/dev/null; then
    echo "Azurite listening on 127.0.0.1:10000-10002"; exit 0
  fi
  sleep 0.2
done
echo "Azurite did not start; see $dir/azurite.log" >&2
exit 1
