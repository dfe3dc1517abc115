#!/usr/bin/env bash
# Starts a single-node KRaft Kafka broker (combined broker and controller) on free loopback ports
# with a fresh log dir, from the jars that kafka-fetch.sh caches.
#
# Sourced: kafka_start VERSION DIR (or kafka_launch, then kafka_await, to start several at once)
# sets KAFKA_PID and KAFKA_BOOTSTRAP, with the broker a child of the sourcing shell.
# Run: `kafka.sh fetch VERSION` or `kafka.sh start VERSION DIR` (leaves the broker running).

# shellcheck source=scripts/services/kafka-fetch.sh
source "$(dirname "${BASH_SOURCE[0]}")/kafka-fetch.sh"

KAFKA_START_SECONDS=${KAFKA_START_SECONDS:-90}
KAFKA_HEAP_OPTS=${KAFKA_HEAP_OPTS:--Xms128m -Xmx512m}
# Two cores are shared with the tests: one GC thread and C1 only make start-up cheaper.
KAFKA_JVM_OPTS=${KAFKA_JVM_OPTS:--XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true}

kafka_cluster_id() {
  # Kafka's Uuid text form: 16 random bytes, URL-safe base64 without padding.
  head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '='
}

kafka_write_config() {
  local dir=$1 broker_port=$2 controller_port=$3
  cat >"$dir/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller_port
listeners=PLAINTEXT://127.0.0.1:$broker_port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$broker_port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$dir/data
num.partitions=1
auto.create.topics.enable=false
offsets.topic.num.partitions=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
EOF
  cat >"$dir/log4j.properties" <<'EOF'
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
EOF
  cat >"$dir/log4j2.properties" <<'EOF'
rootLogger.level=INFO
rootLogger.appenderRef.stdout.ref=STDOUT
appender.stdout.type=Console
appender.stdout.name=STDOUT
appender.stdout.layout.type=PatternLayout
appender.stdout.layout.pattern=[%d] %p %m (%c)%n
EOF
}

# Fills KAFKA_JAVA with the java command line for DIR, so that a background start gives the pid
# of java itself rather than of a wrapping subshell.
kafka_java_command() {
  local dir=$1
  local -a heap jvm
  read -r -a heap <<<"$KAFKA_HEAP_OPTS"
  read -r -a jvm <<<"$KAFKA_JVM_OPTS"
  KAFKA_JAVA=(java "${heap[@]}" "${jvm[@]}"
    -Dlog4j.configuration="file:$dir/log4j.properties"
    -Dlog4j2.configurationFile="$dir/log4j2.properties"
    -cp "$KAFKA_LIBS/*")
}

# kafka_launch VERSION DIR: formats fresh storage and starts the broker in the background on new
# free ports. Writes DIR/pid and DIR/bootstrap so that a caller can stop it after any failure.
kafka_launch() {
  local version=$1 dir=$2 broker_port controller_port
  kafka_fetch "$version"
  mkdir -p "$dir"
  broker_port=$(services_free_port)
  controller_port=$(services_free_port)
  while [[ "$controller_port" == "$broker_port" ]]; do
    controller_port=$(services_free_port)
  done
  rm -rf "$dir/data"
  kafka_write_config "$dir" "$broker_port" "$controller_port"
  kafka_java_command "$dir"
  # --cluster-id=: an id that starts with "-" (one in 64) would otherwise be read as a flag.
  if ! "${KAFKA_JAVA[@]}" kafka.tools.StorageTool format --cluster-id="$(kafka_cluster_id)" \
    -c "$dir/server.properties" >"$dir/format.log" 2>&1; then
    services_tail_log "$dir/format.log"
    services_die "Kafka $version could not format its storage in $dir/data"
  fi
  "${KAFKA_JAVA[@]}" kafka.Kafka "$dir/server.properties" >"$dir/kafka.log" 2>&1 &
  KAFKA_PID=$!
  echo "$KAFKA_PID" >"$dir/pid"
  echo "127.0.0.1:$broker_port" >"$dir/bootstrap"
}

# kafka_await VERSION DIR: waits for the broker launched in DIR, relaunching it on fresh ports if
# it lost a port race. Sets KAFKA_PID and KAFKA_BOOTSTRAP; exits with the log's tail on failure.
kafka_await() {
  local version=$1 dir=$2 attempt result
  for attempt in 1 2 3; do
    KAFKA_PID=$(<"$dir/pid")
    KAFKA_BOOTSTRAP=$(<"$dir/bootstrap")
    result=0
    services_wait_port "$KAFKA_PID" "${KAFKA_BOOTSTRAP##*:}" "$KAFKA_START_SECONDS" || result=$?
    ((result != 0)) || return 0
    services_stop "$KAFKA_PID"
    # Only a lost race for a port is worth another try.
    if ((result != 1)) || ! grep -q 'Address already in use' "$dir/kafka.log"; then
      break
    fi
    services_log "Kafka $version lost a port to another process (attempt $attempt), retrying"
    kafka_launch "$version" "$dir"
  done
  services_tail_log "$dir/kafka.log"
  if ((result == 2)); then
    services_die "Kafka $version did not accept connections within ${KAFKA_START_SECONDS}s"
  fi
  services_die "Kafka $version exited before accepting connections"
}

kafka_start() {
  kafka_launch "$1" "$2"
  kafka_await "$1" "$2"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  set -euo pipefail
  case "${1:-}" in
    fetch)
      [[ $# -eq 2 ]] || services_die "usage: kafka.sh fetch VERSION"
      kafka_fetch "$2"
      echo "$KAFKA_LIBS"
      ;;
    start)
      [[ $# -eq 3 ]] || services_die "usage: kafka.sh start VERSION DIR"
      kafka_start "$2" "$3"
      echo "$KAFKA_BOOTSTRAP pid=$KAFKA_PID"
      ;;
    *) services_die "usage: kafka.sh fetch VERSION | kafka.sh start VERSION DIR" ;;
  esac
fi
