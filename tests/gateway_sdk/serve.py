"""A real HTTP server for an ASGI app, on a free 127.0.0.1 port, in a background thread.

A stand-in until the tests use :class:`unikms.emulator.Emulator` and its
fixture: uvicorn on a socket bound before the server starts, so the port is
known and nothing races for it.

>>> from unikms.emulator.app import EmulatorApp
>>> import json, urllib.request
>>> with serve(EmulatorApp([])) as endpoint:
...     json.load(urllib.request.urlopen(f"http://{endpoint}/health"))["status"]
'ok'
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

__all__ = ["serve"]


@contextmanager
def serve(app: Any, host: str = "127.0.0.1") -> Iterator[str]:
    """Serve ``app`` until the block ends; yields ``host:port`` (the SDKs' endpoint form)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
    )
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, daemon=True, name=f"serve-{port}"
    )
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            server.should_exit = True
            sock.close()
            raise RuntimeError("the test server did not start")
        time.sleep(0.01)
    try:
        yield f"{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
