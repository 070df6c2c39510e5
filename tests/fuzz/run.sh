#!/usr/bin/env bash
# Fuzzes the file readers with afl++ through SharpFuzz, one reader after another.
#
# Usage: tests/fuzz/run.sh [SECONDS] [READERS...]
#   SECONDS   how long afl-fuzz runs on each reader (default 600)
#   READERS   any of occ bt ot graph ply xyz delta evidence ledger (default: all nine), fuzzed in that order, one
#             afl-fuzz at a time
# Environment:
#   FUZZ_OUT  output folder (default out/fuzz under the repository root; out/ is gitignored)
#   FUZZ_SEEKABLE_ONLY=1  read from seekable streams only (to fuzz past a known finding of the non-seekable path)
#
# What it does: builds tests/Occupancy.Fuzz in Release, copies the output to FUZZ_OUT/bin and instruments only
# Occupancy.dll there with the SharpFuzz CLI (installed as a global dotnet tool, 2.3.0, when `sharpfuzz` is missing),
# then runs `afl-fuzz -i tests/Occupancy.Fuzz/corpus/READER -o FUZZ_OUT/READER -t 10000 -m none -V SECONDS` on
# `dotnet FUZZ_OUT/bin/Occupancy.Fuzz.dll READER` (persistent mode; tests/fuzz/dict/READER.dict when there is one).
# A previous FUZZ_OUT/READER is moved to FUZZ_OUT/READER.prev first. Prints each reader's execs_done, exec/s,
# saved_crashes and saved_hangs (from FUZZ_OUT/READER/default/fuzzer_stats) and a summary; exits 1 when any reader
# had a crash or a hang. Inputs afl saved are in FUZZ_OUT/READER/default/{crashes,hangs}; reproduce one with
#   DOTNET_GCHeapHardLimit=0x80000000 dotnet FUZZ_OUT/bin/Occupancy.Fuzz.dll READER --replay FILE...
# (prints each read's outcome, and the exception and stack of a finding).
# The harness reads every input twice (a seekable stream, and a non-seekable one that gives 7 bytes a read; .occ inputs
# and fleet inputs also with their checksums made right); only InvalidDataException is expected of a reader, anything else is a crash.
# The target runs with a 2 GiB .NET heap limit. Needs afl++ (Debian: apt install afl++) and the .NET 10 SDK.
set -euo pipefail

seconds=${1:-600}
[[ $# -gt 0 ]] && shift
readers=("$@")
[[ ${#readers[@]} -eq 0 ]] && readers=(occ bt ot graph ply xyz delta evidence ledger)
if ! [[ $seconds =~ ^[0-9]+$ ]] || ((seconds < 1)); then
    echo "SECONDS must be a positive whole number, not '$seconds'" >&2
    exit 2
fi

for r in "${readers[@]}"; do
    case $r in
        occ | bt | ot | graph | ply | xyz | delta | evidence | ledger) ;;
        *) echo "unknown reader '$r' (occ bt ot graph ply xyz delta evidence ledger)" >&2; exit 2 ;;
    esac
done

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
out=${FUZZ_OUT:-$root/out/fuzz}
mkdir -p "$out"
out=$(cd "$out" && pwd)
project=$root/tests/Occupancy.Fuzz

command -v afl-fuzz >/dev/null || { echo "afl-fuzz not found (Debian: apt install afl++)" >&2; exit 2; }
export PATH=$PATH:$HOME/.dotnet/tools
if ! command -v sharpfuzz >/dev/null; then
    dotnet tool install --global SharpFuzz.CommandLine --version 2.3.0
fi

echo "== build (Release) and instrument Occupancy.dll"
dotnet build "$project/Occupancy.Fuzz.csproj" -c Release --nologo -v quiet
rm -rf "$out/bin"
cp -r "$project/bin/Release/net10.0" "$out/bin"
sharpfuzz "$out/bin/Occupancy.dll"

export AFL_SKIP_CPUFREQ=1                       # no CPU governor to set in containers and VMs
export AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1  # core_pattern may pipe cores elsewhere
export AFL_SKIP_BIN_CHECK=1                     # the target is `dotnet`; the instrumentation is in Occupancy.dll
export AFL_NO_AFFINITY=1                        # do not claim a core on a shared machine
export AFL_NO_UI=1
# A .NET heap limit of 2 GiB: an input that makes a reader allocate more gets an OutOfMemoryException (a crash, with
# the input saved) instead of the machine's OOM killer ending the target, and afl-fuzz with it.
export DOTNET_GCHeapHardLimit=0x80000000

field() { sed -n "s/^$2 *: *//p" "$1" | head -n 1; }

target_args=()
[[ ${FUZZ_SEEKABLE_ONLY:-0} == 1 ]] && target_args=(--seekable-only)

total_execs=0 total_crashes=0 total_hangs=0
summary=()
for r in "${readers[@]}"; do
    echo "== $r: afl-fuzz for $seconds s"
    if [[ -d $out/$r ]]; then
        rm -rf "$out/$r.prev"
        mv "$out/$r" "$out/$r.prev"
    fi

    dict=()
    [[ -f $root/tests/fuzz/dict/$r.dict ]] && dict=(-x "$root/tests/fuzz/dict/$r.dict")
    afl-fuzz -i "$project/corpus/$r" -o "$out/$r" -t 10000 -m none -V "$seconds" "${dict[@]}" \
        -- dotnet "$out/bin/Occupancy.Fuzz.dll" "$r" "${target_args[@]}" >"$out/$r.log" 2>&1 || {
        echo "afl-fuzz failed for $r; the end of $out/$r.log:" >&2
        tail -n 30 "$out/$r.log" >&2
        exit 1
    }

    stats=$out/$r/default/fuzzer_stats
    execs=$(field "$stats" execs_done)
    crashes=$(field "$stats" saved_crashes)
    hangs=$(field "$stats" saved_hangs)
    start=$(field "$stats" start_time)
    last=$(field "$stats" last_update)
    rate=$(awk -v e="$execs" -v t="$((last - start))" 'BEGIN { printf "%.0f", (t > 0 ? e / t : 0) }')
    line=$(printf '%-6s execs_done %10s  exec/s %6s  crashes %s  hangs %s' "$r" "$execs" "$rate" "$crashes" "$hangs")
    echo "$line"
    summary+=("$line")
    total_execs=$((total_execs + execs))
    total_crashes=$((total_crashes + crashes))
    total_hangs=$((total_hangs + hangs))
done

echo "== summary ($seconds s a reader; $out)"
printf '%s\n' "${summary[@]}"
echo "total  execs_done $total_execs  crashes $total_crashes  hangs $total_hangs"
((total_crashes == 0 && total_hangs == 0))
