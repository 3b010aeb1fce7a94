#!/usr/bin/env bash
# Starts the real servers the tests use, all on 127.0.0.1, and writes
# .testenv/env.sh with their CONSIGN_TEST_* addresses.
#
#   scripts/testenv/up.sh          # install (cached), start or reuse, write env.sh
#   scripts/testenv/up.sh kafka s3 # only these (kafka s3 azurite ipfs geth)
#   source .testenv/env.sh && go test ./storage/...
#   scripts/testenv/down.sh        # stop exactly what this started
#
# Every server gets a pid file in .testenv/pids/, its data in
# .testenv/data/<name>/ and its output in .testenv/logs/<name>.log (all
# inside the git-ignored .testenv/). A server whose pid is alive and whose
# port answers is reused, so running this twice is cheap. A server that does
# not become ready in time makes the script fail with the tail of its log.
# Nothing is ever killed by name: down.sh kills only the recorded PIDs.
set -euo pipefail
t_start=$(date +%s%N)
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=versions.sh
. "$here/versions.sh"

# CONSIGN_TESTENV_DIR and CONSIGN_TESTENV_PORT_OFFSET let a second, private
# set of servers run beside the shared one (say, to time a cold start
# without disturbing other people's tests). Leave them unset normally.
TE=${CONSIGN_TESTENV_DIR:-$root/.testenv}
off=${CONSIGN_TESTENV_PORT_OFFSET:-0}
PIDS=$TE/pids DATA=$TE/data LOGS=$TE/logs
mkdir -p "$PIDS" "$DATA" "$LOGS"

# Two up.sh runs at once (two `make test` in one clone) would start every
# server twice; the second waits here and then reuses what the first started.
exec 9>"$TE/up.lock"
if ! flock -w 600 9; then
  echo "up.sh: another up.sh has held $TE/up.lock for 10 minutes" >&2
  exit 1
fi

# Fixed addresses: shared by every test and helper, never change them here alone.
HOST=127.0.0.1
KAFKA_PORT=$((19092 + off)) KAFKA_CONTROLLER_PORT=$((19093 + off))
S3_PORT=$((17070 + off)) S3_ACCESS_KEY=consigntest S3_SECRET_KEY=consigntest-secret S3_REGION=us-east-1
AZURITE_PORT=$((10000 + off))
IPFS_API_PORT=$((15001 + off)) IPFS_GATEWAY_PORT=$((18081 + off))
ETH_PORT=$((18545 + off)) ETH_AUTH_PORT=$((18551 + off))
# A fixed, well-known test key (never use it anywhere real). Its address is
# 0xDd7a9340326c915da6257c860D030B552Ee85C19; up.sh funds it with 1000 ETH
# from geth's unlocked dev account after every fresh geth start.
ETH_KEY=72c9dc3ddf436434fb111e84a7433333ef705cd5cccf46d2e0204c120ba88d1d
ETH_ADDR=0xDd7a9340326c915da6257c860D030B552Ee85C19
ETH_FUND_WEI=0x3635c9adc5dea00000 # 1000 ETH
# Kafka's cluster id: 16 bytes ("ConsignTestEnv01") in unpadded base64url.
KAFKA_CLUSTER_ID=Q29uc2lnblRlc3RFbnYwMQ
# The well-known Azurite development account.
AZURE_ACCOUNT=devstoreaccount1
AZURE_KEY='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='
CHROMIUM=${CONSIGN_CHROMIUM:-/usr/bin/chromium}
FIREFOX=${CONSIGN_FIREFOX:-/usr/bin/firefox-esr}
NODE_DIR=$CONSIGN_CACHE/node
KAFKA_LIBS=$CONSIGN_CACHE/kafka/libs

