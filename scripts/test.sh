#!/usr/bin/env bash
# The test command: installs what the tests use (scripts/setup.sh), then runs every test —
# unit tests with aws-smithy-mocks, and the integration tests against a real moto_server
# and loopback HTTP servers. Extra arguments go to `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"
cargo test --locked "$@"
