#!/usr/bin/env bash
# Stops the servers scripts/testenv/up.sh started: exactly the PIDs in
# .testenv/pids/*.pid, never anything found by name. Each gets SIGTERM,
# up to 20 s to exit (Kafka shuts down cleanly in a few seconds), then
# SIGKILL. The pid files are removed.
#
#   scripts/testenv/down.sh          # stop; keep data for the next up.sh
#   scripts/testenv/down.sh --wipe   # stop, then delete .testenv/data and logs
set -euo pipefail
t_start=$(date +%s%N)
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
TE=${CONSIGN_TESTENV_DIR:-$root/.testenv} # as in up.sh
PIDS=$TE/pids

wipe=0
for a in "$@"; do
  case $a in
    --wipe) wipe=1 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "down.sh: unknown argument $a (only --wipe)" >&2; exit 2 ;;
  esac
done

# The program each server runs; a recorded PID whose command line does not
# mention it was reused by the system for something else and is left alone.
declare -A expect=([kafka]=kafka.Kafka [s3]=versitygw [azurite]=azurite [ipfs]=ipfs [geth]=geth)

ours() { # ours NAME PID: is PID still the server we started?
  local want=${expect[$1]:-$1}
  [ -r "/proc/$2/cmdline" ] && tr '\0' ' ' <"/proc/$2/cmdline" | grep -qF -- "$want"
}

declare -A victims=()
shopt -s nullglob
for f in "$PIDS"/*.pid; do
  name=$(basename "$f" .pid)
  pid=$(cat "$f")
  if [[ ! $pid =~ ^[0-9]+$ ]]; then
    echo "down: $name: pid file holds '$pid', ignored" >&2
  elif ! kill -0 "$pid" 2>/dev/null; then
    echo "down: $name: pid $pid already gone" >&2
  elif ! ours "$name" "$pid"; then
    echo "down: $name: pid $pid now runs something else; not touched" >&2
  else
    kill -TERM "$pid" 2>/dev/null || true
    victims[$name]=$pid
  fi
  rm -f "$f"
done

deadline=$(( $(date +%s) + 20 ))
for name in "${!victims[@]}"; do
  pid=${victims[$name]}
  while kill -0 "$pid" 2>/dev/null && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    echo "down: $name: pid $pid ignored SIGTERM for 20 s; sending SIGKILL" >&2
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  fi
  echo "stopped $name (pid $pid)"
done

if [ $wipe = 1 ]; then
  rm -rf "$TE/data" "$TE/logs" "$TE/env.sh"
  echo "wiped $TE/data and $TE/logs"
fi
printf 'down: %s server(s) stopped in %ss\n' "${#victims[@]}" \
  "$(awk -v ns=$(( $(date +%s%N) - t_start )) 'BEGIN { printf "%.1f", ns / 1e9 }')"
