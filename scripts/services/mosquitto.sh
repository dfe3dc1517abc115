#!/usr/bin/env bash
# Starts a private mosquitto on a free loopback port, apart from any system broker on 1883.
#
# Sourced: mosquitto_start DIR sets MOSQUITTO_PID and MOSQUITTO_URL and writes DIR/pid; the
# broker is a child of the sourcing shell.
# Run: `mosquitto.sh DIR` starts one, prints its URL and pid, and leaves it running.

# shellcheck source=scripts/services/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

MOSQUITTO_BIN=${MOSQUITTO_BIN:-$(command -v mosquitto || echo /usr/sbin/mosquitto)}
MOSQUITTO_START_SECONDS=${MOSQUITTO_START_SECONDS:-15}

mosquitto_start() {
  local dir=$1 port attempt result=0
  mkdir -p "$dir"
  [[ -x "$MOSQUITTO_BIN" ]] || services_die "mosquitto not found at $MOSQUITTO_BIN; run install-debian.sh"
  for attempt in 1 2 3; do
    port=$(services_free_port)
    cat >"$dir/mosquitto.conf" <<EOF
listener $port 127.0.0.1
allow_anonymous true
persistence false
log_dest stdout
log_type error
log_type warning
log_type notice
EOF
    "$MOSQUITTO_BIN" -c "$dir/mosquitto.conf" >"$dir/mosquitto.log" 2>&1 &
    MOSQUITTO_PID=$!
    echo "$MOSQUITTO_PID" >"$dir/pid"
    services_wait_port "$MOSQUITTO_PID" "$port" "$MOSQUITTO_START_SECONDS" || result=$?
    if ((result == 0)); then
      MOSQUITTO_URL="mqtt://127.0.0.1:$port"
      return 0
    fi
    services_stop "$MOSQUITTO_PID"
    # Only a lost race for the port is worth another try.
    grep -q 'Address already in use' "$dir/mosquitto.log" || break
    services_log "mosquitto lost port $port to another process (attempt $attempt), retrying"
    result=0
  done
  services_tail_log "$dir/mosquitto.log"
  services_die "mosquitto did not accept connections within ${MOSQUITTO_START_SECONDS}s"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  set -euo pipefail
  [[ $# -eq 1 ]] || services_die "usage: mosquitto.sh DIR"
  mosquitto_start "$1"
  echo "$MOSQUITTO_URL pid=$MOSQUITTO_PID"
fi
