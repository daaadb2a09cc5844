"""An HTTP target for the scale benchmark: every GET answers 200 after a fixed delay, a
thread per connection, so 100 requests at once are 100 answers after one delay.

Usage: slow_target.py PORT_FILE DELAY_MS. Binds 127.0.0.1 on a free port and writes the
port to PORT_FILE once it is listening.
"""

import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Server(ThreadingHTTPServer):
    daemon_threads = True
    # 100 clients connect at once: the listen backlog must hold them all.
    request_queue_size = 1024


def handler(delay_s: float):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_GET(self):
            time.sleep(delay_s)
            body = b'{"status": "ok"}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


def main() -> None:
    port_file, delay_ms = sys.argv[1], int(sys.argv[2])
    server = Server(("127.0.0.1", 0), handler(delay_ms / 1000))
    tmp = port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(server.server_address[1]))
    os.replace(tmp, port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
