#!/usr/bin/env bash
# Adds every public symbol the PublicApiAnalyzers report as undeclared (RS0016) to PublicAPI.Unshipped.txt.
# Run after adding public API on purpose; review the diff, since the file is the record of what we ship.
set -euo pipefail
cd "$(dirname "$0")/.."
for proj in src/*/; do
  file="$proj/PublicAPI.Unshipped.txt"
  [ -f "$file" ] || continue
  dotnet build "$proj" -c Release --no-incremental 2>&1 | grep -oP "error RS0016: Symbol '\K.*(?=' is not part of the declared public API)" | sort -u >> "$file" || true
  { head -n1 "$file"; tail -n +2 "$file" | sort -u; } > "$file.tmp" && mv "$file.tmp" "$file"
done
