#!/usr/bin/env bash
# The soak run: 10 000 frames (or $1) of the standard room from jittered poses through every integrator, integrators
# made and dropped freely, a reader querying all along; prints memory every 1 000 frames and fails if it grows after
# the room was seen once (limits in benchmarks/Occupancy.Race/Soak.cs). About 10 minutes on two cores.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dotnet run -c Release --project "$root/benchmarks/Occupancy.Race" -- soak "${1:-10000}"
