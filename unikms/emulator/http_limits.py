"""Limits and deadlines on each HTTP connection, enforced under the ASGI app.

uvicorn's httptools protocol caps neither the size nor the number of request
headers, and it has no deadline for a request head that trickles in
(slowloris) or a connection that never sends one: its keep-alive timer only
starts after a first response. :func:`limited_protocol` makes a subclass of
it that adds, per connection:

* the request head (request line and headers) at most ``max_head_bytes``
  bytes and ``max_headers`` header lines, counted as the bytes arrive, so the
  work done on a hostile head stays linear and bounded; past either limit the
  answer is HTTP 431 with a JSON body and the connection is closed;
* ``head_timeout``: a request head must be complete this many seconds after
  the connection opens or the request's first byte arrives, else the
  connection is closed (idle connections that never send a request, too);
* ``body_timeout``: a body must be complete this many seconds after its head,
  else the connection is closed (the app sees a disconnect).

Neither vendor documents its answer to an oversized head, so 431 (RFC 6585,
"Request Header Fields Too Large") is this emulator's choice, written down in
``docs/emulator.md`` with the default values.

>>> limits = HttpLimits(max_headers=10)
>>> limited_protocol(limits).limits.max_headers
10
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import attrs
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

__all__ = ["HttpLimits", "limited_protocol"]


@attrs.frozen
class HttpLimits:
    """What one request head may hold and how long a request may take to arrive."""

    #: request line + header lines, in bytes (real SDK requests send under 2 KiB)
    max_head_bytes: int = 64 * 1024
    #: header lines in one request (the SDKs send about 15)
    max_headers: int = 100
    #: seconds from connecting (or a request's first byte) to the end of its head
    head_timeout: float = 10.0
    #: seconds from the end of a head to the end of its body
    body_timeout: float = 30.0
    #: seconds an idle keep-alive connection stays open between requests
    keep_alive_timeout: float = 30.0


class _HeadTooLarge(Exception):
    """Raised from a parser callback: stops httptools at once (it re-raises it)."""


def _refusal(what: str, limit: int) -> bytes:
    body = json.dumps(
        {
            "Code": "RequestHeaderFieldsTooLarge",
            "Message": f"the request head exceeds {limit} {what}",
        }
    ).encode()
    return (
        b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
        b"content-type: application/json\r\n"
        b"content-length: " + str(len(body)).encode() + b"\r\n"
        b"connection: close\r\n\r\n" + body
    )


class _LimitedProtocol(HttpToolsProtocol):
    limits: HttpLimits = HttpLimits()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._in_head = True
        self._head_bytes = 0
        self._header_count = 0
        self._refused: bytes | None = None
        self._deadline: asyncio.TimerHandle | None = None

    # -- deadlines ------------------------------------------------------------------
    def _arm(self, seconds: float) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(seconds, self._expire)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expire(self) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm(self.limits.head_timeout)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    # -- the head, counted as it arrives ----------------------------------------------
    def _refuse(self, what: str, limit: int) -> None:
        self._refused = _refusal(what, limit)
        raise _HeadTooLarge

    def data_received(self, data: bytes) -> None:
        if self._in_head:
            self._head_bytes += len(data)
        super().data_received(data)  # a _HeadTooLarge ends in send_400_response below
        if (
            self._in_head
            and self._head_bytes > self.limits.max_head_bytes
            and not self.transport.is_closing()
        ):
            self._refused = _refusal("bytes", self.limits.max_head_bytes)
            self.send_400_response("")

    def send_400_response(self, msg: str) -> None:
        if self._refused is None:
            super().send_400_response(msg)
            return
        self._disarm()
        self.transport.write(self._refused)
        self.transport.close()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if not self._in_head:  # a keep-alive request: its head gets its own deadline
            self._in_head = True
            self._head_bytes = 0
            self._arm(self.limits.head_timeout)
        self._header_count = 0

    def on_url(self, url: bytes) -> None:
        if len(self.url) + len(url) > self.limits.max_head_bytes:
            self._refuse("bytes", self.limits.max_head_bytes)
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_count += 1
        if self._header_count > self.limits.max_headers:
            self._refuse("header lines", self.limits.max_headers)
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._arm(self.limits.body_timeout)
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._disarm()
        super().on_message_complete()


def limited_protocol(limits: HttpLimits) -> type[HttpToolsProtocol]:
    """An httptools protocol class for ``uvicorn.Config(http=...)`` that enforces ``limits``."""
    return type("LimitedHttpToolsProtocol", (_LimitedProtocol,), {"limits": limits})
