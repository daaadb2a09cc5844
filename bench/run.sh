#!/usr/bin/env bash
# The benchmark: remote-hands against the shell workflow it replaces, on this machine, in
# one run. Usage: bench/run.sh [N]   (N runs of each, alternated; default 10)
#
# 1. Starts moto_server and a loopback HTTP target whose /health and /hello answer after
#    100 ms; creates the bucket (with index.html) and the CloudFront distribution.
# 2. Alternates the shell sequence (bench/shell-sequence.sh: aws CLI, curl, jq, in order)
#    and `remote-hands check` (release build) on the same targets: median wall time,
#    ratio, overhead above the slowest check, peak RSS.
# 3. Times `remote-hands check` with no AWS credentials at all (instance metadata probed
#    on loopback: once refused, once a listener that never answers).
# 4. The dispatch client's API cost against the fake GitHub API (a 60-s run, time scaled).
# 5. `discord serve` (release build): answer time with 200 concurrent clients, peak memory
#    while following 50 diagnoses held in progress at the fake GitHub API; then the answer
#    time with the server alone on the CPUs (bench/serve-ab.sh: ApacheBench, signed PINGs).
# 6. 100 HTTP checks at once (bench/scale.sh): a target answering each in 100 ms,
#    --max-in-flight 100; the whole run against its slowest check, peak RSS.
# Network: loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-10}
[[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "bench: N must be a positive whole number, not '$n'" >&2; exit 2; }
for tool in curl jq; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is needed (the shell sequence uses it)" >&2; exit 2; }
done

scripts/setup.sh >&2
echo "==> building the release binary" >&2
cargo build --release --locked --quiet
bin="${CARGO_TARGET_DIR:-target}/release/remote-hands"

source scripts/stand-ins.sh
use_moto_credentials
start_moto
start_target --delay-ms 100
seed bench-site
export AWS_CLI="$PWD/.venv/bin/aws"
report="$STANDINS_DIR/report.json"
common="--bucket bench-site --distribution-id $DISTRIBUTION_ID --api-base $TARGET_URL --frontend-url $TARGET_URL/"

echo "==> machine"
echo "cpus: $(nproc) × $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)"
echo "kernel: $(uname -sr); $("$bin" --version); $("$AWS_CLI" --version 2>&1)"

echo "==> shell sequence vs remote-hands check ($n runs each)"
# A warm-up of each, not counted (first-run page cache, moto's lazy setup).
bench/shell-sequence.sh bench-site "$DISTRIBUTION_ID" "$TARGET_URL" "$TARGET_URL/" "$MOTO_ENDPOINT" >/dev/null
"$bin" check --endpoint-url "$MOTO_ENDPOINT" $common --json "$report" >/dev/null
.venv/bin/python bench/measure.py "$n" "$report" -- \
  "shell=bench/shell-sequence.sh bench-site $DISTRIBUTION_ID $TARGET_URL $TARGET_URL/ $MOTO_ENDPOINT" \
  "check=$bin check --endpoint-url $MOTO_ENDPOINT $common --json $report" >"$STANDINS_DIR/main.json"

echo "==> no AWS credentials at all"
port_file="$STANDINS_DIR/silent.port"
.venv/bin/python bench/silent_listener.py "$port_file" &
STANDINS_PIDS+=($!)
for _ in $(seq 100); do [ -s "$port_file" ] && break; sleep 0.05; done
silent=$(cat "$port_file")
refused=$(free_port)
empty_home="$STANDINS_DIR/home"
mkdir -p "$empty_home"
nocreds() {
  # Nothing from the environment: no keys, no profile, no web identity; instance metadata
  # is probed (on loopback, as `$1`).
  echo "env -i PATH=$PATH HOME=$empty_home AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:$1 $bin check --region us-east-1 --bucket bench-site --distribution-id $DISTRIBUTION_ID --endpoint-url $MOTO_ENDPOINT --json $report"
}
.venv/bin/python bench/measure.py "$n" "$report" -- \
  "nocreds-refused=$(nocreds "$refused")" \
  "nocreds-silent=$(nocreds "$silent")" >"$STANDINS_DIR/nocreds.json"

.venv/bin/python bench/report.py "$STANDINS_DIR/main.json" "$STANDINS_DIR/nocreds.json"

echo "==> dispatch client: API cost of waiting for a 60-s run"
export PATH="$PWD/.venv/bin:$PATH"
# The figures of the suite's own test of these targets (it fails when one is missed; the
# figures are printed either way).
{ cargo test --locked --quiet --test integration -- --nocapture dispatch::cost:: 2>&1 || true; } | grep '^dispatch-cost:'

echo "==> discord serve: answer time under 200 clients, memory following 50 diagnoses"
# An ignored test of the suite, run against the release binary built above; it fails (and
# the benchmark with it) when the server cannot be started.
serve_out="$STANDINS_DIR/serve-bench.txt"
serve_rc=0
SERVE_BENCH_BIN="$(realpath "$bin")" PATH="$PWD/.venv/bin:$PATH" cargo test --locked --quiet \
  --test integration -- --ignored --nocapture --exact serve_bench::serve_answer_time_and_memory \
  >"$serve_out" 2>&1 || serve_rc=$?
grep -E '^(serve-bench:|target:)' "$serve_out" || true
if [ "$serve_rc" -ne 0 ]; then
  grep -E 'panicked|cannot start|did not start' "$serve_out" >&2 || tail -20 "$serve_out" >&2
  echo "bench: the discord serve benchmark failed" >&2
  exit 1
fi

echo "==> discord serve alone: ApacheBench, 200 clients, signed PINGs"
bench/serve-ab.sh "$bin"

echo "==> 100 HTTP checks at once (--max-in-flight 100, each answered in 100 ms)"
bench/scale.sh "$bin" "$n"
