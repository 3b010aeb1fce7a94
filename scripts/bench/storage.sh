#!/usr/bin/env bash
# Storage rows for make bench: Consign's local, S3 and Azure Blob backends
# putting and getting one random file of 1 GiB (64 MiB with
# CONSIGN_BENCH_QUICK=1), each beside a baseline that moves the same file
# in the same run:
#   local  `cp SRC DST && sync DST` for put (Consign's put fsyncs too),
#          `cp STORED /dev/null` for get (both gets start from a cold page
#          cache: Consign's Put uses O_DIRECT, cp leaves its copy cached);
#   S3     the SDK's upload / download managers with default settings,
#          against the versitygw server of `make testenv`;
#   Azure  azblob's UploadStream (default settings) / DownloadStream,
#          against Azurite.
# Uploads read the file as a plain io.Reader; downloads discard the bytes,
# so they measure the store, not the local disk. Each side runs three
# times, interleaved, and the best is reported (the machine is shared).
# Each backend also reports how much the heap grew during Consign's put
# and get (sampled; the conformance suite asserts < 64 MiB).
# IPFS rows come from scripts/bench/ipfs.sh (storage/ipfs's own bench).
# Needs .testenv/env.sh sourced; a backend whose server is missing is
# reported as a row saying so.
set -euo pipefail
cd "$(dirname "$0")/../.."

mib=1024
[ "${CONSIGN_BENCH_QUICK:-}" = 1 ] && mib=64
work=$(mktemp -d /tmp/consign-bench-storage.XXXXXX)
trap 'rm -rf "$work"' EXIT

head -c $((mib << 20)) /dev/urandom >"$work/src"
go build -o "$work/storagebench" ./internal/cmd/storagebench

for backend in local s3 azure; do
	case $backend in
	s3) need=${CONSIGN_TEST_S3_ENDPOINT:-} ;;
	azure) need=${CONSIGN_TEST_AZURE_CONNSTR:-} ;;
	*) need=yes ;;
	esac
	if [ -z "$need" ]; then
		echo "| storage $backend put/get $mib MiB (MB/s) | \`scripts/bench/storage.sh\` | not run: server variables missing (source .testenv/env.sh) | – | – | ≥ 0.8× |"
		continue
	fi
	mkdir -p "$work/$backend"
	if ! "$work/storagebench" -backend "$backend" -src "$work/src" -work "$work/$backend" 2>"$work/$backend.err"; then
		echo "| storage $backend put/get $mib MiB (MB/s) | \`scripts/bench/storage.sh\` | failed: $(tr '\n|' ' /' <"$work/$backend.err" | cut -c1-200) | – | – | ≥ 0.8× |"
	fi
	rm -rf "${work:?}/$backend"
done