say() { printf 'up: %s\n' "$*" >&2; }
die() { printf 'up: FAILED: %s\n' "$*" >&2; exit 1; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
secs() { awk -v ms="$1" 'BEGIN { printf "%.1f", ms / 1000 }'; }

# ---------------------------------------------------------------- tools
# install.sh skips every tool whose stamp names the pinned version; on a
# warm cache it takes well under a second.
all_servers=(kafka s3 azurite ipfs geth)
declare -A tool_of=([kafka]=kafka [s3]=versitygw [azurite]=node [ipfs]=kubo [geth]=geth)
if [ $# -gt 0 ]; then
  servers=("$@")
  tools=()
  for s in "${servers[@]}"; do
    [ -n "${tool_of[$s]:-}" ] || die "unknown server $s (known: ${all_servers[*]})"
    tools+=("${tool_of[$s]}")
  done
else
  servers=("${all_servers[@]}")
  tools=() # install.sh with no arguments: every tool, Node clients and the browsers included
fi
wanted() { local x; for x in "${servers[@]}"; do [ "$x" = "$1" ] && return 0; done; return 1; }

t=$(now_ms)
if [ "${CONSIGN_TESTENV_NO_INSTALL:-0}" != 1 ]; then
  "$here/install.sh" "${tools[@]}" 2> >(grep -v 'all tools present' >&2) || die "install.sh failed (see messages above)"
fi
install_ms=$(( $(now_ms) - t ))
[ -x "$CHROMIUM" ] || die "chromium not found at $CHROMIUM (install.sh installs Debian's chromium)"
[ -x "$FIREFOX" ] || die "firefox not found at $FIREFOX (install.sh installs Debian's firefox-esr)"

# ---------------------------------------------------------------- helpers
pid_of() { [ -f "$PIDS/$1.pid" ] && cat "$PIDS/$1.pid" || true; }
alive() { local p; p=$(pid_of "$1"); [ -n "$p" ] && kill -0 "$p" 2>/dev/null; }
port_open() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

# launch NAME CMD...: starts CMD in its own session (so it outlives this
# script and the terminal), output to the server's log, PID to its pid file.
# setsid does not fork here (a background job of a script is no process
# group leader), so $! is the server's own PID; bash -c wrappers use exec.
launch() {
  local name=$1; shift
  : >"$LOGS/$name.log"
  setsid "$@" >>"$LOGS/$name.log" 2>&1 </dev/null 9>&- &
  echo $! >"$PIDS/$name.pid"
}

# Each server: a port, a launcher and a readiness probe.
declare -A state=() began=() ready_ms=() ext_pid=()

# prepare NAME PORT: decides how to get each server.
#   reuse    - our pid is alive and the port answers
#   wait     - our pid is alive but the port does not answer yet (still starting)
#   start    - no live pid and the port is free
#   external - no pid file of ours, but something on the port answers exactly
#              as this server would (say, one started by hand on the shared
#              port): it is used as is and down.sh leaves it alone. Set
#              CONSIGN_TESTENV_STRICT=1 to refuse that instead.
prepare() {
  local name=$1 port=$2
  if alive "$name"; then
    if port_open "$port"; then state[$name]=reuse; else state[$name]=wait; fi
    return
  fi
  rm -f "$PIDS/$name.pid"
  if ! port_open "$port"; then state[$name]=start; return; fi
  local holder
  holder=$(ss -ltnpH "sport = :$port" 2>/dev/null | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -1)
  if [ "${CONSIGN_TESTENV_STRICT:-0}" != 1 ] && "${name}_ready" >/dev/null 2>&1; then
    say "$name: $HOST:$port is served by pid ${holder:-?}, which up.sh did not start; using it (down.sh will not stop it)"
    state[$name]=external ext_pid[$name]=${holder:-?}
    return
  fi
  die "$name: port $HOST:$port is held by pid ${holder:-?}, which up.sh did not start and which does not answer as $name; stop it or free the port"
}

log_tail() { echo "----- last lines of $LOGS/$1.log -----" >&2; tail -n 40 "$LOGS/$1.log" >&2 || true; }

# not_ready NAME RC: fails loudly with the server's log tail.
not_ready() {
  log_tail "$1"
  if [ "$2" = 1 ]; then
    rm -f "$PIDS/$1.pid"
    die "$1 exited before it was ready"
  fi
  die "$1 was not ready within ${timeouts[$1]}s (pid $(pid_of "$1") left running; scripts/testenv/down.sh stops it)"
}

# ---------------------------------------------------------------- Kafka
# Apache Kafka 3.9.1, one KRaft node acting as broker and controller.
write_kafka_config() {
  local d=$DATA/kafka
  mkdir -p "$d/logs"
  cat >"$d/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://$HOST:$KAFKA_PORT,CONTROLLER://$HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$KAFKA_PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
log.dirs=$d/logs
num.partitions=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
auto.create.topics.enable=false
group.initial.rebalance.delay.ms=0
# Test and benchmark data is worth nothing after the run that wrote it,
# and make bench writes gigabytes per run: keep it an hour, in segments
# small enough for retention to delete.
log.retention.ms=3600000
log.segment.bytes=67108864
log.retention.check.interval.ms=60000
EOF
  # Only warnings, plus the one line that says the broker is up.
  cat >"$d/log4j.properties" <<'EOF'
log4j.rootLogger=WARN, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.server.KafkaRaftServer=INFO
log4j.logger.kafka.Kafka=INFO
EOF
}

start_kafka() {
  local d=$DATA/kafka
  write_kafka_config
  local jvm=(java -Xmx512m -Djava.awt.headless=true -Dlog4j.configuration="file:$d/log4j.properties"
    -Dkafka.logs.dir="$LOGS" -cp "$KAFKA_LIBS/*")
  # Format the storage once (meta.properties marks a formatted log dir),
  # then exec the broker so the pid file names the JVM itself.
  # The one-shot format JVM skips the optimising JIT: it starts faster.
  local cmd
  cmd="set -e; if [ ! -f '$d/logs/meta.properties' ]; then ${jvm[*]@Q} -XX:TieredStopAtLevel=1 kafka.tools.StorageTool format -t $KAFKA_CLUSTER_ID -c '$d/server.properties'; fi; exec ${jvm[*]@Q} kafka.Kafka '$d/server.properties'"
  launch kafka bash -c "$cmd"
}
# Ready once the broker logged that it started and its listener accepts.
# kafka_ready: the port answers a Kafka ApiVersions v0 request (correlation
# id 1, client id "p") with that correlation id and error code 0: a real
# broker answer, whoever started it.
kafka_ready() {
  port_open "$KAFKA_PORT" || return 1
  local reply
  reply=$(timeout 3 bash -c 'exec 3<>/dev/tcp/'"$HOST/$KAFKA_PORT"'
    printf "\x00\x00\x00\x0b\x00\x12\x00\x00\x00\x00\x00\x01\x00\x01p" >&3
    head -c 10 <&3 | od -An -tx1' 2>/dev/null | tr -d ' \n')
  # 4-byte size, then correlation id 00000001, then error code 0000.
  [ "${reply:8:12}" = "000000010000" ]
}

# ---------------------------------------------------------------- S3 (versitygw)
s3_args() {
  local d=$DATA/s3
  mkdir -p "$d/root"
  if [ -f "$d/use-sidecar" ]; then
    mkdir -p "$d/sidecar"
    echo --port "$HOST:$S3_PORT" --region "$S3_REGION" --quiet posix --sidecar "$d/sidecar" "$d/root"
  else
    echo --port "$HOST:$S3_PORT" --region "$S3_REGION" --quiet posix "$d/root"
  fi
}
start_s3() {
  # shellcheck disable=SC2046 # paths under .testenv have no spaces by construction
  launch s3 env ROOT_ACCESS_KEY="$S3_ACCESS_KEY" ROOT_SECRET_KEY="$S3_SECRET_KEY" \
    "$TOOLS_BIN/versitygw" $(s3_args)
}
s3_ready() { curl -s -o /dev/null "http://$HOST:$S3_PORT/"; }

# ---------------------------------------------------------------- Azurite
start_azurite() {
  mkdir -p "$DATA/azurite"
  # The .bin script is node itself (shebang), so one PID owns the server.
  launch azurite "$NODE_DIR/node_modules/.bin/azurite-blob" --blobHost "$HOST" --blobPort "$AZURITE_PORT" \
    --location "$DATA/azurite" --skipApiVersionCheck --loose --disableTelemetry
}
azurite_ready() { curl -s -o /dev/null "http://$HOST:$AZURITE_PORT/$AZURE_ACCOUNT?comp=list"; }

# ---------------------------------------------------------------- Kubo
IPFS_REPO=$DATA/ipfs
ipfs() { env IPFS_PATH="$IPFS_REPO" IPFS_TELEMETRY=off "$TOOLS_BIN/ipfs" "$@"; }
start_ipfs() {
  if [ ! -f "$IPFS_REPO/config" ]; then
    ipfs init --profile=test -e >"$LOGS/ipfs-init.log" 2>&1 || { log_tail ipfs-init; die "ipfs init failed"; }
  fi
  # The test profile picks random ports; pin the two the tests use.
  ipfs config Addresses.API "/ip4/$HOST/tcp/$IPFS_API_PORT"
  ipfs config Addresses.Gateway "/ip4/$HOST/tcp/$IPFS_GATEWAY_PORT"
  launch ipfs env IPFS_PATH="$IPFS_REPO" IPFS_TELEMETRY=off "$TOOLS_BIN/ipfs" daemon --offline
}
ipfs_ready() { curl -sf -X POST "http://$HOST:$IPFS_API_PORT/api/v0/id"; }

# ---------------------------------------------------------------- geth
# --dev with no --datadir keeps the chain in memory (on disk it
# pre-allocates 1.4 GB); --dev.period 0 mines a block per transaction.
start_geth() {
  launch geth "$TOOLS_BIN/geth" --dev --dev.period 0 \
    --http --http.addr "$HOST" --http.port "$ETH_PORT" --http.api eth,net,web3 \
    --authrpc.addr "$HOST" --authrpc.port "$ETH_AUTH_PORT" \
    --ipcdisable --nat none --nodiscover --maxpeers 0 --port 0 --verbosity 2
}
rpc() { # rpc METHOD PARAMS_JSON -> whole JSON response
  curl -sf -H 'Content-Type: application/json' \
    --data "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$1\",\"params\":$2}" "http://$HOST:$ETH_PORT"
}
json_result() { sed -n 's/.*"result":"\{0,1\}\([^",}]*\)"\{0,1\}.*/\1/p'; }
geth_ready() { rpc eth_blockNumber '[]' | grep -q '"result"'; }

# fund_eth_key: sends 1000 ETH from the dev account to the test key unless
# it still holds at least 100 ETH (a reused geth whose key the tests have
# not drained), and waits for the receipt.
fund_eth_key() {
  local bal dev tx rcpt deadline
  bal=$(rpc eth_getBalance "[\"$ETH_ADDR\",\"latest\"]" | json_result)
  if [ -n "$bal" ] && python3 -c 'import sys; sys.exit(int(sys.argv[1], 16) < 100 * 10**18)' "$bal"; then
    fund_state="already funded"; return 0
  fi
  dev=$(rpc eth_accounts '[]' | sed -n 's/.*"result":\["\([^"]*\)".*/\1/p')
  [ -n "$dev" ] || { log_tail geth; die "geth: no unlocked dev account (eth_accounts empty)"; }
  local resp
  resp=$(rpc eth_sendTransaction "[{\"from\":\"$dev\",\"to\":\"$ETH_ADDR\",\"value\":\"$ETH_FUND_WEI\"}]") \
    || die "geth: eth_sendTransaction failed"
  tx=$(printf '%s' "$resp" | json_result)
  case $tx in 0x*) ;; *) die "geth: funding transaction refused: $resp" ;; esac
  deadline=$(( $(now_ms) + 30000 ))
  while :; do
    rcpt=$(rpc eth_getTransactionReceipt "[\"$tx\"]" || true)
    case $rcpt in
      *'"status":"0x1"'*) break ;;
      *'"status":"0x0"'*) die "geth: funding transaction $tx reverted: $rcpt" ;;
    esac
    [ "$(now_ms)" -lt "$deadline" ] || die "geth: no receipt for funding transaction $tx within 30s"
    sleep 0.1
  done
  fund_state="funded with 1000 ETH"
}

