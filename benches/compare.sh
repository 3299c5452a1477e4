#!/usr/bin/env bash
# Issue 11's side-by-side comparison: N trivial steps (`$null = 1`) run by
#   - tejun (`tejun run`, journal on the disk as usual),
#   - the floor: one pwsh running the same N lines from a script,
#   - Invoke-Build 5.14.23 (restored from NuGet into a throwaway project) with N tasks,
#   - one pwsh per command (a sample of commands, extrapolated to N),
# in rounds, printing wall and CPU time (user + system, children included) and tejun's ratios per
# round. Linux; needs pwsh on PATH (or ~/.dotnet/tools) and the dotnet SDK for the restore.
#
#   bash benches/compare.sh [N=1000] [ROUNDS=3]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
n=${1:-1000}
rounds=${2:-3}
export PATH="$HOME/.dotnet/tools:$PATH"
cache=${TEJUN_BENCH_CACHE:-/var/cache/tejun-bench}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cargo build --release --quiet --bin tejun
tejun=$PWD/target/release/tejun

# Invoke-Build from NuGet, into a throwaway project; the packages stay in the cache.
ib=$cache/packages/invoke-build/5.14.23/tools/Invoke-Build.ps1
if [ ! -f "$ib" ]; then
  mkdir -p "$cache/project"
  cat > "$cache/project/ib.csproj" <<'EOF'
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup>
  <ItemGroup><PackageReference Include="Invoke-Build" Version="5.14.23" /></ItemGroup>
</Project>
EOF
  dotnet restore "$cache/project/ib.csproj" --packages "$cache/packages" >/dev/null
fi

{
  echo 'runbook trivial {'
  for ((i = 0; i < n; i++)); do echo "  step s$i \"Step $i\" { run { \$null = 1 } }"; done
  echo '}'
} > "$work/trivial.runbook"
for ((i = 0; i < n; i++)); do echo '$null = 1'; done > "$work/floor.ps1"
{
  for ((i = 0; i < n; i++)); do echo "task t$i { \$null = 1 }"; done
  printf 'task . %s\n' "$(seq -s, -f 't%.0f' 0 $((n - 1)))"
} > "$work/trivial.build.ps1"
sample=20

# Prints "wall cpu" in seconds for a command.
measure() {
  /usr/bin/time -f '%e %U %S' -o "$work/time" "$@" >/dev/null 2>&1 || true
  awk '{ printf "%.3f %.3f\n", $1, $2 + $3 }' "$work/time"
}

echo "N = $n trivial steps, $rounds rounds; $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-7s %-22s %-22s %-22s %-22s %s\n' round 'tejun wall/cpu' 'floor wall/cpu' 'Invoke-Build wall/cpu' 'pwsh per cmd (est.)' 'tejun/floor  tejun/IB  cpu/step'
for ((r = 1; r <= rounds; r++)); do
  rm -rf "$work/state"
  read -r tw tc < <(measure "$tejun" run "$work/trivial.runbook" --state-dir "$work/state")
  read -r fw fc < <(measure pwsh -NoProfile -NonInteractive -File "$work/floor.ps1")
  read -r iw ic < <(measure pwsh -NoProfile -NonInteractive -Command "& '$ib' -File '$work/trivial.build.ps1' -Result null")
  start=$(date +%s.%N)
  for ((k = 0; k < sample; k++)); do pwsh -NoProfile -NonInteractive -Command '$null = 1' >/dev/null; done
  per=$(echo "($(date +%s.%N) - $start) / $sample * $n" | bc -l)
  printf '%-7s %-22s %-22s %-22s %-22s %s\n' "$r" "${tw}s / ${tc}s" "${fw}s / ${fc}s" "${iw}s / ${ic}s" \
    "$(printf '%.0fs' "$per")" \
    "$(echo "$tw / $fw" | bc -l | xargs printf '%.2fx')       $(echo "$tw / $iw" | bc -l | xargs printf '%.2fx')     $(echo "$tc * 1000 / $n" | bc -l | xargs printf '%.2f ms')"
done
