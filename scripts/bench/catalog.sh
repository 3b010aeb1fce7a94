#!/usr/bin/env bash
# Document catalog rows for make bench: search by hash and by name, and
# browsing, in a store of 1,000,000 documents of 1 KiB (100,000 with
# CONSIGN_BENCH_QUICK=1), 100 folders of 10 sub-folders of 1,000, on
# local disk with SQLite. internal/cmd/catalogbench writes the files
# into the backend's folder and records their hashes through the
# catalog's bulk loader (Space.Record), then times 300 calls of each
# operation through the docstore API in process, p50 / p99, beside the
# query shapes the indexes replaced run on the same data (30 calls each:
# every one scans). It needs about 5 GB of scratch disk.
set -euo pipefail
cd "$(dirname "$0")/../.."
docs=1000000
[ "${CONSIGN_BENCH_QUICK:-}" = 1 ] && docs=100000
work=$(mktemp -d /tmp/consign-bench-catalog.XXXXXX)
trap 'rm -rf "$work"' EXIT
go build -o "$work/catalogbench" ./internal/cmd/catalogbench
load=$(cut -d' ' -f1 /proc/loadavg)
"$work/catalogbench" -docs "$docs" -work "$work/data" -requests 300 -baseline-requests 30 \
  -label "shared machine, load average $load at the start"
