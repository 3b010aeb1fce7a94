#!/usr/bin/env bash
# Runs every fuzz target in the module for a short time each.
#   FUZZTIME=10s scripts/fuzz.sh            # all targets (default 8s each)
#   scripts/fuzz.sh ./crypto FuzzOpen       # one target, e.g. for a long local run
# Targets are found by their declaration (func FuzzXxx(f *testing.F)) so a
# new target is picked up without editing this script. New crashers land in
# the package's testdata/fuzz/ folder: commit them as regression cases.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime=${FUZZTIME:-8s}
if [ $# -eq 2 ]; then
  exec go test -run '^$' -fuzz "^$2\$" -fuzztime "$fuzztime" "$1"
fi
n=0
while IFS=: read -r file name; do
  dir=./$(dirname "$file")
  printf 'fuzz %-28s %s\n' "$name" "$dir"
  if ! go test -run '^$' -fuzz "^$name\$" -fuzztime "$fuzztime" -parallel 2 "$dir" >.testenv/fuzz-last.log 2>&1; then
    cat .testenv/fuzz-last.log
    echo "fuzz target $name in $dir failed"; exit 1
  fi
  n=$((n + 1))
done < <(git ls-files '*_test.go' | xargs grep -oE '^func (Fuzz[A-Za-z0-9_]+)\(f \*testing\.F\)' | sed -E 's/func (Fuzz[A-Za-z0-9_]+).*/\1/' | sort -u)
echo "fuzzed $n targets for $fuzztime each"
