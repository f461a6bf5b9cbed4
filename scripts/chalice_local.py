"""``chalice local`` with a listen backlog that holds a deadline's worth of clients.

Chalice's local server keeps socketserver's default backlog of 5 pending connections: with a
few dozen clients connecting at once the kernel resets the rest (``ConnectionResetError``),
which API Gateway never does. The server already runs each request in its own thread; only
the backlog is too short. Same arguments as ``chalice``.
"""

from __future__ import annotations

import sys

from chalice import local
from chalice.cli import cli

# The kernel caps it at net.core.somaxconn (4096 on current Linux).
LISTEN_BACKLOG = 1024


def main() -> int:
    local.ThreadedHTTPServer.request_queue_size = LISTEN_BACKLOG
    arguments = sys.argv[1:]
    # The auto-reloader restarts the server with Popen(sys.argv): make that run this file again.
    sys.argv = [sys.executable, __file__, *arguments]
    return cli.main(args=arguments, obj={}, prog_name="chalice")


if __name__ == "__main__":
    sys.exit(main())
