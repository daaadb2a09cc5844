#!/usr/bin/env bash
# Mutation testing of the files that guard hostile input: src/policy.rs (the URL policy),
# src/text.rs (escaping and redaction of outside text) and src/remote/artifact.rs (the
# downloaded zip). cargo-mutants changes their code one small edit at a time (a flipped
# comparison, a deleted `!`, a function that returns a constant) and runs the library's
# unit tests against each change: those files' rules are pinned by the unit tests beside
# them. Exits non-zero when a mutant survives (or times out).
#
# Extra arguments go to cargo-mutants, for instance only the code a change touched:
#   scripts/mutants.sh --in-diff <(git diff main)
# or more jobs: scripts/mutants.sh -j 2. The report lands in ./mutants.out/.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! cargo mutants --version >/dev/null 2>&1; then
  echo "cargo-mutants not found: installing it (cargo install --locked cargo-mutants)" >&2
  cargo install --locked cargo-mutants
fi

# The unit tests take seconds; the floor keeps a busy machine from reading slowness as a
# hang (a mutant that loops forever still times out and fails the run).
export CARGO_MUTANTS_MINIMUM_TEST_TIMEOUT="${CARGO_MUTANTS_MINIMUM_TEST_TIMEOUT:-60}"

exec cargo mutants \
  --file src/policy.rs \
  --file src/text.rs \
  --file src/remote/artifact.rs \
  "$@" \
  -- --lib
