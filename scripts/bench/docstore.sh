#!/usr/bin/env bash
# Document store benchmarks for `make bench`: prints Markdown table rows
# | measure | command | Consign | baseline (same run) | ratio | goal |
# - upload through the REST API (multipart PUT over loopback, streamed to
#   local disk through SHA-256) against SHA-256 + storage/local Put of the
#   same stream in process (the least the node must do);
# - download through the REST API against storage/local Get;
# - heap growth while a 1 GiB document goes up and down through the API.
# Sizes: 256 MiB per transfer, 1 GiB for the heap row; CONSIGN_BENCH_QUICK=1
# uses 64 MiB for both. Each rate is the best of $RUNS runs.
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-3}
MIB=256
LARGE=1
if [[ "${CONSIGN_BENCH_QUICK:-}" == 1 ]]; then MIB=64; LARGE=0; fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
CONSIGN_BENCH_DOC_MIB=$MIB go test -run '^$' -bench 'BenchmarkDocuments' -benchtime 1x -count "$RUNS" ./web >"$tmp/bench.txt"
CONSIGN_TEST_LARGE=$LARGE go test -count=1 -run 'TestDocumentsLargeUpload$' -v ./web >"$tmp/large.txt"

# best NAME: the highest MB/s of benchmark NAME (exact sub-benchmark name).
best() { awk -v n="^BenchmarkDocuments/$1(-[0-9]+)?\$" '$1 ~ n { for (i = 2; i <= NF; i++) if ($(i+1) == "MB/s") print $i }' "$tmp/bench.txt" | sort -g | tail -1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f×", a / b }'; }
growth() { awk -v d="$1" '$0 ~ d" [0-9]+ MiB:" { for (i = 1; i <= NF; i++) if ($i == "growth") print $(i+1) }' "$tmp/large.txt" | head -1; }

u=$(best upload); ub=$(best upload-baseline)
echo "| document upload, REST multipart PUT of $MIB MiB to local disk (MB/s, best of $RUNS) | \`CONSIGN_BENCH_DOC_MIB=$MIB go test ./web -bench Documents/upload\` | $u MB/s | $ub MB/s (SHA-256 + storage/local Put, in process) | $(ratio "$u" "$ub") | ≥ 0.7× |"
d=$(best download); db=$(best download-baseline)
echo "| document download, REST GET of $MIB MiB from local disk (MB/s, best of $RUNS) | \`CONSIGN_BENCH_DOC_MIB=$MIB go test ./web -bench Documents/download\` | $d MB/s | $db MB/s (storage/local Get, in process) | $(ratio "$d" "$db") | ≥ 0.25× (loopback HTTP) |"
size=$([[ $LARGE == 1 ]] && echo "1 GiB" || echo "64 MiB")
echo "| heap growth, REST upload of $size (MiB) | \`CONSIGN_TEST_LARGE=$LARGE go test ./web -run TestDocumentsLargeUpload -v\` | $(growth upload) MiB | – | – | < 64 MiB |"
echo "| heap growth, REST download of $size (MiB) | same | $(growth download) MiB | – | – | < 64 MiB |"
