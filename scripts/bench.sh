#!/usr/bin/env bash
# make bench: measures Consign against baselines taken in the same run and
# writes BENCHMARKS.md. Each executable scripts/bench/<area>.sh prints
# Markdown table rows:
#   | measure | command | Consign | baseline (same run) | ratio | goal |
# CONSIGN_BENCH_QUICK=1 asks the scripts for smaller sizes (a smoke run;
# its figures are marked as such and are not the published ones).
#   scripts/bench.sh               # every area, writes BENCHMARKS.md
#   scripts/bench.sh crypto chain  # just these areas, printed, file untouched
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/testenv/up.sh >/dev/null
# shellcheck disable=SC1091
. .testenv/env.sh
[ -x bin/consign ] || make build >/dev/null

areas=("$@")
if [ ${#areas[@]} -eq 0 ]; then
  for f in scripts/bench/*.sh; do [ -x "$f" ] && areas+=("$(basename "$f" .sh)"); done
  out=BENCHMARKS.md
else
  out=/dev/stdout
fi

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
mem=$(awk '/MemTotal/ {printf "%.0f GiB", $2/1024/1024}' /proc/meminfo)
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
{
  echo "# Benchmarks"
  echo
  echo "Written by \`make bench\` (scripts/bench.sh); do not edit by hand."
  echo "Each row's baseline was measured in the same run on the same machine;"
  echo "ratio = Consign / baseline for rates (higher is better) unless the row says otherwise."
  echo
  echo "- machine: $(nproc) cores, $cpu, $mem"
  echo "- $(go version | cut -d' ' -f3-4), $(uname -sr)"
  echo "- run: $(date -u +%Y-%m-%dT%H:%MZ)${CONSIGN_BENCH_QUICK:+ (quick mode: reduced sizes)}"
  echo
  for a in "${areas[@]}"; do
    s=scripts/bench/$a.sh
    [ -x "$s" ] || { echo "no such bench area: $a" >&2; exit 2; }
    echo "## $a"
    echo
    echo "| measure | command | Consign | baseline (same run) | ratio | goal |"
    echo "|---|---|---|---|---|---|"
    if ! "$s"; then echo "| $a bench failed | \`$s\` | – | – | – | – |"; fi
    echo
  done
} >"$tmp"
cat "$tmp" >"$out"
[ "$out" = BENCHMARKS.md ] && echo "wrote BENCHMARKS.md"
