#!/usr/bin/env bash
# Brings each src project's PublicAPI.Unshipped.txt in line with its code: adds every public symbol the
# PublicApiAnalyzers report as undeclared (RS0016) and drops every declared one that no longer exists (RS0017).
# Only diagnostics of the project itself count (a build also compiles its dependencies). Run after changing public
# API on purpose; review the diff, since the file is the record of what we ship.
set -euo pipefail
cd "$(dirname "$0")/.."
for dir in src/*/; do
  file="${dir}PublicAPI.Unshipped.txt"
  [ -f "$file" ] || continue
  csproj=$(ls "$dir"*.csproj)
  tag="[$(cd "$(dirname "$csproj")" && pwd)/$(basename "$csproj")]"
  build() { dotnet build "$csproj" -c Release --no-incremental 2>&1 | grep -F "$tag" || true; }
  log=$(build)
  echo "$log" | grep -oP "error RS0017: Symbol '\K.*(?=' is part of the declared API)" | sort -u > /tmp/public-api-removed.txt || true
  if [ -s /tmp/public-api-removed.txt ]; then
    grep -vxF -f /tmp/public-api-removed.txt "$file" > "$file.tmp" || true
    mv "$file.tmp" "$file"
    log=$(build)
  fi
  echo "$log" | grep -oP "error RS0016: Symbol '\K.*(?=' is not part of the declared public API)" | sort -u >> "$file" || true
  { head -n1 "$file"; tail -n +2 "$file" | sort -u; } > "$file.tmp" && mv "$file.tmp" "$file"
done
