#!/usr/bin/env bash
# Lints the composite action, every workflow and the example workflows: actionlint (the
# native build, with shellcheck on the run: scripts), GitHub's JSON schemas
# (check-jsonschema), and no `${{ }}` inside run scripts. Any finding fails.
# Needs scripts/setup.sh first.
set -euo pipefail
cd "$(dirname "$0")/.."
shopt -s nullglob
workflows=(.github/workflows/*.yml tests/act/*.yml examples/*.yml)
# actionlint finds shellcheck on PATH.
PATH="$PWD/.venv/bin:$PATH" .venv/bin/actionlint "${workflows[@]}"
echo "actionlint: ${#workflows[@]} workflows, no findings"
.venv/bin/check-jsonschema --builtin-schema vendor.github-actions action.yml
.venv/bin/check-jsonschema --builtin-schema vendor.github-workflows "${workflows[@]}"
.venv/bin/python scripts/lint_run_scripts.py action.yml "${workflows[@]}"
