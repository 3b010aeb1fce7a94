#!/usr/bin/env bash
# Chain benchmarks on geth --dev (started by `make testenv`): registry
# certificate lookups per second with and without the event-driven cache,
# and pins per second in batches versus one pin per transaction. Prints
# Markdown table rows:
#   | measure | command | Consign | baseline (same run) | ratio | goal |
# CONSIGN_BENCH_QUICK=1 uses smaller counts.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
: "${CONSIGN_TEST_ETH_RPC:?source .testenv/env.sh first (make testenv)}"
: "${CONSIGN_TEST_ETH_KEY:?source .testenv/env.sh first (make testenv)}"
args=(chain bench --rpc "$CONSIGN_TEST_ETH_RPC" --key-env CONSIGN_TEST_ETH_KEY)
[ "${CONSIGN_BENCH_QUICK:-}" = 1 ] && args+=(--quick)
exec "$root/bin/consign" "${args[@]}"
