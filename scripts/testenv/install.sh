#!/usr/bin/env bash
# Installs, idempotently, every server and client the tests use, at the
# versions pinned in versions.sh, into $CONSIGN_CACHE (outside the clone).
# A tool is rebuilt only when its stamp file does not name the pinned version.
#
#   scripts/testenv/install.sh            # everything
#   scripts/testenv/install.sh geth kafka # just these
#   scripts/testenv/install.sh staticcheck govulncheck vulndb  # the lint tools
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=versions.sh
. "$here/versions.sh"
mkdir -p "$TOOLS_BIN" "$CONSIGN_CACHE/stamps" "$CONSIGN_CACHE/logs"
# One install at a time per cache: a second caller waits, then finds the
# stamps written and skips everything.
exec 8>"$CONSIGN_CACHE/install.lock"
flock -w 3600 8 || { printf '[install] another install.sh held %s for an hour\n' "$CONSIGN_CACHE/install.lock" >&2; exit 1; }

log() { printf '[install] %s\n' "$*" >&2; }
have() { [ -f "$CONSIGN_CACHE/stamps/$1" ] && [ "$(cat "$CONSIGN_CACHE/stamps/$1")" = "$2" ]; }
stamp() { echo "$2" > "$CONSIGN_CACHE/stamps/$1"; }
# run NAME CMD...: runs a step with its output in a log, shown only on
# failure, and says how long it took (the cold-install timings in docs/testenv.md).
run() {
  local name=$1; shift
  local logf="$CONSIGN_CACHE/logs/$name.log" t0=$SECONDS
  if ! "$@" >"$logf" 2>&1; then
    log "$name failed after $((SECONDS - t0)) s; last lines of $logf:"; tail -30 "$logf" >&2; return 1
  fi
  log "$name done in $((SECONDS - t0)) s"
}

install_versitygw() {
  have versitygw "$VERSITYGW_VERSION" && [ -x "$TOOLS_BIN/versitygw" ] && return 0
  log "building versitygw $VERSITYGW_VERSION (about 2 min cold)"
  GOBIN=$TOOLS_BIN run versitygw go install "github.com/versity/versitygw/cmd/versitygw@$VERSITYGW_VERSION"
  stamp versitygw "$VERSITYGW_VERSION"
}

install_geth() {
  have geth "$GETH_VERSION" && [ -x "$TOOLS_BIN/geth" ] && [ -x "$TOOLS_BIN/abigen" ] && return 0
  log "building geth and abigen $GETH_VERSION (about 4 min cold)"
  GOBIN=$TOOLS_BIN run geth go install "github.com/ethereum/go-ethereum/cmd/geth@$GETH_VERSION" "github.com/ethereum/go-ethereum/cmd/abigen@$GETH_VERSION"
  stamp geth "$GETH_VERSION"
}

install_kubo() {
  have kubo "$KUBO_VERSION" && [ -x "$TOOLS_BIN/ipfs" ] && return 0
  log "building kubo $KUBO_VERSION (about 5 min cold)"
  # go install pkg@version fails here (the proxy refuses the version list of
  # a dependency); a throwaway module that requires kubo at the exact version works.
  local d="$CONSIGN_CACHE/build/kubo"
  rm -rf "$d"; mkdir -p "$d"
  ( cd "$d" && run kubo-mod go mod init kubobuild && run kubo-get go get "github.com/ipfs/kubo/cmd/ipfs@$KUBO_VERSION" \
      && run kubo go build -o "$TOOLS_BIN/ipfs" github.com/ipfs/kubo/cmd/ipfs )
  stamp kubo "$KUBO_VERSION"
}

