#!/usr/bin/env bash
# Crypto benchmarks for `make bench`: prints Markdown table rows
# | measure | command | Consign | baseline (same run) | ratio | goal |
# Seal/open of 1 GiB of incompressible data (128 MiB with
# CONSIGN_BENCH_QUICK=1) against `openssl dgst -sha256` of the same file,
# peak RSS, and 1 KiB message seal+open rates, naive vs amortized.
# Each timing is the best of $RUNS interleaved runs (the machine is shared).
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${BIN:-$PWD/bin/consign}
RUNS=${RUNS:-3}
MIB=1024
[[ "${CONSIGN_BENCH_QUICK:-}" == 1 ]] && MIB=128
[[ -x "$BIN" ]] || { echo "crypto.sh: $BIN missing (make build)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/cryptobench" ./internal/cmd/cryptobench
"$BIN" keygen --cn bench-sender --alg p256 --key-out "$tmp/s.key" --cert-out "$tmp/s.crt"
"$BIN" keygen --cn bench-recipient --alg rsa2048 --key-out "$tmp/r.key" --cert-out "$tmp/r.crt"
head -c $((MIB << 20)) /dev/urandom > "$tmp/data"
"$BIN" seal --to "$tmp/r.crt" --sign "$tmp/s.key" --cert "$tmp/s.crt" "$tmp/data" "$tmp/data.env"

# measure NAME CMD...: appends "seconds maxrss_kb" of one run to $tmp/NAME.
measure() {
	local name=$1
	shift
	/usr/bin/time -f "%e %M %U %S" -o "$tmp/t" "$@" > /dev/null
	cat "$tmp/t" >> "$tmp/$name"
}
for _ in $(seq "$RUNS"); do
	measure openssl openssl dgst -sha256 "$tmp/data"
	measure seal "$BIN" seal --to "$tmp/r.crt" --sign "$tmp/s.key" --cert "$tmp/s.crt" "$tmp/data"
	measure open sh -c "'$BIN' open --key '$tmp/r.key' --from '$tmp/s.crt' '$tmp/data.env'"
done
measure version "$BIN" version
measure smallseal sh -c "'$tmp/cryptobench' seal -to '$tmp/r.crt' < '$tmp/data'"
measure smallopen sh -c "'$tmp/cryptobench' open -key '$tmp/r.key' < '$tmp/data.env'"

best() { sort -n "$tmp/$1" | head -1 | cut -d' ' -f1; }
maxrss() { sort -k2 -n "$tmp/$1" | tail -1 | cut -d' ' -f2; }
mbps() { awk -v s="$1" -v m="$MIB" 'BEGIN { printf "%.0f", m * 1.048576 / s }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f×", a / b }'; }
cpu() { sort -n "$tmp/$1" | head -1 | awk '{ printf "%.2f s", $3 + $4 }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }

o=$(best openssl); s=$(best seal); p=$(best open)
echo "| seal ${MIB} MiB incompressible, signed, to RSA-2048 (MB/s, best of $RUNS) | \`consign seal --to r.crt --sign s.key --cert s.crt data >/dev/null\` | $(mbps "$s") MB/s | $(mbps "$o") MB/s (\`openssl dgst -sha256 data\`) | $(ratio "$o" "$s") | ≥ 0.8× |"
echo "| open ${MIB} MiB, verify sender (MB/s, best of $RUNS) | \`consign open --key r.key --from s.crt data.env >/dev/null\` | $(mbps "$p") MB/s | $(mbps "$o") MB/s (\`openssl dgst -sha256 data\`) | $(ratio "$o" "$p") | ≥ 0.8× |"
echo "| CPU time (user+sys) of the fastest seal / open run | as above | $(cpu seal) / $(cpu open) | $(cpu openssl) (\`openssl dgst -sha256\`) | – | – |"
echo "| peak RSS, seal / open ${MIB} MiB (bin/consign) | as above | $(mib "$(maxrss seal)") / $(mib "$(maxrss open)") | $(mib "$(maxrss version)") (\`consign version\`: the binary's own floor) | – | ≤ 64 MiB |"
echo "| peak RSS, seal / open ${MIB} MiB (envelope code alone) | \`cryptobench seal\` / \`open\` (internal/cmd/cryptobench) | $(mib "$(maxrss smallseal)") / $(mib "$(maxrss smallopen)") | $(mib "$(maxrss openssl)") (\`openssl dgst\`) | – | ≤ 64 MiB |"

for alg in rsa2048 p256; do
	naive=$("$tmp/cryptobench" msgs -alg "$alg" -mode naive -dur 3s)
	amort=$("$tmp/cryptobench" msgs -alg "$alg" -mode amortized -dur 3s)
	label=RSA-2048; [[ $alg == p256 ]] && label=P-256
	echo "| 1 KiB message seal+open per second, $label sender and recipient | \`cryptobench msgs -alg $alg -mode amortized\` (session: one wrap + signature per epoch of 10000) | $amort/s | $naive/s (naive: signed envelope per message, sender verified) | $(ratio "$amort" "$naive") | amortized ≫ naive |"
done
