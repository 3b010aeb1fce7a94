#!/usr/bin/env bash
# Recompiles the Solidity contracts in chain/internal/contracts with the
# pinned solc-js and regenerates the Go bindings with the pinned abigen
# (--v2 bindings for accounts/abi/bind/v2). Both tools are installed into
# $CONSIGN_CACHE by scripts/testenv/install.sh if missing. The outputs
# (build/*.abi, build/*.bin and the *.go bindings) are committed, so
# `make dev` and `go build` never need Node or abigen.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=testenv/versions.sh
. "$root/scripts/testenv/versions.sh"
node_modules=$CONSIGN_CACHE/node/node_modules
if [ ! -f "$node_modules/solc/package.json" ] || [ ! -x "$TOOLS_BIN/abigen" ] \
   || ! grep -q "\"version\": \"$SOLC_VERSION\"" "$node_modules/solc/package.json"; then
  "$root/scripts/testenv/install.sh" node geth
fi
dir=$root/chain/internal/contracts
NODE_PATH=$node_modules node "$dir/compile.js"
for c in Registry Pin; do
  lower=$(echo "$c" | tr '[:upper:]' '[:lower:]')
  "$TOOLS_BIN/abigen" --v2 --abi "$dir/build/$c.abi" --bin "$dir/build/$c.bin" \
    --pkg contracts --type "$c" --out "$dir/${lower}.go"
done
echo "contracts: compiled with $(cat "$dir/build/VERSION"); bindings in chain/internal/contracts" >&2
