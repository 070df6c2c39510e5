#!/usr/bin/env bash
# The race against OctoMap, reproducible by anyone on Debian/Ubuntu with the .NET 10 SDK:
#   1. installs liboctomap-dev if missing and builds our C++ harness against it (benchmarks/octomap);
#   2. exports the standard room's 20 scans (sensor origin + world points), 100k query points and 10k rays to one
#      binary file (format: benchmarks/Occupancy.Race/ScanFile.cs) so that both sides integrate the same input;
#   3. runs OctoMap REPS times (default 3), then Occupancy at least REPS times and for at least 2 s per integration mode
#      (one thread and all threads taking turns, build by build), reporting medians;
#   4. measures agreement with OctoMap's full insertPointCloud voxel by voxel;
#   5. with BONXAI_DIR set to a Bonxai checkout, builds and runs Bonxai's ProbabilisticMap on the same scans
#      (benchmarks/bonxai; rows skipped with a message otherwise);
#   6. prints a table and writes OUT/race.json (every figure, every ratio, the machine).
# Usage: benchmarks/compare-octomap.sh [OUT]   (OUT defaults to out/race, ignored by git)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$root/out/race}"
reps="${REPS:-3}"
mkdir -p "$out"
start=$(date +%s)

bash "$root/benchmarks/octomap/build.sh"
dotnet build "$root/benchmarks/Occupancy.Race/Occupancy.Race.csproj" -c Release -nologo -v quiet >/dev/null
race=(dotnet "$root/benchmarks/Occupancy.Race/bin/Release/net10.0/Occupancy.Race.dll")

"${race[@]}" export "$out/standard-room.scan.bin"
echo "== OctoMap 1.9.7 ($reps repetitions)"
"$root/benchmarks/octomap/bin/octomap_race" "$out/standard-room.scan.bin" "$reps" "$out/octomap"
bonxai_json=""
if bash "$root/benchmarks/bonxai/build.sh"; then
  echo "== Bonxai ProbabilisticMap ($reps repetitions)"
  "$root/benchmarks/bonxai/bin/bonxai_race" "$out/standard-room.scan.bin" "$reps" "$out/bonxai.json"
  bonxai_json="$out/bonxai.json"
else
  status=$?
  [ "$status" -eq 3 ] || exit "$status"
fi
echo "== Occupancy (at least $reps repetitions and 2 s per integration mode)"
"${race[@]}" run "$out/standard-room.scan.bin" "$out/octomap" "$reps" "$out/race.json" $bonxai_json
echo "finished in $(( $(date +%s) - start )) s"
