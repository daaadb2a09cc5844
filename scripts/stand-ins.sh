# Local stand-ins of a deployment, for the demo and the benchmarks (sourced, not run):
# a moto_server (S3, STS, CloudFront) and scripts/demo_target.py (API + frontend), both on
# free loopback ports, stopped by PID when the calling script exits.
# Needs: scripts/setup.sh run first (.venv with moto).

STANDINS_DIR=$(mktemp -d "${TMPDIR:-/tmp}/remote-hands.XXXXXX")
STANDINS_PIDS=()

standins_cleanup() {
  local pid
  for pid in "${STANDINS_PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${STANDINS_PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$STANDINS_DIR"
}
trap standins_cleanup EXIT

free_port() {
  .venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_for_port PORT WHAT: bounded wait until something listens on 127.0.0.1:PORT.
wait_for_port() {
  .venv/bin/python - "$1" "$2" <<'PY'
import socket, sys, time
port, what = int(sys.argv[1]), sys.argv[2]
deadline = time.monotonic() + 60
while True:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        break
    except OSError:
        if time.monotonic() > deadline:
            sys.exit(f"{what} did not listen on 127.0.0.1:{port} within 60 s")
        time.sleep(0.05)
PY
}

# start_moto: sets MOTO_ENDPOINT.
start_moto() {
  local port
  port=$(free_port)
  .venv/bin/moto_server -H 127.0.0.1 -p "$port" >"$STANDINS_DIR/moto.log" 2>&1 &
  STANDINS_PIDS+=($!)
  wait_for_port "$port" moto_server
  MOTO_ENDPOINT="http://127.0.0.1:$port"
}

# start_target [demo_target.py options...]: sets TARGET_URL.
start_target() {
  local port_file="$STANDINS_DIR/target.$RANDOM.port"
  .venv/bin/python scripts/demo_target.py --port-file "$port_file" "$@" &
  STANDINS_PIDS+=($!)
  local i
  for i in $(seq 600); do
    [ -s "$port_file" ] && break
    sleep 0.1
  done
  [ -s "$port_file" ] || { echo "the HTTP target did not start" >&2; return 1; }
  TARGET_URL="http://127.0.0.1:$(cat "$port_file")"
}

# seed BUCKET [--no-index]: creates the bucket and a distribution; sets DISTRIBUTION_ID.
seed() {
  DISTRIBUTION_ID=$(.venv/bin/python scripts/seed_moto.py --endpoint "$MOTO_ENDPOINT" --bucket "$@")
}

# Credentials moto accepts; nothing here can reach real AWS.
use_moto_credentials() {
  export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1
  export AWS_EC2_METADATA_DISABLED=true
  unset AWS_PROFILE AWS_SESSION_TOKEN AWS_WEB_IDENTITY_TOKEN_FILE AWS_ROLE_ARN
}
