#!/usr/bin/env bash
# Installs what the PyTorch peer of the benchmarks needs, where missing: python3-torch and
# python3-numpy from Debian, for the system interpreter /usr/bin/python3 (the peer runs with it,
# not with whatever python3 comes first on PATH), and OpenBLAS. Debian's torch does its matrix
# products through libblas.so.3, which without OpenBLAS is the reference BLAS (about 6 GFLOP/s
# on one core here, against about 150 with OpenBLAS); the benches pick either per process.
# Kept out of the test bed on purpose: torch is several hundred megabytes, and only the bench:*
# commands and the optional peer test use it.
set -euo pipefail

peer_python=${ADAPTD_PEER_PYTHON:-/usr/bin/python3}

ready() {
  "$peer_python" -c 'import torch, numpy' 2>/dev/null &&
    [[ -e /usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3 ]]
}

if ready; then
  exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "[bench] error: python3-torch missing for $peer_python and installing it needs root" >&2
  exit 1
fi

exec {lock}>/var/lock/adaptd-install-debian.lock
flock "$lock"
if ready; then
  exit 0
fi

echo "[bench] installing python3-torch python3-numpy libopenblas0-pthread with apt-get" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >&2
apt-get install -y -q --no-install-recommends python3-torch python3-numpy libopenblas0-pthread >&2
