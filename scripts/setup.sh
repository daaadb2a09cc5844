#!/usr/bin/env bash
# Installs what the demo and the tests need besides Rust, idempotently:
# a Python virtualenv in .venv with moto's server (the local AWS stand-in) and boto3.
set -euo pipefail
cd "$(dirname "$0")/.."

MOTO_VERSION=5.2.5

python=${PYTHON:-python3}
if ! command -v "$python" >/dev/null 2>&1; then
  echo "setup: $python not found; install Python 3.9 or newer" >&2
  exit 1
fi

if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
if ! .venv/bin/python -c "import moto, boto3, sys; sys.exit(moto.__version__ != '$MOTO_VERSION')" 2>/dev/null; then
  .venv/bin/python -m pip install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION"
fi
test -x .venv/bin/moto_server
