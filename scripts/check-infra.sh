#!/usr/bin/env bash
# Offline checks for the Azure infrastructure: compiles and lints infra/main.bicep with a pinned
# Bicep CLI taken from NuGet, and checks that azure.yaml parses. Fails on any Bicep warning.
# Nothing here talks to Azure; `azd provision` is the only real test of the templates.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

bicep_version="0.49.2"
bicep_package="Azure.Bicep.CommandLine.linux-x64"
cache_dir="${STITCHING_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/stitching-tools}"
bicep="$cache_dir/packages/${bicep_package,,}/$bicep_version/tools/bicep"

# Obtain the Bicep CLI through an ordinary `dotnet restore` of a throwaway project, so it comes from
# whatever NuGet source is configured (`dotnet nuget list source`) and is cached between runs.
if [[ ! -f "$bicep" ]]; then
  echo "==> Fetching $bicep_package $bicep_version through dotnet restore"
  scratch="$(mktemp -d)"
  trap 'rm -rf "$scratch"' EXIT
  cat > "$scratch/BicepTool.csproj" <<PROJ
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>net10.0</TargetFramework>
    <ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally>
  </PropertyGroup>
  <ItemGroup>
    <PackageDownload Include="$bicep_package" Version="[$bicep_version]" />
  </ItemGroup>
</Project>
PROJ
  dotnet restore "$scratch/BicepTool.csproj" --packages "$cache_dir/packages" \
    -p:ImportDirectoryBuildProps=false -p:ImportDirectoryPackagesProps=false --verbosity quiet
fi
chmod +x "$bicep"
export BICEP_TRACING_ENABLED=false

failed=0

# Both `bicep build` and `bicep lint` exit 0 when they only warn, so gate on what they print.
run_gated() {
  local label="$1"; shift
  local output status=0
  echo "==> $label"
  output="$("$@" 2>&1)" || status=$?
  [[ -n "$output" ]] && echo "$output"
  if (( status != 0 )) || grep -Eq 'Warning|Error' <<<"$output"; then
    echo "FAIL: $label (exit $status)"
    failed=1
  else
    echo "ok"
  fi
}

# The compiled ARM JSON goes to /dev/null; only diagnostics (stderr) reach the gate.
build_main() { "$bicep" build infra/main.bicep --stdout >/dev/null; }

"$bicep" --version
run_gated "bicep build infra/main.bicep --stdout > /dev/null" build_main
run_gated "bicep lint infra/main.bicep" "$bicep" lint infra/main.bicep

echo "==> azure.yaml (and docker-compose.servicebus.yml) parse"
if python3 -c 'import yaml' 2>/dev/null; then
  if python3 - <<'PY'
import sys, yaml
doc = yaml.safe_load(open("azure.yaml"))
services = doc.get("services", {})
missing = [s for s in ("api", "runner") if s not in services]
if doc.get("name") != "stitching" or missing:
    sys.exit(f"azure.yaml: unexpected name or missing services {missing}")
yaml.safe_load(open("docker-compose.servicebus.yml"))
PY
  then echo "ok"; else echo "FAIL: azure.yaml"; failed=1; fi
else
  # No PyYAML: a coarse check that there are no tabs and that the top-level keys are present.
  if ! grep -q $'\t' azure.yaml && grep -q '^name: stitching' azure.yaml && grep -q '^services:' azure.yaml \
     && grep -Eq '^  api:' azure.yaml && grep -Eq '^  runner:' azure.yaml; then
    echo "ok (coarse check; PyYAML not installed)"
  else
    echo "FAIL: azure.yaml"; failed=1
  fi
fi

echo "==> JSON files parse"
for json_file in infra/main.parameters.json infra/abbreviations.json servicebus-emulator/config.json \
                 infra/local/local.settings.example.json; do
  if python3 -m json.tool "$json_file" >/dev/null; then echo "ok   $json_file"; else echo "FAIL $json_file"; failed=1; fi
done

if (( failed )); then
  echo "check-infra: FAILED"
  exit 1
fi
echo "check-infra: all checks passed"
