#!/usr/bin/env bash
# Web and credential benchmarks for `make bench`: prints Markdown table rows
# | measure | command | Consign | baseline (same run) | ratio | goal |
# - authenticated API request rate (Basic auth, cached credential check)
#   against the unauthenticated /healthz on the same server;
# - credential checks per second with the verification cache against a
#   full argon2id check (t=1, 64 MiB, 2 lanes) every time.
# Each figure is the best of $RUNS runs (the machine is shared).
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-3}
N=5000
[[ "${CONSIGN_BENCH_QUICK:-}" == 1 ]] && N=1000

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go test -run '^$' -bench 'BenchmarkRequest' -benchtime "${N}x" -count "$RUNS" ./web >"$tmp/web.txt"
go test -run '^$' -bench 'BenchmarkVerify' -count "$RUNS" ./internal/auth >"$tmp/auth.txt"

# best NAME FILE: the smallest ns/op of benchmark NAME.
best() { awk -v n="$1" '$1 ~ n { for (i = 2; i <= NF; i++) if ($(i+1) == "ns/op") print $i }' "$2" | sort -g | head -1; }
rate() { awk -v ns="$1" 'BEGIN { printf "%.0f", 1e9 / ns }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f×", b / a }'; }

a=$(best 'Request/authenticated' "$tmp/web.txt"); h=$(best 'Request/healthz' "$tmp/web.txt")
echo "| authenticated GET over loopback, 1 client (requests/s, best of $RUNS) | \`go test ./web -bench Request/authenticated\` | $(rate "$a")/s | $(rate "$h")/s (\`/healthz\`, no auth) | $(ratio "$a" "$h") | ≥ 0.8× |"
c=$(best 'Verify/cached' "$tmp/auth.txt"); g=$(best 'Verify/argon2id' "$tmp/auth.txt")
echo "| credential check, cached (checks/s, best of $RUNS) | \`go test ./internal/auth -bench Verify/cached\` | $(rate "$c")/s | $(rate "$g")/s (argon2id t=1 m=64MiB p=2 every time) | $(ratio "$c" "$g") | ≥ 100× |"
