#!/usr/bin/env bash
# IPFS storage rows for make bench: Consign's IPFS backend (embedded mode,
# and Kubo mode through the test node's RPC API) putting and getting one
# random file, against Kubo's own `ipfs add` / `ipfs cat` of a file of the
# same size on the same node in the same run. 1 GiB, or 64 MiB with
# CONSIGN_BENCH_QUICK=1. Needs .testenv/env.sh sourced (CONSIGN_TEST_IPFS_*).
#
# Fairness: baseline and Kubo mode use different random files of equal size,
# so neither benefits from blocks the other already stored. Embedded mode
# stores the baseline's file in its own fresh directory, so its CID can be
# compared with the one `ipfs add` printed. Content is added unpinned (or
# released after the run): the node's next `ipfs repo gc` reclaims it.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${CONSIGN_TEST_IPFS_API:?source .testenv/env.sh first}"
: "${CONSIGN_TEST_IPFS_BIN:?}" "${CONSIGN_TEST_IPFS_PATH:?}"

mib=1024
[ "${CONSIGN_BENCH_QUICK:-}" = 1 ] && mib=64
work=$(mktemp -d /tmp/consign-bench-ipfs.XXXXXX)
trap 'rm -rf "$work"' EXIT
ipfs() { env IPFS_PATH="$CONSIGN_TEST_IPFS_PATH" IPFS_TELEMETRY=off "$CONSIGN_TEST_IPFS_BIN" "$@"; }
now() { date +%s.%N; }
rate() { awk -v b="$1" -v s="$2" 'BEGIN { printf "%.1f", b / 1e6 / s }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f×", a / b; else print "–" }'; }

head -c $((mib << 20)) /dev/urandom >"$work/a"
head -c $((mib << 20)) /dev/urandom >"$work/b"
bytes=$((mib << 20))
flags="--cid-version=1 --raw-leaves=true --chunker=size-262144 --trickle=false --hash=sha2-256"

# Baseline: Kubo's own CLI against the running daemon.
t0=$(now)
# shellcheck disable=SC2086
base_cid=$(ipfs add -Q --pin=false $flags "$work/a")
t1=$(now)
ipfs cat "$base_cid" >/dev/null
t2=$(now)
base_put=$(rate "$bytes" "$(echo "$t1 - $t0" | bc)")
base_get=$(rate "$bytes" "$(echo "$t2 - $t1" | bc)")

go build -o "$work/ipfsbench" ./internal/cmd/ipfsbench
emb=$("$work/ipfsbench" -mode embedded -in "$work/a" -dir "$work/embedded")
kubo=$("$work/ipfsbench" -mode kubo -api "$CONSIGN_TEST_IPFS_API" -in "$work/b" -dir "$work/kubo")
field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }
fmt1() { awk -v x="$1" 'BEGIN { printf "%.1f", x }'; }

e_put=$(fmt1 "$(field "$emb" put_mbps)"); e_get=$(fmt1 "$(field "$emb" get_mbps)")
k_put=$(fmt1 "$(field "$kubo" put_mbps)"); k_get=$(fmt1 "$(field "$kubo" get_mbps)")
e_cid=$(field "$emb" cid)
same=no; [ "$e_cid" = "$base_cid" ] && same=yes

echo "| IPFS embedded put $mib MiB (MB/s) | \`ipfs.Embedded.Put\` vs \`ipfs add $flags\` | $e_put | $base_put | $(ratio "$e_put" "$base_put") | ≥ 0.8× |"
echo "| IPFS embedded get $mib MiB (MB/s) | \`ipfs.Embedded.Get\` vs \`ipfs cat\` | $e_get | $base_get | $(ratio "$e_get" "$base_get") | ≥ 0.8× |"
echo "| IPFS Kubo-mode put $mib MiB (MB/s) | \`ipfs.Kubo.Put\` (RPC add + MFS ref) vs \`ipfs add\` | $k_put | $base_put | $(ratio "$k_put" "$base_put") | ≥ 0.9× |"
echo "| IPFS Kubo-mode get $mib MiB (MB/s) | \`ipfs.Kubo.Get\` (RPC cat) vs \`ipfs cat\` | $k_get | $base_get | $(ratio "$k_get" "$base_get") | ≥ 0.9× |"
echo "| IPFS embedded heap growth, put / get $mib MiB (MiB) | \`ipfsbench -mode embedded\` | $(fmt1 "$(field "$emb" put_heap_growth_mib)") / $(fmt1 "$(field "$emb" get_heap_growth_mib)") | limit 64 | – | < 64 |"
echo "| IPFS CID equals \`ipfs add\`'s | embedded CID vs \`ipfs add $flags\` | \`$e_cid\` | \`$base_cid\` | $same | yes |"
