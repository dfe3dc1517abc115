#!/usr/bin/env bash
# Installs the Debian packages the real-service tests need, and only those that are missing:
# mosquitto (broker), prometheus (for promtool), a Java 17 runtime and Maven (for Kafka), systemd
# (systemd-analyze checks the unit, systemd-notify talks to the tests' notify socket) and python3
# (binds that socket, which Node cannot).
# The packages' own services are kept from starting: the tests start private instances on free
# ports, and a system mosquitto on 1883 would only be in the way.
set -euo pipefail

missing_packages() {
  command -v mosquitto >/dev/null || [[ -x /usr/sbin/mosquitto ]] || echo mosquitto
  command -v promtool >/dev/null || echo prometheus
  command -v java >/dev/null || echo openjdk-17-jre-headless
  command -v mvn >/dev/null || echo maven
  command -v systemd-analyze >/dev/null && command -v systemd-notify >/dev/null || echo systemd
  command -v python3 >/dev/null || echo python3
}

mapfile -t needed < <(missing_packages)
((${#needed[@]} > 0)) || exit 0

if [[ $(id -u) -ne 0 ]]; then
  echo "[services] error: ${needed[*]} missing and installing them needs root" >&2
  exit 1
fi

# Two test runs on a fresh machine would otherwise race for apt's lock.
exec {lock}>/var/lock/adaptd-install-debian.lock
flock "$lock"
mapfile -t needed < <(missing_packages)
((${#needed[@]} > 0)) || exit 0

# policy-rc.d answering 101 tells invoke-rc.d and deb-systemd-invoke not to start services.
policy=/usr/sbin/policy-rc.d
if [[ ! -e "$policy" ]]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod +x "$policy"
  trap 'rm -f "$policy"' EXIT
fi

echo "[services] installing ${needed[*]} with apt-get" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >&2
apt-get install -y -q --no-install-recommends "${needed[@]}" >&2
