#!/usr/bin/env bash
# The answer time of `discord serve` alone on the machine: ApacheBench (`ab`, Debian's
# apache2-utils; a load generator in C that leaves the CPUs to the server) sends N signed
# PINGs from 200 concurrent clients, with keep-alive (as a TLS proxy in front of the
# server keeps its connections) and without (a new connection per request).
# Usage: bench/serve-ab.sh BINARY [N]   (N requests per run; default 20000)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:?usage: bench/serve-ab.sh BINARY [N]}
n=${2:-20000}
command -v ab >/dev/null || { echo "bench: ab is needed: apt-get install apache2-utils" >&2; exit 2; }
dir=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT

# A key pair, and a PING signed now (valid for 5 minutes).
.venv/bin/python - "$dir" <<'PY'
import sys, time
from pathlib import Path
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
d = Path(sys.argv[1])
key = Ed25519PrivateKey.generate()
raw = serialization.Encoding.Raw, serialization.PublicFormat.Raw
body = b'{"type":1,"id":"1","application_id":"775799577604522054","token":"x","version":1}'
ts = str(int(time.time()))
(d / "body").write_bytes(body)
(d / "pub").write_text(key.public_key().public_bytes(*raw).hex())
(d / "ts").write_text(ts)
(d / "sig").write_text(key.sign(ts.encode() + body).hex())
PY

port=$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
DISCORD_PUBLIC_KEY=$(cat "$dir/pub") DISCORD_APPLICATION_ID=775799577604522054 GITHUB_TOKEN=unused \
  "$bin" discord serve --listen "127.0.0.1:$port" --repo acme/site --allow-everyone \
  --api-url http://127.0.0.1:9/ --audit-log "$dir/audit.jsonl" 2>"$dir/serve.err" &
pid=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
curl -sf "http://127.0.0.1:$port/healthz" >/dev/null || { cat "$dir/serve.err" >&2; echo "bench: serve did not start" >&2; exit 1; }

for mode in keep-alive new-connection; do
  flag=(); [ "$mode" = keep-alive ] && flag=(-k)
  out=$(ab -q "${flag[@]}" -n "$n" -c 200 -p "$dir/body" -T application/json \
    -H "X-Signature-Ed25519: $(cat "$dir/sig")" -H "X-Signature-Timestamp: $(cat "$dir/ts")" \
    "http://127.0.0.1:$port/interactions")
  failed=$(awk '/^Failed requests/ {print $3}' <<<"$out")
  non2xx=$(awk '/^Non-2xx/ {print $3}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  rps=$(awk '/^Requests per second/ {print $4}' <<<"$out")
  echo "serve-ab: $mode  requests=$n failed=$failed non_2xx=${non2xx:-0} rps=$rps p50_ms=$p50 p99_ms=$p99"
  verdict=MISS; [ "$p99" -lt 50 ] && verdict=PASS
  echo "target: answer p99 < 50 ms, 200 clients, $mode: $verdict ($p99 ms)"
done
echo "serve-ab: peak RSS $(awk '/VmHWM/ {print $2, $3}' "/proc/$pid/status")"