# ---------------------------------------------------------------- start all
declare -A ports=([kafka]=$KAFKA_PORT [s3]=$S3_PORT [azurite]=$AZURITE_PORT [ipfs]=$IPFS_API_PORT [geth]=$ETH_PORT)
declare -A timeouts=([kafka]=120 [s3]=30 [azurite]=60 [ipfs]=60 [geth]=60)

# Decide for every server before starting any, so a conflict on one port
# starts nothing.
for s in "${servers[@]}"; do prepare "$s" "${ports[$s]}"; done
for s in "${servers[@]}"; do
  began[$s]=$(now_ms)
  if [ "${state[$s]}" = start ]; then "start_$s"; fi
done

# Poll every pending server in turn until all are ready, so each reports
# its own start time.
declare -A deadline=()
pending=()
for s in "${servers[@]}"; do
  case ${state[$s]} in reuse|external) ready_ms[$s]=0; continue ;; esac
  deadline[$s]=$(( ${began[$s]} + ${timeouts[$s]} * 1000 ))
  pending+=("$s")
done
while [ ${#pending[@]} -gt 0 ]; do
  left=()
  for s in "${pending[@]}"; do
    if "${s}_ready" >/dev/null 2>&1; then
      ready_ms[$s]=$(( $(now_ms) - ${began[$s]} ))
      continue
    fi
    if ! alive "$s"; then
      # Another checkout's up.sh may have started the same server at the
      # same moment: ours then lost the port and exited. Wait for theirs.
      if [ "${CONSIGN_TESTENV_STRICT:-0}" != 1 ] && port_open "${ports[$s]}"; then
        if [ "${state[$s]}" != external ]; then
          say "$s: our copy exited, but $HOST:${ports[$s]} answers (started by another up.sh at the same time); waiting for that one"
          state[$s]=external ext_pid[$s]=?
          rm -f "$PIDS/$s.pid"
        fi
        [ "$(now_ms)" -le "${deadline[$s]}" ] || not_ready "$s" 2
        left+=("$s"); continue
      fi
      # versitygw's posix backend refuses a file system without user
      # xattrs; then it keeps its metadata in a sidecar folder (remembered).
      if [ "$s" = s3 ] && [ ! -f "$DATA/s3/use-sidecar" ] && grep -qi xattr "$LOGS/s3.log"; then
        say "s3: no user xattrs on this file system; restarting versitygw with --sidecar"
        touch "$DATA/s3/use-sidecar"
        start_s3
        left+=("$s"); continue
      fi
      not_ready "$s" 1
    fi
    [ "$(now_ms)" -le "${deadline[$s]}" ] || not_ready "$s" 2
    left+=("$s")
  done
  pending=(${left[@]+"${left[@]}"})
  [ ${#pending[@]} -eq 0 ] || sleep 0.1
done

fund_ms=0 fund_state=
if wanted geth; then
  t=$(now_ms)
  fund_eth_key
  fund_ms=$(( $(now_ms) - t ))
fi

# ---------------------------------------------------------------- env.sh
if wanted ipfs && [ "${state[ipfs]}" = external ]; then
  # Tests that run the ipfs binary against the node need its repo.
  IPFS_REPO=$(curl -sf -X POST "http://$HOST:$IPFS_API_PORT/api/v0/repo/stat" | sed -n 's/.*"RepoPath":"\([^"]*\)".*/\1/p')
fi
azure_connstr="DefaultEndpointsProtocol=http;AccountName=$AZURE_ACCOUNT;AccountKey=$AZURE_KEY;BlobEndpoint=http://$HOST:$AZURITE_PORT/$AZURE_ACCOUNT;"
tmp=$(mktemp "$TE/env.sh.XXXXXX")
{
  echo "# Written by scripts/testenv/up.sh $(date -u +%FT%TZ); source it, then run go test."
  echo "export CONSIGN_TEST_REQUIRE=1"
  if wanted kafka; then
    echo "export CONSIGN_TEST_KAFKA=$HOST:$KAFKA_PORT"
  fi
  if wanted s3; then
    echo "export CONSIGN_TEST_S3_ENDPOINT=http://$HOST:$S3_PORT"
    echo "export CONSIGN_TEST_S3_ACCESS_KEY=$S3_ACCESS_KEY"
    echo "export CONSIGN_TEST_S3_SECRET_KEY=$S3_SECRET_KEY"
    echo "export CONSIGN_TEST_S3_REGION=$S3_REGION"
  fi
  if wanted azurite; then
    echo "export CONSIGN_TEST_AZURE_CONNSTR='$azure_connstr'"
  fi
  if wanted ipfs; then
    echo "export CONSIGN_TEST_IPFS_API=http://$HOST:$IPFS_API_PORT"
    echo "export CONSIGN_TEST_IPFS_BIN=$TOOLS_BIN/ipfs"
    echo "export CONSIGN_TEST_IPFS_PATH=$IPFS_REPO"
  fi
  if wanted geth; then
    echo "export CONSIGN_TEST_ETH_RPC=http://$HOST:$ETH_PORT"
    echo "export CONSIGN_TEST_ETH_KEY=$ETH_KEY"
  fi
  echo "export CONSIGN_TEST_CHROMIUM=$CHROMIUM"
  echo "export CONSIGN_TEST_NODE_MODULES=$NODE_DIR/node_modules"
  echo "export CONSIGN_TEST_SIO2_MODULES=$NODE_DIR/sio2/node_modules"
  echo "export CONSIGN_TEST_SIO4_MODULES=$NODE_DIR/sio4/node_modules"
  echo "export CONSIGN_TEST_AXE_MODULES=$NODE_DIR/axe/node_modules"
  echo "export CONSIGN_TEST_FIREFOX=$FIREFOX"
  echo "export CONSIGN_TEST_PUPPETEER_MODULES=$NODE_DIR/puppeteer/node_modules"
  echo "export CONSIGN_TEST_TOOLS_BIN=$TOOLS_BIN"
} >"$tmp"
mv "$tmp" "$TE/env.sh"

# ---------------------------------------------------------------- report
line() { # NAME ADDRESS
  local how
  case ${state[$1]} in
    reuse) how="reused" ;;
    external) how="EXTERNAL (not started by up.sh; down.sh leaves it)" ;;
    *) how="ready in $(secs "${ready_ms[$1]}")s" ;;
  esac
  printf '%-8s %-42s pid %-7s %s\n' "$1" "$2" "${ext_pid[$1]:-$(pid_of "$1")}" "$how"
}
wanted kafka && line kafka "$HOST:$KAFKA_PORT (controller :$KAFKA_CONTROLLER_PORT)"
wanted s3 && line s3 "http://$HOST:$S3_PORT"
wanted azurite && line azurite "http://$HOST:$AZURITE_PORT/$AZURE_ACCOUNT"
wanted ipfs && line ipfs "http://$HOST:$IPFS_API_PORT (gateway :$IPFS_GATEWAY_PORT)"
wanted geth && line geth "http://$HOST:$ETH_PORT"
printf '%-8s %-42s %s\n' chromium "$CHROMIUM" "present"
printf '%-8s %-42s %s\n' firefox "$FIREFOX" "present"
wanted geth && printf '%-8s %-42s %s\n' ethkey "$ETH_ADDR" "$fund_state ($(secs "$fund_ms")s)"
printf 'total %ss (install check %ss); env: source %s\n' \
  "$(secs $(( ($(date +%s%N) - t_start) / 1000000 )))" "$(secs "$install_ms")" "$TE/env.sh"
