#!/usr/bin/env bash
# Fetches the Apache Kafka broker jars of one version, with what they need at run time and an
# slf4j binding so the broker logs, from Maven Central into a cache outside the repository:
# ${ADAPTD_CACHE_DIR:-~/.cache/adaptd}/kafka/VERSION/libs (Maven's own ~/.m2 is used as usual).
#
# Sourced: kafka_fetch VERSION sets KAFKA_LIBS. Run: `kafka-fetch.sh VERSION` prints that dir.

# shellcheck source=scripts/services/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

kafka_cache_dir() {
  echo "${ADAPTD_CACHE_DIR:-$HOME/.cache/adaptd}/kafka/$1"
}

# The broker jar depends on slf4j only; each line logs through a different backend.
kafka_log_binding() {
  case "$1" in
    3.*) echo 'org.slf4j:slf4j-reload4j:1.7.36' ;;
    4.*) echo 'org.apache.logging.log4j:log4j-slf4j-impl:2.25.5' ;;
    *) services_die "Kafka $1 is not supported; use a 3.x or 4.x version" ;;
  esac
}

kafka_write_pom() {
  local version=$1 file=$2 binding group artifact binding_version
  binding=$(kafka_log_binding "$version")
  IFS=: read -r group artifact binding_version <<<"$binding"
  cat >"$file" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>adaptd.testbed</groupId>
  <artifactId>kafka-broker</artifactId>
  <version>$version</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_2.13</artifactId>
      <version>$version</version>
    </dependency>
    <dependency>
      <groupId>$group</groupId>
      <artifactId>$artifact</artifactId>
      <version>$binding_version</version>
    </dependency>
  </dependencies>
</project>
EOF
}

kafka_fetch() {
  local version=$1 cache work lock
  cache=$(kafka_cache_dir "$version")
  KAFKA_LIBS="$cache/libs"
  [[ -f "$KAFKA_LIBS/.complete" ]] && return 0
  kafka_log_binding "$version" >/dev/null
  command -v mvn >/dev/null || services_die "mvn not found; run install-debian.sh"
  mkdir -p "$cache"
  # Another run may be fetching the same version; the lock makes it wait for that one instead.
  exec {lock}>"$cache/.lock"
  flock "$lock"
  if [[ ! -f "$KAFKA_LIBS/.complete" ]]; then
    services_log "fetching Kafka $version jars from Maven Central into $KAFKA_LIBS"
    work=$(mktemp -d "$cache/fetch.XXXXXX")
    kafka_write_pom "$version" "$work/pom.xml"
    if ! mvn -B -q -Dstyle.color=never -f "$work/pom.xml" dependency:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$work/libs" >"$work/mvn.log" 2>&1; then
      services_tail_log "$work/mvn.log"
      rm -rf "$work"
      flock -u "$lock"
      services_die "Maven could not fetch org.apache.kafka:kafka_2.13:$version"
    fi
    touch "$work/libs/.complete"
    rm -rf "$KAFKA_LIBS"
    mv "$work/libs" "$KAFKA_LIBS"
    rm -rf "$work"
  fi
  flock -u "$lock"
  exec {lock}>&-
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  set -euo pipefail
  [[ $# -eq 1 ]] || services_die "usage: kafka-fetch.sh VERSION"
  kafka_fetch "$1"
  echo "$KAFKA_LIBS"
fi
