#!/usr/bin/env bash
# Runs `remote-hands check --env staging` against local stand-ins of a deployment — no
# AWS account: moto_server plays S3, STS and CloudFront; a small HTTP server plays the API
# and the frontend. The configuration (scripts/demo/remote-hands.toml: three environments
# and custom checks) is written to demo-output/ with the stand-ins' addresses. Prints the
# terminal table, then the step summary GitHub would show.
#
#   scripts/demo.sh                 everything healthy: exit 0
#   scripts/demo.sh --break bucket  the bucket is gone: exit 1
#   scripts/demo.sh --break api     the API answers 503: exit 1
#   scripts/demo.sh --break target  the HTTP target is down: exit 1
#
# The JSON report and the summary are kept in ./demo-output/.
set -euo pipefail
cd "$(dirname "$0")/.."

break_what=none
while [ $# -gt 0 ]; do
  case "$1" in
    --break) break_what=${2:-}; shift 2 ;;
    --break=*) break_what=${1#--break=}; shift ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "demo: unknown argument '$1' (expected --break bucket|api|target)" >&2; exit 2 ;;
  esac
done
case "$break_what" in
  none|bucket|api|target) ;;
  *) echo "demo: --break '$break_what': expected bucket, api or target" >&2; exit 2 ;;
esac

SETUP_SKIP_NODE=1 scripts/setup.sh
echo "==> building remote-hands" >&2
cargo build --locked --quiet
bin=target/debug/remote-hands

source scripts/stand-ins.sh
use_moto_credentials
echo "==> starting moto_server and the HTTP target on loopback" >&2
start_moto
target_args=()
[ "$break_what" = api ] && target_args+=(--fail-api)
start_target "${target_args[@]}"
seed demo-site-bucket --alias staging.example.com

# A flag beats the file: --break bucket names a bucket that does not exist.
bucket_args=()
[ "$break_what" = bucket ] && bucket_args+=(--bucket demo-site-bucket-gone)
if [ "$break_what" = target ]; then
  kill "${STANDINS_PIDS[-1]}"
  wait "${STANDINS_PIDS[-1]}" 2>/dev/null || true
fi

out=demo-output
mkdir -p "$out"
rm -f "$out/summary.md" "$out/diagnose-summary.json"
sed -e "s|@API@|$TARGET_URL|; s|@SITE@|$TARGET_URL|; s|@MOTO@|$MOTO_ENDPOINT|" \
  -e "s|@DISTRIBUTION@|$DISTRIBUTION_ID|" scripts/demo/remote-hands.toml >"$out/remote-hands.toml"
# The login check's header value comes from the environment, never from the file.
export LOGIN_TOKEN="Bearer demo-login-token"
echo "==> remote-hands check --config $out/remote-hands.toml --env staging" >&2
status=0
"$bin" check \
  --config "$out/remote-hands.toml" \
  --env staging \
  "${bucket_args[@]}" \
  --requester "${USER:-demo}" \
  --json "$out/diagnose-summary.json" \
  --summary "$out/summary.md" || status=$?

echo
echo "==> step summary ($out/summary.md)"
cat "$out/summary.md"
echo
echo "==> exit code $status; JSON report in $out/diagnose-summary.json"
exit "$status"
