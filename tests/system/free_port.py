"""Print a loopback port that is free for both TCP and UDP right now."""
import random
import socket
import sys

for _ in range(200):
    port = random.randint(20000, 60999)
    try:
        for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
            s = socket.socket(socket.AF_INET, kind)
            s.bind(("127.0.0.1", port))
            s.close()
    except OSError:
        continue
    print(port)
    sys.exit(0)
sys.exit(1)
