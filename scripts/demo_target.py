"""A small HTTP stand-in for a deployment: the API's /health, /hello and /v1/status, a
/login that wants `Authorization: Bearer <--login-token>`, and a frontend page at /
answering with the headers CloudFront adds (x-cache, x-amz-cf-pop, age).

Binds 127.0.0.1 on the given port (0: a free one) and writes the port it got to
--port-file once it is listening. --delay-ms makes /health and /hello answer late;
--fail-api makes them answer 503.
"""

import argparse
import json
import os
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def handler(delay_s: float, fail_api: bool, login_token: str):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):  # keep the demo's output readable
            pass

        def send(self, code, body, content_type, extra=()):
            self.send_response(code)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in extra:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            path = self.path.split("?", 1)[0]
            if path in ("/health", "/hello"):
                if delay_s:
                    time.sleep(delay_s)
                if fail_api:
                    body = json.dumps({"status": "unavailable"}).encode()
                    self.send(503, body, "application/json")
                elif path == "/health":
                    self.send(200, b'{"status": "healthy"}', "application/json")
                else:
                    self.send(200, b'{"message": "hello from the demo API"}', "application/json")
            elif path == "/v1/status":
                status = "degraded" if fail_api else "healthy"
                body = json.dumps({"status": status, "checks": {"db": not fail_api}})
                self.send(200, body.encode(), "application/json")
            elif path == "/login":
                if self.headers.get("Authorization") == f"Bearer {login_token}":
                    self.send(200, b"ok: signed in\n", "text/plain")
                else:
                    self.send(401, b"sign in first\n", "text/plain")
            elif path in ("/", "/index.html"):
                body = b"<!doctype html><title>demo</title><h1>It works</h1>\n"
                self.send(
                    200,
                    body,
                    "text/html",
                    [
                        ("x-cache", "Hit from cloudfront"),
                        ("x-amz-cf-pop", "LHR62-C1"),
                        ("age", "42"),
                        ("cache-control", "no-cache"),
                    ],
                )
            else:
                self.send(404, b"not found\n", "text/plain")

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--delay-ms", type=int, default=0)
    parser.add_argument("--fail-api", action="store_true")
    parser.add_argument("--login-token", default="demo-login-token")
    args = parser.parse_args()

    server = ThreadingHTTPServer(
        ("127.0.0.1", args.port),
        handler(args.delay_ms / 1000, args.fail_api, args.login_token),
    )
    server.daemon_threads = True
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(server.server_address[1]))
    os.replace(tmp, args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
