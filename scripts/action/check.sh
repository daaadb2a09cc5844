#!/usr/bin/env bash
# The composite action's diagnosis step: turns the action's inputs (all passed through the
# environment, never interpolated into this script) into `remote-hands check` flags, after
# fetching the baseline report when `baseline: previous` asks for it. Empty
# inputs add no flag, so the job's own environment (AWS_REGION, S3_BUCKET…) still applies.
set -euo pipefail
bin="${REMOTE_HANDS_BIN:?no remote-hands binary was installed}"

args=(check)
# `--flag=value` in one word: a value that starts with `-` (a requester named `-Bob-`) is
# still a value, never taken for a flag.
add() { if [ -n "$2" ]; then args+=("$1=$2"); fi; }
add --api-base "${INPUT_API_BASE:-}"
add --api-path "${INPUT_API_PATHS:-}"
add --index-key "${INPUT_INDEX_KEY:-}"
add --frontend-url "${INPUT_FRONTEND_URL:-}"
add --bucket "${INPUT_BUCKET:-}"
add --distribution-id "${INPUT_DISTRIBUTION_ID:-}"
add --correlation-id "${INPUT_CORRELATION_ID:-}"
add --requester "${INPUT_REQUESTER:-}"
add --region "${INPUT_REGION:-}"
add --timeout "${INPUT_TIMEOUT:-}"
add --fail-on "${INPUT_FAIL_ON:-}"
add --environment "${INPUT_ENVIRONMENT:-}"
add --allowed-hosts "${INPUT_ALLOWED_HOSTS:-}"
add --regression-pct "${INPUT_REGRESSION_PCT:-}"
add --regression-ms "${INPUT_REGRESSION_MS:-}"
# The configuration file and its environment go through their variables, set only when
# given (a job-level REMOTE_HANDS_CONFIG or REMOTE_HANDS_ENV applies otherwise).
if [ -n "${INPUT_CONFIG:-}" ]; then export REMOTE_HANDS_CONFIG="$INPUT_CONFIG"; fi
if [ -n "${INPUT_ENV:-}" ]; then export REMOTE_HANDS_ENV="$INPUT_ENV"; fi

report_dir=$(mktemp -d "${RUNNER_TEMP:-/tmp}/remote-hands-report.XXXXXX")
args+=("--json=$report_dir/diagnose-summary.json")

# The baseline: none, a report file, or `previous` — the last successful run's report,
# fetched with the token (given to that command only). When there is none (a new
# workflow, no artifact) or GitHub cannot be read, the fetch says so and the check runs
# without a comparison.
case "${INPUT_BASELINE:-}" in
  "") ;;
  previous)
    baseline_file="$report_dir/baseline.json"
    fetch=(baseline fetch "--out=$baseline_file")
    if [ -n "${INPUT_ARTIFACT_NAME:-}" ]; then fetch+=("--artifact-name=$INPUT_ARTIFACT_NAME"); fi
    if GITHUB_TOKEN="${INPUT_GITHUB_TOKEN:-}" "$bin" "${fetch[@]}"; then
      args+=("--baseline=$baseline_file")
    fi
    ;;
  *) args+=("--baseline=$INPUT_BASELINE") ;;
esac
unset INPUT_GITHUB_TOKEN
exec "$bin" "${args[@]}"
