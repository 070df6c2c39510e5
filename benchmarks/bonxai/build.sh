#!/usr/bin/env bash
# Builds the Bonxai side of the race from a Bonxai checkout (https://github.com/facontidavide/Bonxai, MPL-2.0, used
# unmodified): BONXAI_DIR must name the folder that holds bonxai_core/ and bonxai_map/.
# Usage: BONXAI_DIR=... benchmarks/bonxai/build.sh [OUT]   (default OUT: benchmarks/bonxai/bin/bonxai_race)
# Installs Debian's libeigen3-dev if missing. Exits 3, with a message, when BONXAI_DIR is unset or holds no Bonxai.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="${1:-$HERE/bin/bonxai_race}"
dir="${BONXAI_DIR:-}"
if [ -z "$dir" ] || [ ! -f "$dir/bonxai_map/src/probabilistic_map.cpp" ]; then
  echo "bonxai: BONXAI_DIR is not set to a Bonxai checkout (bonxai_core/, bonxai_map/); the Bonxai rows are skipped" >&2
  exit 3
fi

if [ ! -f /usr/include/eigen3/Eigen/Geometry ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  log="$(mktemp)"
  if ! { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libeigen3-dev; } >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    echo "bonxai: failed to install libeigen3-dev" >&2
    exit 1
  fi
  rm -f "$log"
fi

# Up to date: built after its sources, this script and the Bonxai checkout's map source.
if [ -x "$OUT" ] && [ "$OUT" -nt "$HERE/bonxai_race.cpp" ] && [ "$OUT" -nt "$HERE/../common/occscan.hpp" ] && [ "$OUT" -nt "${BASH_SOURCE[0]}" ] && [ "$OUT" -nt "$dir/bonxai_map/src/probabilistic_map.cpp" ] && [ -z "$(find "$dir/bonxai_core" "$dir/bonxai_map/include" -newer "$OUT" -print -quit)" ]; then
  exit 0
fi

# Single-threaded, -O3 -march=native, as Bonxai's own benchmarks build it.
mkdir -p "$(dirname "$OUT")"
g++ -O3 -march=native -DNDEBUG -std=c++17 -I"$dir/bonxai_core/include" -I"$dir/bonxai_map/include" \
  "$HERE/bonxai_race.cpp" "$dir/bonxai_map/src/probabilistic_map.cpp" -o "$OUT"
