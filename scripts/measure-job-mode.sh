#!/usr/bin/env bash
# What runnerMaxJobs trades (docs/platform.md, "Jobs per execution"): a job-mode runner's start-up to its first receive
# (empty queue) and a small job's time, CPU runner on Azurite (127.0.0.1:10000-10002), local API on port 7391.
# After dotnet build Stitching.sln -c Release; uploads Fashion-MNIST under a fresh name prefix.
set -u
cd "$(dirname "$0")/.."
export Stitching__Storage__ConnectionString=UseDevelopmentStorage=true
export Stitching__Storage__NamePrefix="m$(date +%s)"
export Stitching__Queue__Backend=storage
export Stitching__Local__Port=7391
export Stitching__Worker__CheckpointDirectory="$(mktemp -d)"
trap 'rm -rf "$Stitching__Worker__CheckpointDirectory"' EXIT
runner=src/GpuRunner/bin/Release/net10.0/Stitching.GpuRunner.dll
api=src/Functions/bin/Release/net10.0/Stitching.Functions.dll
grep -m1 "model name" /proc/cpuinfo; uptime
for i in 1 2 3; do
  s=$(date +%s.%N)
  Stitching__Worker__ReceiveWait=00:00:01 dotnet $runner worker --max-jobs 1 --device cpu --threads 1 > /tmp/measure-empty-$i.log 2>&1
  rc=$?
  e=$(date +%s.%N)
  echo "empty-queue execution $i: $(python3 -c "print(f'{$e - $s:.2f}')") s from process start to exit (one empty receive of 1 s included; exit $rc)"
done
dotnet $api serve > /tmp/measure-api.log 2>&1 & apipid=$!
dotnet $runner datasets upload --dataset fashion-mnist > /tmp/measure-upload.log 2>&1 || echo "upload failed"
for _ in $(seq 1 60); do curl -s -o /dev/null http://127.0.0.1:7391/api/sweeps && break; sleep 1; done
spec='{"name":"measure","senders":["resnet(1,1,1,1)"],"receivers":["resnet(1,1,1,1)"],"width":4,"trainLimit":300,"testLimit":100,"variants":["trained->trained"],"senderLayers":["stem","1.0"],"receiverLayers":["2.0","3.0"],"model":{"epochs":1},"allowChanceModels":true,"stitch":{"epochs":1}}'
curl -s -X POST http://127.0.0.1:7391/api/sweeps -H 'content-type: application/json' -d "$spec"; echo
s=$(date +%s.%N)
Stitching__Worker__ReceiveWait=00:00:03 dotnet $runner worker --max-jobs 8 --device cpu --threads 1 > /tmp/measure-jobs.log 2>&1
e=$(date +%s.%N)
echo "one execution, --max-jobs 8, tiny sweep: $(python3 -c "print(f'{$e - $s:.2f}')") s process start to exit (3 s empty receive at the end)"
grep -E "started;|Job .* done:|Queue empty|Worker stopped" /tmp/measure-jobs.log
kill $apipid
uptime
