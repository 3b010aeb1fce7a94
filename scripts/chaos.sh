#!/usr/bin/env bash
# make chaos / make soak: drive `consign serve` nodes through faults on real
# servers and write a report (docs/reliability.md describes the scenarios).
#
# The faults (a Kafka broker SIGKILLed, the S3 server stopped) are injected
# into a private Kafka broker and S3 server that this script starts with the
# project's own scripts/testenv/up.sh under .testenv/chaos on ports shifted by
# CHAOS_PORT_OFFSET, so the shared servers of `make testenv` (and the other
# steps of `make test`) are never disturbed. The chain is the shared geth.
#
#   CHAOS_SHORT=1        the short run of make test (under 5 minutes)
#   CHAOS_ONLY=r1,r2     scenarios to run (r1 r2 r5 forged soak; default all)
#   DURATION=30m         soak duration (default 30m, 2m with CHAOS_SHORT=1)
#   CHAOS_REPORT=PATH    report path without extension (default .testenv/chaos/report)
#   CHAOS_PORT_OFFSET=N  port offset of the private servers (default 431)
#   CHAOS_KEEP=1         leave the private servers running afterwards
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
scripts/testenv/up.sh >/dev/null
# shellcheck disable=SC1091
. .testenv/env.sh

te=$root/.testenv/chaos
off=${CHAOS_PORT_OFFSET:-431}
private() { CONSIGN_TESTENV_DIR=$te CONSIGN_TESTENV_PORT_OFFSET=$off CONSIGN_TESTENV_STRICT=1 "$@"; }
private scripts/testenv/up.sh kafka s3 | grep -E '^(kafka|s3) '
if [ "${CHAOS_KEEP:-}" != 1 ]; then
  trap 'private scripts/testenv/down.sh >/dev/null 2>&1 || true' EXIT
fi

go build -ldflags "-X main.version=$(git describe --always --dirty 2>/dev/null || echo dev)" -o bin/consign ./cmd/consign
go build -o bin/consign-chaos ./cmd/consign-chaos

args=(-consign bin/consign -repo "$root" -testenv-dir "$te" -port-offset "$off"
  -kafka "127.0.0.1:$((19092 + off))" -s3 "http://127.0.0.1:$((17070 + off))"
  -out "${CHAOS_REPORT:-$te/report}" -only "${CHAOS_ONLY:-r1,r2,r5,forged,soak}")
[ "${CHAOS_SHORT:-}" = 1 ] && args+=(-short)
[ -n "${DURATION:-}" ] && args+=(-duration "$DURATION")
rc=0
bin/consign-chaos "${args[@]}" 2>"$te/driver.log" || rc=$?
cat "${CHAOS_REPORT:-$te/report}.md" 2>/dev/null || tail -40 "$te/driver.log"
echo
echo "report: ${CHAOS_REPORT:-$te/report}.json and .md; driver log: $te/driver.log; node logs under $te/run-*/"
exit $rc
