"""A TCP listener on 127.0.0.1 that accepts connections and never answers: the worst case
for an instance-metadata probe. Writes its port to the given file."""

import os
import socket
import sys

server = socket.socket()
server.bind(("127.0.0.1", 0))
server.listen(64)
tmp = sys.argv[1] + ".tmp"
with open(tmp, "w") as f:
    f.write(str(server.getsockname()[1]))
os.replace(tmp, sys.argv[1])
held = []
while True:
    conn, _ = server.accept()
    held.append(conn)
