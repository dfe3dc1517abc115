# Helpers shared by the service scripts; source it, do not run it.
# Every service runs as a direct child of the sourcing shell so that its caller can stop it by pid.

# shellcheck shell=bash

services_log() {
  printf '[services] %s\n' "$*" >&2
}

services_die() {
  services_log "error: $*"
  exit 1
}

# Prints a TCP port that was free on 127.0.0.1 a moment ago. Another process can still take it
# before the service binds, so every start function retries with fresh ports.
services_free_port() {
  node -e "const s = require('node:net').createServer();
s.listen(0, '127.0.0.1', () => { process.stdout.write(String(s.address().port)); s.close(); });"
}

services_port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# A zombie still answers kill -0, so read the state from /proc instead.
services_alive() {
  local state
  state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
  [[ -n "$state" && "$state" != Z ]]
}

# services_wait_port PID PORT SECONDS: 0 once PORT accepts connections, 1 if PID died first,
# 2 if SECONDS passed.
services_wait_port() {
  local pid=$1 port=$2 deadline=$((SECONDS + $3))
  while ((SECONDS < deadline)); do
    services_port_open "$port" && return 0
    services_alive "$pid" || return 1
    sleep 0.2
  done
  return 2
}

# services_stop PID...: SIGTERM, a short grace, then SIGKILL. Waits only for children of this shell.
services_stop() {
  local pid deadline
  for pid in "$@"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "$@"; do
    deadline=$((SECONDS + 10))
    while services_alive "$pid" && ((SECONDS < deadline)); do
      sleep 0.2
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
}

services_tail_log() {
  local file=$1
  [[ -f "$file" ]] || return 0
  printf '[services] ---- last lines of %s ----\n' "$file" >&2
  tail -n 40 "$file" >&2
  printf '[services] ---- end of %s ----\n' "$file" >&2
}
