#!/usr/bin/env bash
# Prepares a side-by-side scaling run of several commits on a many-core machine (scaling-intel-xeon-16core-2026-11-26.md, run 10):
#   bash benchmarks/scaling-builds.sh COMMIT...      (default: HEAD)
# writes .scaling/ (ignored by git): the self-contained runtime of the first commit's publish once (rt.tar.xz, ~27 MB),
# each commit's two assemblies (Occupancy.dll, Occupancy.Race.dll) in .scaling/<short hash>/, and .scaling/ab.sh, which
# on the target machine unpacks the runtime and runs `Occupancy.Race scaling 1 2 4 8 16` for each build in turn, twice.
# Copy the repository's .scaling/ to that machine and run `bash .scaling/ab.sh` from the repository's root.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
commits=("$@")
[ ${#commits[@]} -gt 0 ] || commits=(HEAD)
out="$root/.scaling"
rm -rf "$out" && mkdir -p "$out"
work="$(mktemp -d)"
trap 'for d in "$work"/wt-*; do git -C "$root" worktree remove --force "$d" >/dev/null 2>&1 || true; done; rm -rf "$work"' EXIT
builds=()
for c in "${commits[@]}"; do
  short="$(git rev-parse --short "$c")"
  git worktree add --detach "$work/wt-$short" "$c" >/dev/null
  dotnet publish "$work/wt-$short/benchmarks/Occupancy.Race" -c Release -r linux-x64 --self-contained -o "$work/pub-$short" -nologo -v quiet
  mkdir -p "$out/$short"
  cp "$work/pub-$short/Occupancy.dll" "$work/pub-$short/Occupancy.Race.dll" "$out/$short/"
  if [ ! -f "$out/rt.tar.xz" ]; then
    rm -f "$work/pub-$short"/*.pdb "$work/pub-$short"/*.xml
    mv "$work/pub-$short" "$work/rt" && tar -C "$work" -cJf "$out/rt.tar.xz" rt
  fi
  builds+=("$short")
done
cat > "$out/ab.sh" <<AB
#!/usr/bin/env bash
set -e
mkdir -p /tmp/scaling && tar -C /tmp/scaling -xJf .scaling/rt.tar.xz
lscpu | grep -E "Model name|^CPU\\(s\\)" || true
for pass in 1 2; do
  for b in ${builds[*]}; do
    cp .scaling/\$b/*.dll /tmp/scaling/rt/
    echo "== pass \$pass build \$b"
    (cd /tmp/scaling/rt && ./Occupancy.Race scaling 1 2 4 8 16)
  done
done
AB
echo "wrote $out: builds ${builds[*]}; run: bash .scaling/ab.sh"
