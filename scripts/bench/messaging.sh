#!/usr/bin/env bash
# Messaging transport throughput: 1 KiB messages produced and consumed
# through a 4-partition topic, measured by internal/cmd/messagingbench.
#   Consign  = messaging/kafka Transport (sync Send batches, Consume with
#              commit after each handled message), or the embedded broker.
#   baseline = raw franz-go in the same run (async produce, acks=all,
#              idempotent; group consumer with autocommit) on the real Kafka.
# Each figure is the median of 3 runs. Prints Markdown rows:
# | measure | command | Consign | baseline (same run) | ratio | goal |
# CONSIGN_BENCH_QUICK=1 uses 20,000 messages instead of 200,000.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [[ -z "${CONSIGN_TEST_KAFKA:-}" && -f .testenv/env.sh ]]; then
	# shellcheck disable=SC1091
	source .testenv/env.sh
fi
: "${CONSIGN_TEST_KAFKA:?Kafka is not running: run make testenv and source .testenv/env.sh}"

n=200000
[[ "${CONSIGN_BENCH_QUICK:-}" == 1 ]] && n=20000

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
nice go build -o "$tmp/messagingbench" ./internal/cmd/messagingbench

# median IMPL FIELD: run 3 times, print the median of column FIELD
# (4 = msgs/s, 5 = MB/s) into $tmp/IMPL.FIELD.
run() {
	local impl=$1
	for i in 1 2 3; do
		"$tmp/messagingbench" -impl "$impl" -n "$n" -brokers "$CONSIGN_TEST_KAFKA" >>"$tmp/$impl.out"
	done
	for f in 4 5; do
		awk -v f="$f" '{print $f}' "$tmp/$impl.out" | sort -g | sed -n 2p >"$tmp/$impl.$f"
	done
}
run raw
run transport
run embedded

row() { # measure command consign baseline goal
	local ratio
	ratio=$(awk -v a="$3" -v b="$4" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')
	printf '| %s | `%s` | %s | %s | %s | %s |\n' "$1" "$2" "$3" "$4" "$ratio" "$5"
}
cmd="go run ./internal/cmd/messagingbench -n $n -impl"
row "messaging: Kafka transport produce→consume, 1 KiB msgs/s" "$cmd transport" \
	"$(cat "$tmp/transport.4")" "$(cat "$tmp/raw.4")" "≥ 0.8 × raw franz-go"
row "messaging: Kafka transport produce→consume, 1 KiB MB/s" "$cmd transport" \
	"$(cat "$tmp/transport.5")" "$(cat "$tmp/raw.5")" "≥ 0.8 × raw franz-go"
row "messaging: embedded broker (kfake, fsync) produce→consume, 1 KiB msgs/s" "$cmd embedded" \
	"$(cat "$tmp/embedded.4")" "$(cat "$tmp/raw.4")" "≥ 0.2 × raw franz-go on Kafka"
row "messaging: embedded broker (kfake, fsync) produce→consume, 1 KiB MB/s" "$cmd embedded" \
	"$(cat "$tmp/embedded.5")" "$(cat "$tmp/raw.5")" "≥ 0.2 × raw franz-go on Kafka"
