"""The emulator's ASGI application: one port, three wire protocols.

All three APIs are ``POST /``; the protocol is told apart by its headers
(``x-acs-action`` or an ``AccessKeyId`` query for Alibaba classic,
``x-kms-apiname`` for the instance gateway, ``X-TC-Action`` or a
``SecretId`` parameter for Tencent). ``GET /health`` answers
``{"status": "ok"}``; ``POST /_unikms/clock`` with ``{"advance_days": N}``
moves the fake's clock (tests reach rotation and deletion windows with it);
``POST /_unikms/reset`` forgets every key and alias (credentials and client
keys stay), so test suites can share one server.

A request that breaks anything (a body over the limit, bad encodings, an
unexpected exception) gets the protocol's own error answer; the server keeps
serving and never sends a traceback.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from typing import Any

from unikms.emulator.wire import ProtocolHandler, Request, Response

__all__ = ["EmulatorApp"]

log = logging.getLogger("unikms.emulator")

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

#: bodies past this are refused without being read further (gateway: 3 MB -> 413)
MAX_BODY = 3 * 1024 * 1024 + 64 * 1024


def _json(status: int, doc: object) -> Response:
    return Response(status, json.dumps(doc).encode(), "application/json")


class EmulatorApp:
    """Routes each request to the wire protocol it speaks."""

    def __init__(
        self,
        protocols: Sequence[ProtocolHandler],
        *,
        advance_clock: Callable[[float], None] | None = None,
        reset: Callable[[], None] | None = None,
    ) -> None:
        self.protocols = list(protocols)
        self.advance_clock = advance_clock
        self.reset = reset

    def route(self, request: Request) -> ProtocolHandler | None:
        return next((p for p in self.protocols if p.matches(request)), None)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        headers: dict[str, str] = {}
        for raw_name, raw_value in scope["headers"]:
            name = raw_name.decode("latin-1").lower()
            value = raw_value.decode("latin-1")
            headers[name] = f"{headers[name]},{value}" if name in headers else value
        body, too_large = await self._read_body(receive, headers)
        request = Request(
            scope["method"], scope["path"], scope.get("query_string", b""), headers, body
        )
        response = self._answer(request, self.route(request), too_large)
        await send(
            {
                "type": "http.response.start",
                "status": response.status,
                "headers": [
                    (b"content-type", response.content_type.encode()),
                    (b"content-length", str(len(response.body)).encode()),
                    *((k.encode(), v.encode()) for k, v in response.headers),
                ],
            }
        )
        await send({"type": "http.response.body", "body": response.body})

    async def _read_body(self, receive: Receive, headers: dict[str, str]) -> tuple[bytes, bool]:
        declared = headers.get("content-length", "")
        too_large = declared.isdigit() and int(declared) > MAX_BODY
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_BODY:
                too_large = True
            if not too_large:
                chunks.append(chunk)
            more = message.get("more_body", False)
        return b"".join(chunks), too_large

    def _answer(
        self, request: Request, protocol: ProtocolHandler | None, too_large: bool
    ) -> Response:
        if request.method == "GET" and request.path in ("/health", "/_unikms/health"):
            return _json(200, {"status": "ok", "protocols": [p.name for p in self.protocols]})
        if request.path == "/_unikms/clock" and request.method == "POST":
            return self._clock(request)
        if request.path == "/_unikms/reset" and request.method == "POST" and self.reset:
            self.reset()
            return _json(200, {"reset": True})
        if protocol is None:
            return _json(
                400,
                {
                    "Code": "UnknownProtocol",
                    "Message": "the request matches none of the served KMS protocols",
                },
            )
        try:
            if too_large:
                return protocol.too_large(request)
            return protocol.handle(request)
        except Exception:  # the server keeps serving; details stay in the debug log
            log.debug("%s request failed", protocol.name, exc_info=True)
            return protocol.internal_error(request)

    def _clock(self, request: Request) -> Response:
        if self.advance_clock is None:
            return _json(404, {"Code": "NotFound", "Message": "no clock to move"})
        try:
            days = float(json.loads(request.body or b"{}").get("advance_days", 0))
        except (ValueError, AttributeError, TypeError):
            return _json(400, {"Code": "InvalidParameter", "Message": "advance_days: a number"})
        self.advance_clock(days)
        return _json(200, {"advanced_days": days})
