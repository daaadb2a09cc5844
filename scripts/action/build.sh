#!/usr/bin/env bash
# Builds remote-hands from the action's own source when no release binary fits.
# The target directory lives under $RUNNER_TEMP/remote-hands-build, which the action caches
# keyed on Cargo.lock, so a rebuild after a source change is incremental.
set -euo pipefail
root="${RUNNER_TEMP:?}/remote-hands-build"
cargo install --locked --quiet --path "${GITHUB_ACTION_PATH:?}" \
  --root "$root" --target-dir "$root/target" --force
echo "path=$root/bin/remote-hands" >>"${GITHUB_OUTPUT:?}"
