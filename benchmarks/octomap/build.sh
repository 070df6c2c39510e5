#!/usr/bin/env bash
# Builds the OctoMap side of the benchmark race.
# Usage: benchmarks/octomap/build.sh [OUT]   (default OUT: benchmarks/octomap/bin/octomap_race)
# Installs Debian's liboctomap-dev (OctoMap 1.9.7) if missing. Idempotent; quiet on success.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="${1:-${OUT:-$HERE/bin/octomap_race}}"

if ! dpkg -s liboctomap-dev >/dev/null 2>&1; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  log="$(mktemp)"
  if ! { $SUDO apt-get update -qq && \
         DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq liboctomap-dev; } >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    echo "build.sh: failed to install liboctomap-dev" >&2
    exit 1
  fi
  rm -f "$log"
fi

# Up to date: built after its sources, this script and the installed library.
lib="$(ls /usr/lib/*/liboctomap.so* 2>/dev/null | head -n 1 || true)"
if [ -x "$OUT" ] && [ "$OUT" -nt "$HERE/octomap_race.cpp" ] && [ "$OUT" -nt "$HERE/../common/occscan.hpp" ] && [ "$OUT" -nt "${BASH_SOURCE[0]}" ] && { [ -z "$lib" ] || [ "$OUT" -nt "$lib" ]; }; then
  exit 0
fi

# Debian puts headers in /usr/include/octomap and libs in /usr/lib/<multiarch>: default search paths.
mkdir -p "$(dirname "$OUT")"
# No floating-point contraction: OctoMap as Debian builds it (generic x86-64) has no FMA, and its templates are
# compiled here; fused multiply-adds move clipped ray ends by an ulp, which flips voxels where a ray grazes an edge.
g++ -O3 -march=native -ffp-contract=off -DNDEBUG -std=c++17 "$HERE/octomap_race.cpp" -loctomap -loctomath -o "$OUT"
