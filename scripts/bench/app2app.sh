#!/usr/bin/env bash
# App-to-app messaging end to end over real Kafka, measured by
# internal/cmd/a2abench: a node (web server + app2app on
# Kafka, dev chain in process) with two members; a socket.io-client 4.x
# producer (member 1) and consumer (member 2), separate Node processes,
# websocket; 1 KiB messages between managed destinations.
#   Consign  = produce → delivery-report … data, signed and sealed
#              (crypto sessions), through the node's inbox topic;
#   baseline = raw franz-go in the same run: produce→consume throughput
#              from internal/cmd/messagingbench -impl raw, and
#              produce→poll latency at the same fixed rate (a2abench -mode raw).
# Each figure is the median of 3 runs (1 with CONSIGN_BENCH_QUICK=1, which
# also uses fewer messages). Prints Markdown rows:
# | measure | command | Consign | baseline (same run) | ratio | goal |
set -euo pipefail
cd "$(dirname "$0")/../.."
if [[ -z "${CONSIGN_TEST_KAFKA:-}" && -f .testenv/env.sh ]]; then
	# shellcheck disable=SC1091
	source .testenv/env.sh
fi
: "${CONSIGN_TEST_KAFKA:?Kafka is not running: run make testenv and source .testenv/env.sh}"
: "${CONSIGN_TEST_SIO4_MODULES:?socket.io-client 4.x is not installed: run scripts/testenv/install.sh}"

n=50000 rate=2000 latn=20000 runs=3
if [[ "${CONSIGN_BENCH_QUICK:-}" == 1 ]]; then
	n=10000 latn=4000 runs=1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
nice go build -o "$tmp/a2abench" ./internal/cmd/a2abench
nice go build -o "$tmp/benchcmd" ./internal/cmd/messagingbench
bench() { "$tmp/a2abench" -brokers "$CONSIGN_TEST_KAFKA" -modules "$CONSIGN_TEST_SIO4_MODULES" \
	-script internal/cmd/a2abench/client.js "$@"; }

# Output lines: <mode> <alg> <n> <seconds> <msgs/s> <p50 ms> <p99 ms>
for ((i = 0; i < runs; i++)); do
	bench -mode throughput -alg p256 -n "$n" >>"$tmp/p256.out"
	bench -mode throughput -alg rsa2048 -n "$n" >>"$tmp/rsa.out"
	"$tmp/benchcmd" -impl raw -n "$n" -brokers "$CONSIGN_TEST_KAFKA" >>"$tmp/raw.out" # msgs/s in column 4
	bench -mode latency -alg p256 -n "$latn" -rate "$rate" >>"$tmp/lat.out"
	bench -mode raw -n "$latn" -rate "$rate" >>"$tmp/rawlat.out"
done
median() { # FILE COLUMN
	awk -v c="$2" '{print $c}' "$1" | sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'
}
row() { # measure command consign baseline goal [lower-is-better]
	local ratio
	ratio=$(awk -v a="$3" -v b="$4" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')
	printf '| %s | `%s` | %s | %s | %s | %s |\n' "$1" "$2" "$3" "$4" "$ratio" "$5"
}
cmd="go run ./internal/cmd/a2abench"
raw=$(median "$tmp/raw.out" 4)
row "app2app: socket.io produce→data, managed P-256, 1 KiB, msgs/s" "$cmd -mode throughput -alg p256 -n $n" \
	"$(median "$tmp/p256.out" 5)" "$raw" "≥ 10,000 msg/s"
row "app2app: socket.io produce→data, managed RSA-2048, 1 KiB, msgs/s" "$cmd -mode throughput -alg rsa2048 -n $n" \
	"$(median "$tmp/rsa.out" 5)" "$raw" "≥ 2,000 msg/s"
row "app2app: p50 latency produce→data at $rate msg/s, P-256, ms" "$cmd -mode latency -rate $rate -n $latn" \
	"$(median "$tmp/lat.out" 6)" "$(median "$tmp/rawlat.out" 6)" "–"
row "app2app: p99 latency produce→data at $rate msg/s, P-256, ms" "$cmd -mode latency -rate $rate -n $latn" \
	"$(median "$tmp/lat.out" 7)" "$(median "$tmp/rawlat.out" 7)" "≤ 50 ms"
