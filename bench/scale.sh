#!/usr/bin/env bash
# The scale benchmark: `remote-hands check` with a configuration file of 100 HTTP checks
# (`max_in_flight = 100`; the API path /p0 and 99 custom checks /p1../p99) against a
# loopback target that answers each after 100 ms. Prints
# the whole run against its slowest check and the peak RSS, and PASS/MISS against the
# targets (within 150 ms of the slowest check, under 40 MiB).
# Usage: bench/scale.sh BINARY [N]   (N runs; default 10). Network: loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:?usage: bench/scale.sh BINARY [N]}
n=${2:-10}
[[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "bench: N must be a positive whole number, not '$n'" >&2; exit 2; }
[ -x "$bin" ] || { echo "bench: $bin is not an executable" >&2; exit 2; }
checks=100

source scripts/stand-ins.sh
port_file="$STANDINS_DIR/slow.port"
.venv/bin/python bench/slow_target.py "$port_file" 100 &
STANDINS_PIDS+=($!)
for _ in $(seq 100); do [ -s "$port_file" ] && break; sleep 0.05; done
[ -s "$port_file" ] || { echo "bench: the slow target did not start" >&2; exit 1; }
target="http://127.0.0.1:$(cat "$port_file")"
config="$STANDINS_DIR/remote-hands.toml"
{
  echo "max_in_flight = $checks"
  echo "[env.bench]"
  echo "api_base = \"$target\""
  echo 'api_paths = ["/p0"]'
  for i in $(seq 1 $((checks - 1))); do
    printf '[[check]]\nid = "c%d"\nurl = "/p%d"\n' "$i" "$i"
  done
} >"$config"
report="$STANDINS_DIR/scale.json"
cmd="env -i PATH=$PATH $bin check --config $config --env bench --json $report"
# A warm-up, not counted (page cache).
$cmd >/dev/null
.venv/bin/python bench/measure.py "$n" "$report" -- "scale=$cmd" >"$STANDINS_DIR/scale-runs.json"
.venv/bin/python bench/scale_report.py "$STANDINS_DIR/scale-runs.json" "$checks"
