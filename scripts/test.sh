#!/usr/bin/env bash
# What `npm test` runs: installs the services where missing, starts a private mosquitto, a Kafka
# 3.9 and a Kafka 4 broker on free loopback ports, runs lint, typecheck and every test against
# them, and stops what it started however it ends. Safe to run twice at once: every run has its
# own temp dir and ports. ADAPTD_TEST_KEEP_DIR=1 keeps the run's dir (configs, service logs).
# With test files as arguments (`npm test -- test/x.test.ts`) it runs only those, without lint
# and typecheck, against the same services.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# shellcheck source=scripts/services/mosquitto.sh
source scripts/services/mosquitto.sh
# shellcheck source=scripts/services/kafka.sh
source scripts/services/kafka.sh

KAFKA3_VERSION=${ADAPTD_KAFKA3_VERSION:-3.9.2}
KAFKA4_VERSION=${ADAPTD_KAFKA4_VERSION:-4.4.0}

run_dir=$(mktemp -d "${TMPDIR:-/tmp}/adaptd-test.XXXXXX")

cleanup() {
  local status=$? pid_file
  local -a pids=()
  trap - EXIT
  for pid_file in "$run_dir"/*/pid; do
    [[ -f "$pid_file" ]] && pids+=("$(<"$pid_file")")
  done
  ((${#pids[@]} == 0)) || services_stop "${pids[@]}"
  if [[ "${ADAPTD_TEST_KEEP_DIR:-}" == 1 ]]; then
    services_log "kept $run_dir"
  else
    rm -rf "$run_dir"
  fi
  exit "$status"
}
# Bash runs a trap only once its foreground command has ended, so each long step runs in the
# background instead: a signal then stops the step at once and the services right after.
step_pid=
step() {
  "$@" &
  step_pid=$!
  wait "$step_pid"
}
interrupted() {
  [[ -z "$step_pid" ]] || kill -TERM "$step_pid" 2>/dev/null || true
  exit "$1"
}
trap cleanup EXIT
trap 'interrupted 130' INT
trap 'interrupted 143' TERM

bash scripts/services/install-debian.sh
bash scripts/services/install-python-tools.sh

# Jars are fetched once per version into a cache outside the repository.
kafka_fetch "$KAFKA3_VERSION"
kafka_fetch "$KAFKA4_VERSION"

mosquitto_start "$run_dir/mosquitto"
services_log "mosquitto on $MOSQUITTO_URL (pid $MOSQUITTO_PID, ${SECONDS}s into the run)"

# Both brokers boot while lint and typecheck run; the tests need them only after that.
kafka_launch "$KAFKA3_VERSION" "$run_dir/kafka3"
kafka_launch "$KAFKA4_VERSION" "$run_dir/kafka4"

failed=()
if (($# == 0)); then
  step npm run --silent lint || failed+=(lint)
  step npm run --silent typecheck || failed+=(typecheck)
fi

kafka_await "$KAFKA3_VERSION" "$run_dir/kafka3"
services_log "Kafka $KAFKA3_VERSION on $KAFKA_BOOTSTRAP (pid $KAFKA_PID, ${SECONDS}s into the run)"
export ADAPTD_TEST_KAFKA_BROKERS=$KAFKA_BOOTSTRAP
kafka_await "$KAFKA4_VERSION" "$run_dir/kafka4"
services_log "Kafka $KAFKA4_VERSION on $KAFKA_BOOTSTRAP (pid $KAFKA_PID, ${SECONDS}s into the run)"
export ADAPTD_TEST_KAFKA4_BROKERS=$KAFKA_BOOTSTRAP

export ADAPTD_TEST_MQTT_URL=$MOSQUITTO_URL
export ADAPTD_TEST_MOSQUITTO=$MOSQUITTO_BIN
ADAPTD_TEST_PROMTOOL=$(command -v promtool) || services_die "promtool not found after install"
export ADAPTD_TEST_PROMTOOL
export ADAPTD_TEST_SERVICES=1

if (($# == 0)); then
  step npm run --silent test:unit || failed+=(tests)
else
  step node --import tsx --test --test-concurrency=1 --test-timeout=600000 "$@" || failed+=(tests)
fi

if ((${#failed[@]} > 0)); then
  services_log "failed after ${SECONDS}s: ${failed[*]}"
  exit 1
fi
services_log "passed in ${SECONDS}s"
