#!/usr/bin/env bash
# Installs what the demo, the tests and the linters need besides Rust, idempotently:
#   .venv/          moto's server (the local AWS stand-in) and boto3, act (runs the
#                   composite action locally, no Docker), actionlint and shellcheck,
#                   check-jsonschema, the aws CLI (for the benchmark's shell baseline)
#   node_modules/   GitHub's REST description (@octokit/openapi) and Discord's API schema
#                   (discord-api-spec, with the zod it needs), from package-lock.json
# Set SETUP_SKIP_NODE=1 to leave out the Node part (the demo does not need it).
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-python3}
if ! command -v "$python" >/dev/null 2>&1; then
  echo "setup: $python not found; install Python 3.9 or newer" >&2
  exit 1
fi

if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
if ! cmp -s scripts/requirements.txt .venv/.requirements 2>/dev/null; then
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r scripts/requirements.txt
  cp scripts/requirements.txt .venv/.requirements
fi
test -x .venv/bin/moto_server

if [ "${SETUP_SKIP_NODE:-}" != 1 ]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "setup: npm not found; install Node.js 18 or newer (the tests read GitHub's REST description and Discord's API schema with it)" >&2
    exit 1
  fi
  if ! cmp -s package-lock.json node_modules/.installed-lock 2>/dev/null; then
    npm ci --silent --no-audit --no-fund
    cp package-lock.json node_modules/.installed-lock
  fi
fi
