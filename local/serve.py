"""Serve a WSGI app on loopback in a background thread (used by the stack and by tests)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from werkzeug.serving import BaseWSGIServer, make_server

logging.getLogger("werkzeug").setLevel(logging.ERROR)


class BackgroundServer:
    """A threaded werkzeug server bound to 127.0.0.1; ``port=0`` picks a free port."""

    def __init__(self, app, port: int = 0, host: str = "127.0.0.1") -> None:
        self._server: BaseWSGIServer = make_server(host, port, app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def start(self) -> BackgroundServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@contextmanager
def serving(app, port: int = 0) -> Iterator[BackgroundServer]:
    server = BackgroundServer(app, port).start()
    try:
        yield server
    finally:
        server.stop()
