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
#   6. prints a table and writes OUT/race.json (every figure, every ratio, the machine);
#   7. races the LiDAR scenes of the street (VLP-16 and 64 beams, 5 and 10 cm, unlimited and 30 m range), appending each
#      scene's rows to OUT/race.json (LIDAR_SCENES=0 skips them);
#   8. races our stereo matcher against OpenCV's StereoSGBM (four modes, through OpenCvSharp4, a benchmark-only package)
#      on the street's four stereo pairs, writing OUT/stereo.json (STEREO=0 skips it; without OpenCV's native runtime,
#      which needs Debian's libgtk-3-0, the OpenCV rows are skipped with a message).
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

# LiDAR scenes (LIDAR_SCENES=0 skips them): one scan of the street from a VLP-16 and from a 64-beam LiDAR on the ego
# car's roof, at 5 and 10 cm, unlimited range and 30 m. OctoMap and Bonxai run LIDAR_REPS times a scene (default 2; a
# 5 cm scan takes OctoMap seconds) and count their best run, the peer's favour; ours as above, all scenes in one process.
if [ "${LIDAR_SCENES:-1}" != 0 ]; then
  lidar_reps="${LIDAR_REPS:-2}"
  echo "== LiDAR scenes: OctoMap and Bonxai $lidar_reps runs a scene (their best), ours as above"
  names=()
  for spec in "vlp16 0.05 0" "vlp16 0.05 30" "vlp16 0.1 0" "vlp16 0.1 30" "hdl64 0.05 0" "hdl64 0.05 30" "hdl64 0.1 0" "hdl64 0.1 30"; do
    read -r sensor res range <<<"$spec"
    name="street-$sensor-${res}m-$([ "$range" = 0 ] && echo unlimited || echo "${range}m")"
    names+=("$name")
    "${race[@]}" export-lidar "$out/$name.scan.bin" "$sensor" "$res" "$range" >/dev/null
    OCTOMAP_RACE_FILES=0 "$root/benchmarks/octomap/bin/octomap_race" "$out/$name.scan.bin" "$lidar_reps" "$out/$name.octomap" >/dev/null
    rm -f "$out/$name.bonxai.json"
    if [ -n "$bonxai_json" ]; then
      "$root/benchmarks/bonxai/bin/bonxai_race" "$out/$name.scan.bin" "$lidar_reps" "$out/$name.bonxai.json" >/dev/null
    fi
  done
  "${race[@]}" scenes "$out" "$reps" "$out/race.json" "${names[@]}"
fi

# Stereo (STEREO=0 skips it): our SGM against OpenCV's StereoSGBM in modes SGBM, HH, SGBM_3WAY and HH4, the methods
# taking turns pair by pair, REPS+1 timed rounds after two warm-up rounds (medians; the eight-path modes MODE_HH and
# MODE_HH4, ten times slower, one of each), each scored against the true
# disparity (benchmarks/Occupancy.Race/Stereo.cs).
if [ "${STEREO:-1}" != 0 ]; then
  echo "== stereo: the street's four pairs, ours against OpenCV StereoSGBM"
  "${race[@]}" stereo "$out" $(( reps + 1 ))
fi
echo "finished in $(( $(date +%s) - start )) s"
