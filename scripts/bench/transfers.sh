#!/usr/bin/env bash
# Transfer benchmarks for `make bench`: prints Markdown table rows
# | measure | command | Consign | baseline (same run) | ratio | goal |
# - one document end to end over the real Kafka broker between two node
#   processes (the sender streams it from local disk through SHA-256,
#   zstd trial, AES-256-GCM and its signature into 256 KiB shards; the
#   receiver opens, verifies, stages and places it, and its receipt comes
#   back), from Send to the acknowledgement, against the raw transport
#   moving the same bytes unsealed as 256 KiB messages (produced four per
#   Send and consumed at the same time, in one process);
# - each node's peak resident set during the transfer.
# Size 1 GiB; CONSIGN_BENCH_QUICK=1 uses 128 MiB. Rates are the best of
# $RUNS runs (default 2), the RSS rows the largest.
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-2}
size="1 GiB"
if [[ "${CONSIGN_BENCH_QUICK:-}" == 1 ]]; then size="128 MiB"; fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go test -run '^$' -bench '^BenchmarkTransfers$' -benchtime 1x -count "$RUNS" ./docstore >"$tmp/bench.txt"

# metric UNIT AGG: the largest (AGG=max) value reported with UNIT.
metric() { awk -v u="$1" '$1 ~ /^BenchmarkTransfers/ { for (i = 2; i <= NF; i++) if ($(i+1) == u) print $i }' "$tmp/bench.txt" | sort -g | tail -1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f×", a / b }'; }
round() { awk -v a="$1" 'BEGIN { printf "%.0f", a }'; }

c=$(round "$(metric consign-MB/s)"); r=$(round "$(metric raw-MB/s)")
cmd="\`go test ./docstore -run '^\$' -bench BenchmarkTransfers -benchtime 1x\`"
echo "| document transfer end to end, $size over Kafka between two node processes, sealed and signed, to the receipt (MB/s, best of $RUNS) | $cmd | $c MB/s | $r MB/s (raw transport, same bytes unsealed in 256 KiB messages) | $(ratio "$c" "$r") | ≥ 250 MB/s |"
echo "| peak RSS of the sending node during a $size transfer (MiB) | same | $(round "$(metric sender-peak-RSS-MiB)") MiB | – | – | < 128 MiB |"
echo "| peak RSS of the receiving node during a $size transfer (MiB) | same | $(round "$(metric receiver-peak-RSS-MiB)") MiB | – | – | < 128 MiB |"
