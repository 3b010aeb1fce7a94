#!/usr/bin/env bash
# socket.io fan-out, measured by internal/cmd/siobench: one event to every
# one of 100, 1,000 and 10,000 connected socket.io-client 4.x websocket
# clients (namespace /api/v1, on 127.0.0.1, spread over several Node
# processes), events delivered per second and the server's RSS per idle
# connection.
#   Consign  = web.Server: Basic auth per connection, document events via
#              EmitToMember (the member's room on both namespaces),
#              per-connection send queues, the siows.WebSocket transport;
#   baseline = the socket.io library's own server in the same run
#              (github.com/zishang520/socket.io at go.mod's version, a bare namespace
#              emit to the same clients, no Consign logic; behind
#              siows.Handler, without which 10,000 clients never all
#              connect: the library drops a fast client's namespace CONNECT).
# Each figure is one run per size (CONSIGN_BENCH_QUICK=1: 100 and 1,000
# clients only). Prints Markdown rows:
# | measure | command | Consign | baseline (same run) | ratio | goal |
set -euo pipefail
cd "$(dirname "$0")/../.."
if [[ -z "${CONSIGN_TEST_SIO4_MODULES:-}" && -f .testenv/env.sh ]]; then
	# shellcheck disable=SC1091
	source .testenv/env.sh
fi
: "${CONSIGN_TEST_SIO4_MODULES:?socket.io-client 4.x is not installed: run scripts/testenv/install.sh}"
# 10,000 clients hold 10,000 descriptors in the server and as many in the
# client processes: raise the soft limit as far as the hard one allows.
ulimit -n "$(ulimit -Hn)"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
nice go build -o "$tmp/siobench" ./internal/cmd/siobench

# clients events round procs
sizes=("100 2000 100 1" "1000 200 50 2" "10000 20 10 10")
if [[ "${CONSIGN_BENCH_QUICK:-}" == 1 ]]; then
	sizes=("100 1000 100 1" "1000 100 50 2")
fi
row() { # measure command consign baseline goal
	local ratio
	ratio=$(awk -v a="$3" -v b="$4" 'BEGIN { if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && b > 0) printf "%.2f", a / b; else print "n/a" }')
	printf '| %s | `%s` | %s | %s | %s | %s |\n' "$1" "$2" "$3" "$4" "$ratio" "$5"
}
# Output: <server> <clients> <events> <seconds> <deliveries/s> <RSS KiB per idle connection>
for s in "${sizes[@]}"; do
	read -r n ev round procs <<<"$s"
	args=(-clients "$n" -events "$ev" -round "$round" -procs "$procs" -modules "$CONSIGN_TEST_SIO4_MODULES" -script internal/cmd/siobench/client.js)
	cmd="go run ./internal/cmd/siobench -clients $n -events $ev -round $round -procs $procs"
	# A size that does not complete in 10 minutes gets a row saying so.
	if ! c=$(timeout 600 "$tmp/siobench" -server consign "${args[@]}" 2>"$tmp/err"); then
		echo "siobench consign $n: $(tail -3 "$tmp/err")" >&2
		c="consign $n $ev – failed failed"
	fi
	if ! b=$(timeout 600 "$tmp/siobench" -server bare "${args[@]}" 2>"$tmp/err"); then
		echo "siobench bare $n: $(tail -3 "$tmp/err")" >&2
		b="bare $n $ev – failed failed"
	fi
	goal="≥ 0.8× bare"
	((n == 100)) && goal="≥ 40,000 events/s and ≥ 0.8× bare"
	row "socket.io fan-out: one event to $n websocket v4 clients, events delivered/s" "$cmd" \
		"$(awk '{print $5}' <<<"$c")" "$(awk '{print $5}' <<<"$b")" "$goal"
	row "socket.io: server RSS per idle connection, $n clients, KiB (lower is better)" "$cmd" \
		"$(awk '{print $6}' <<<"$c")" "$(awk '{print $6}' <<<"$b")" "≤ 64 KiB"
done
