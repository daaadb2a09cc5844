#!/usr/bin/env bash
# The diagnosis as the original shell workflow ran it: one command after another, the
# aws CLI for each AWS check, curl for each HTTP check, jq to read the answers.
# Usage: shell-sequence.sh BUCKET DISTRIBUTION_ID API_BASE FRONTEND_URL ENDPOINT_URL
set -uo pipefail
bucket=$1 distribution=$2 api=$3 frontend=$4 endpoint=$5
export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-${AWS_REGION:-us-east-1}}"
aws() { "${AWS_CLI:-aws}" --endpoint-url "$endpoint" --output json "$@"; }
ok=true

t0=$(date +%s)
identity=$(aws sts get-caller-identity) || ok=false
echo "$identity" | jq -r '.Arn' >/dev/null || ok=false
t1=$(date +%s)

aws s3 ls "s3://$bucket" >/dev/null || ok=false
aws s3api head-object --bucket "$bucket" --key index.html | jq -r '.CacheControl' >/dev/null || ok=false
t2=$(date +%s)

aws cloudfront get-distribution --id "$distribution" | jq -r '.Distribution.Status' >/dev/null || ok=false
t3=$(date +%s)

for path in health hello; do
  out=$(curl -sS -o /tmp/remote-hands-bench-body.$$ -w '%{http_code} %{time_total}' "$api/$path") || ok=false
  [ "${out%% *}" = 200 ] || ok=false
  jq -e . /tmp/remote-hands-bench-body.$$ >/dev/null 2>&1 || ok=false
done
code=$(curl -sS -o /dev/null -D - "$frontend" | awk 'NR == 1 { print $2 }') || ok=false
[ "$code" = 200 ] || ok=false
rm -f /tmp/remote-hands-bench-body.$$
t4=$(date +%s)

jq -n --argjson ok "$ok" --argjson total $((t4 - t0)) \
  --argjson oidc $((t1 - t0)) --argjson s3 $((t2 - t1)) --argjson cf $((t3 - t2)) --argjson api $((t4 - t3)) \
  '{conclusion: (if $ok then "success" else "failure" end), durations: {total_s: $total, steps: {oidc: $oidc, s3_read: $s3, cloudfront: $cf, api: $api}}}' >/dev/null
$ok
