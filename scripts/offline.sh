#!/usr/bin/env bash
# Offline stack: Azurite (blob/queue/table on 127.0.0.1:10000-10002), the API on 127.0.0.1:7071 (the Functions
# classes served by plain ASP.NET Core, since Functions Core Tools cannot run here) and runners under the cloud's rules.
#   scripts/offline.sh [--jobs N]     job mode (default, N = 2): as KEDA runs Container Apps jobs, one fresh
#                                     "worker --max-jobs M" process per waiting message, at most N at a time, each
#                                     in a new empty folder and stopped at the replica timeout; nothing runs while
#                                     the queue is empty
#   scripts/offline.sh --runners N    N long-lived runners instead (kinder than Azure: they idle and keep caches)
#   scripts/offline.sh --jobs 0       Azurite and the API only
#   RUNNER_ARGS="--threads 1" ...     extra options for each "Stitching.GpuRunner worker"
#   STITCHING_REPLICA_TIMEOUT=600 ... the runner job's replica timeout in seconds (default 7200, infra/main.bicep's):
#                                     the API sizes jobs to it and refuses what cannot fit, the scaler stops
#                                     executions at it, and a runner takes no job that could outlive it
#   STITCHING_RUNNER_MAX_JOBS=M ...   messages per execution (default: main.bicep's runnerMaxJobs)
# The API host also runs the recovery timer's work (plans big sweeps, re-sends jobs of dead runners, records dead
# letters) every 10 s (Stitching__Local__RecoveryInterval=00:00:10), as the Function app's timer does in Azure.
# An Azurite already listening on 127.0.0.1:10002 (e.g. from scripts/start-azurite.sh) is used as it is.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
mode=jobs; count=2
case "${1:-}" in
  --jobs) count="${2:?--jobs needs a number}" ;;
  --runners) mode=runners; count="${2:?--runners needs a number}" ;;
  "") ;;
  *) echo "usage: scripts/offline.sh [--jobs N | --runners N]" >&2; exit 2 ;;
esac
state="${STITCHING_OFFLINE_DIR:-$root/.offline}"
mkdir -p "$state/azurite" "$state/data" "$state/logs"


export Stitching__Storage__ConnectionString="UseDevelopmentStorage=true"
export Stitching__Queue__Backend="storage"
export Stitching__Worker__CheckpointDirectory="$state/checkpoints"
# One replica timeout for the API, the scaler and each execution, as main.bicep gives the same value to all of them.
export Stitching__Limits__ReplicaTimeoutSeconds="${STITCHING_REPLICA_TIMEOUT:-7200}"

pids=()
# SIGTERM: the scaler hands it on to its executions, which give their messages back before exiting.
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

if (exec 3<>/dev/tcp/127.0.0.1/10002) 2>/dev/null; then
  echo "Using the Azurite already listening on 127.0.0.1:10000-10002"
else
  if [ ! -x "$state/azurite/node_modules/.bin/azurite" ]; then
    (cd "$state/azurite" && npm install --no-audit --no-fund azurite@3.35.0 >/dev/null)
  fi
  "$state/azurite/node_modules/.bin/azurite" --silent --skipApiVersionCheck --disableTelemetry --location "$state/data" \
    --blobHost 127.0.0.1 --queueHost 127.0.0.1 --tableHost 127.0.0.1 >"$state/logs/azurite.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 50); do (exec 3<>/dev/tcp/127.0.0.1/10002) 2>/dev/null && break; sleep 0.2; done
fi

# Not "dotnet run": the Functions SDK makes that launch Core Tools. The built dlls run like any app.
dotnet build "$root/src/GpuRunner" -v q -nologo -o "$state/runner" >/dev/null
dotnet build "$root/src/Functions" -v q -nologo -o "$state/api" >/dev/null

# Least privilege, as in Azure: each component gets only its role-table rights (src/Platform/Security/PlatformRoles.cs),
# as SAS-bearing service URIs signed with Azurite's key, and an empty connection string so that the exported one
# grants nothing more. The API host runs the timer's work with the timer's own SAS (Stitching__Local__Timer__*).
sas_env() { dotnet "$state/runner/Stitching.GpuRunner.dll" sas --hours 168 "$@"; }
sas_text="$(sas_env --component api && sas_env --component timer --under Stitching__Local__Timer)"; mapfile -t api_env <<<"$sas_text"
sas_text="$(sas_env --component runner)"; mapfile -t runner_env <<<"$sas_text"
sas_text="$(sas_env --component uploader)"; mapfile -t uploader_env <<<"$sas_text"

env "${api_env[@]}" dotnet "$state/api/Stitching.Functions.dll" serve >"$state/logs/api.log" 2>&1 &
pids+=($!)

# Runners have no data of their own, as in Azure: Fashion-MNIST goes into the datasets container once (a second
# start skips the files already there) and each runner fetches it into its own new, empty data folder.
env "${uploader_env[@]}" dotnet "$state/runner/Stitching.GpuRunner.dll" datasets upload --dataset fashion-mnist \
  || echo "Fashion-MNIST was not uploaded (see above): jobs on it fail until 'Stitching.GpuRunner datasets upload --dataset fashion-mnist' succeeds." >&2

if [ "$mode" = jobs ] && [ "$count" -gt 0 ]; then
  # The scaler reads the queue length and its executions inherit the runner's SAS, as the job's identity in Azure.
  env "${runner_env[@]}" dotnet "$state/runner/Stitching.GpuRunner.dll" scale --jobs "$count" ${STITCHING_RUNNER_MAX_JOBS:+--max-jobs "$STITCHING_RUNNER_MAX_JOBS"} --runner-args="${RUNNER_ARGS:-}" >"$state/logs/scaler.log" 2>&1 &
  pids+=($!)
elif [ "$mode" = runners ] && [ "$count" -gt 0 ]; then
  for i in $(seq 1 "$count"); do
    # One checkpoint cache per runner, as on separate machines; models travel through blob storage. No --data-dir:
    # each runner fetches datasets into a new temporary folder, deleted when it exits.
    env "${runner_env[@]}" Stitching__Worker__WorkerId="local-$i" Stitching__Worker__CheckpointDirectory="$state/checkpoints/local-$i" \
      dotnet "$state/runner/Stitching.GpuRunner.dll" worker ${RUNNER_ARGS:-} >"$state/logs/runner-$i.log" 2>&1 &
    pids+=($!)
  done
fi

echo "API on http://127.0.0.1:7071/api/sweeps; logs in $state/logs. Ctrl-C stops everything."
wait
