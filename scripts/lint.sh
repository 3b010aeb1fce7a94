#!/usr/bin/env bash
# make lint: gofmt, go mod tidy, go vet, staticcheck and govulncheck, at the versions
# pinned in scripts/testenv/versions.sh, built (once, cached) into
# $CONSIGN_CACHE by scripts/testenv/install.sh. Runs offline once cached:
# govulncheck reads a database built from the pinned golang.org/x/vulndb
# module, never the network.
#
# CONSIGN_VULN_STDLIB=fail|warn (default warn): what a vulnerability that
# only a newer Go toolchain fixes does. One in a required module always fails.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=testenv/versions.sh
. scripts/testenv/versions.sh
start=$SECONDS
step() { printf -- '-- %s (%ss)\n' "$*" "$((SECONDS - start))"; }

scripts/testenv/install.sh staticcheck govulncheck vulndb

step gofmt
unformatted=$(gofmt -l $(git ls-files '*.go'))
if [ -n "$unformatted" ]; then echo "gofmt would change:"; echo "$unformatted"; exit 1; fi

step "go mod tidy -diff"
if ! tidy=$(go mod tidy -diff 2>&1); then
  echo "go.mod or go.sum is not tidy; run go mod tidy. It would change:"; echo "$tidy"; exit 1
fi

step "go vet"
go vet ./...

step "staticcheck $STATICCHECK_VERSION (checks: staticcheck.conf)"
"$TOOLS_BIN/staticcheck" ./...

step "govulncheck $GOVULNCHECK_VERSION, database golang.org/x/vulndb $VULNDB_VERSION"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
# govulncheck -format json exits 0 whatever it finds; vulnreport judges.
"$TOOLS_BIN/govulncheck" -db "file://$CONSIGN_CACHE/vulndb" -format json ./... >"$out"
go run scripts/lint/vulnreport.go -stdlib="${CONSIGN_VULN_STDLIB:-warn}" <"$out"

step "lint clean"
