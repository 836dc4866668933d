"""The HTTP server under the local stand-ins (Flowroute sandbox, Slack emulator)."""

from __future__ import annotations

import sys
from http.server import ThreadingHTTPServer


class LoopbackServer(ThreadingHTTPServer):
    """Daemon request threads, a deeper accept queue, and a client hanging up is not an error.

    Tests time out and SIGKILL clients on purpose; the stack traces of their broken pipes were noise.
    """

    daemon_threads = True
    request_queue_size = 128

    def handle_error(self, request, client_address) -> None:
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        super().handle_error(request, client_address)