install_kafka() {
  local want="$KAFKA_SCALA-$KAFKA_VERSION"
  have kafka "$want" && [ -d "$CONSIGN_CACHE/kafka/libs" ] && return 0
  log "fetching Apache Kafka $KAFKA_VERSION jars from Maven Central"
  local d="$CONSIGN_CACHE/kafka"
  rm -rf "$d"; mkdir -p "$d"
  cat > "$d/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>consign.testenv</groupId><artifactId>kafka-broker</artifactId><version>1</version>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_$KAFKA_SCALA</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-reload4j</artifactId><version>1.7.36</version></dependency>
  </dependencies>
</project>
POM
  ( cd "$d" && run kafka mvn -q -B dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$d/libs" )
  stamp kafka "$want"
}

install_node() {
  local want="azurite@$AZURITE_VERSION solc@$SOLC_VERSION playwright-core@$PLAYWRIGHT_CORE_VERSION node-forge@$NODE_FORGE_VERSION axios@$AXIOS_VERSION form-data@$FORM_DATA_VERSION sio4@$SOCKETIO_CLIENT4_VERSION sio2@$SOCKETIO_CLIENT2_VERSION"
  have node "$want" && [ -d "$CONSIGN_CACHE/node/node_modules/azurite" ] && return 0
  log "installing Node packages (azurite, solc, playwright-core, node-forge, axios, form-data, socket.io-client 2 and 4)"
  local d="$CONSIGN_CACHE/node"
  mkdir -p "$d" "$d/sio2" "$d/sio4"
  ( cd "$d" && [ -f package.json ] || echo '{"name":"consign-testenv","private":true}' > "$d/package.json" )
  ( cd "$d" && run node-main npm install --no-audit --no-fund --loglevel=error \
      "azurite@$AZURITE_VERSION" "solc@$SOLC_VERSION" "playwright-core@$PLAYWRIGHT_CORE_VERSION" "node-forge@$NODE_FORGE_VERSION" \
      "axios@$AXIOS_VERSION" "form-data@$FORM_DATA_VERSION" )
  # The two socket.io-client generations live in separate folders so each
  # script picks its generation by NODE_PATH.
  ( cd "$d/sio2" && { [ -f package.json ] || echo '{"name":"sio2","private":true}' > package.json; } \
      && run node-sio2 npm install --no-audit --no-fund --loglevel=error "socket.io-client@$SOCKETIO_CLIENT2_VERSION" "node-forge@$NODE_FORGE_VERSION" )
  ( cd "$d/sio4" && { [ -f package.json ] || echo '{"name":"sio4","private":true}' > package.json; } \
      && run node-sio4 npm install --no-audit --no-fund --loglevel=error "socket.io-client@$SOCKETIO_CLIENT4_VERSION" "node-forge@$NODE_FORGE_VERSION" )
  stamp node "$want"
}

# npm_alone NAME PACKAGE VERSION FILE: installs one npm package in a
# folder of its own (node/NAME), so adding or bumping it never reinstalls
# the other Node packages; FILE, inside the package, shows it is there.
npm_alone() {
  local name=$1 pkg=$2 version=$3 file=$4 d="$CONSIGN_CACHE/node/$1"
  have "$name" "$pkg@$version" && [ -f "$d/node_modules/$pkg/$file" ] && return 0
  log "installing $pkg $version"
  mkdir -p "$d"
  ( cd "$d" && { [ -f package.json ] || echo "{\"name\":\"consign-$name\",\"private\":true}" > package.json; } \
      && run "node-$name" npm install --no-audit --no-fund --loglevel=error "$pkg@$version" )
  stamp "$name" "$pkg@$version"
}

# axe-core, the accessibility checker.
install_axe() { npm_alone axe axe-core "$AXE_CORE_VERSION" axe.min.js; }

# puppeteer-core, which drives Firefox. PUPPETEER_SKIP_DOWNLOAD: the tests
# drive Debian's firefox-esr, never a downloaded browser (puppeteer-core
# downloads none anyway; this keeps it so).
install_puppeteer() { PUPPETEER_SKIP_DOWNLOAD=1 npm_alone puppeteer puppeteer-core "$PUPPETEER_CORE_VERSION" package.json; }

# apt_install NAME PACKAGE: installs a Debian package (as root, or with
# sudo). The browsers install side by side; apt takes one at a time.
apt_install() {
  local sudo=()
  [ "$(id -u)" = 0 ] || sudo=(sudo)
  (
    flock -w 1800 9 || { log "apt: waited half an hour for $CONSIGN_CACHE/apt.lock"; exit 1; }
    run "$1-apt-update" "${sudo[@]}" apt-get update
    DEBIAN_FRONTEND=noninteractive run "$1" "${sudo[@]}" apt-get install -y --no-install-recommends "$2"
  ) 9>"$CONSIGN_CACHE/apt.lock"
}

install_chromium() {
  command -v chromium >/dev/null 2>&1 && return 0
  log "installing Debian's chromium"
  apt_install chromium chromium
}

install_firefox() {
  command -v firefox-esr >/dev/null 2>&1 && return 0
  log "installing Debian's firefox-esr"
  apt_install firefox firefox-esr
}

install_staticcheck() {
  have staticcheck "$STATICCHECK_VERSION" && [ -x "$TOOLS_BIN/staticcheck" ] && return 0
  log "building staticcheck $STATICCHECK_VERSION (about 30 s cold)"
  ( cd "$CONSIGN_CACHE" && GOBIN=$TOOLS_BIN run staticcheck go install "honnef.co/go/tools/cmd/staticcheck@$STATICCHECK_VERSION" )
  stamp staticcheck "$STATICCHECK_VERSION"
}

install_govulncheck() {
  have govulncheck "$GOVULNCHECK_VERSION" && [ -x "$TOOLS_BIN/govulncheck" ] && return 0
  log "building govulncheck $GOVULNCHECK_VERSION (about 10 s cold)"
  ( cd "$CONSIGN_CACHE" && GOBIN=$TOOLS_BIN run govulncheck go install "golang.org/x/vuln/cmd/govulncheck@$GOVULNCHECK_VERSION" )
  stamp govulncheck "$GOVULNCHECK_VERSION"
}

# The vulnerability database, offline: the module proxy serves
# golang.org/x/vulndb like any module; its data/osv folder holds one OSV
# record per vulnerability, and its cmd/indexdb writes them in the v1
# layout (index/db.json, index/modules.json, index/vulns.json, ID/*.json)
# that govulncheck -db file://DIR reads.
install_vulndb() {
  have vulndb "$VULNDB_VERSION" && [ -f "$CONSIGN_CACHE/vulndb/index/modules.json" ] && return 0
  log "building the vulnerability database from golang.org/x/vulndb $VULNDB_VERSION (about 90 s cold)"
  local src
  ( cd "$CONSIGN_CACHE" && GOBIN=$TOOLS_BIN run vulndb-indexdb go install "golang.org/x/vulndb/cmd/indexdb@$VULNDB_VERSION" )
  src=$(cd "$CONSIGN_CACHE" && go mod download -json "golang.org/x/vulndb@$VULNDB_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  [ -d "$src/data/osv" ] || { log "golang.org/x/vulndb@$VULNDB_VERSION has no data/osv"; return 1; }
  rm -rf "$CONSIGN_CACHE/vulndb.new"
  run vulndb "$TOOLS_BIN/indexdb" -vulns "$src/data/osv" -out "$CONSIGN_CACHE/vulndb.new"
  rm -rf "$CONSIGN_CACHE/vulndb" && mv "$CONSIGN_CACHE/vulndb.new" "$CONSIGN_CACHE/vulndb"
  stamp vulndb "$VULNDB_VERSION"
}

# The lint tools are not in the default set: scripts/lint.sh asks for them.
all=(node axe puppeteer kafka chromium firefox versitygw geth kubo)
want=("$@"); [ ${#want[@]} -gt 0 ] || want=("${all[@]}")
# Network-bound installs run beside the CPU-bound Go builds; the Go builds
# run one after another (each uses every core).
pids=()
for t in "${want[@]}"; do
  case $t in
    node|axe|puppeteer|kafka|chromium|firefox) "install_$t" & pids+=($!) ;;
  esac
done
rc=0
for t in "${want[@]}"; do
  case $t in
    versitygw|geth|kubo|staticcheck|govulncheck|vulndb) "install_$t" || rc=1 ;;
    node|axe|puppeteer|kafka|chromium|firefox) ;;
    *) log "unknown tool $t (known: ${all[*]} staticcheck govulncheck vulndb)"; rc=1 ;;
  esac
done
for p in "${pids[@]}"; do wait "$p" || rc=1; done
[ $rc = 0 ] && log "all tools present in $CONSIGN_CACHE"
exit $rc
