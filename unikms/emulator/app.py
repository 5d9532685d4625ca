"""The emulator's ASGI application: one port, one wire protocol per registered dialect.

All the APIs are ``POST /``; the protocol is told apart by its headers
(``x-acs-action`` or an ``AccessKeyId`` parameter for Alibaba classic,
``x-kms-apiname`` for the instance gateway, ``X-TC-Action`` or a
``SecretId`` parameter for Tencent, ``X-Amz-Target`` for AWS; a plug-in
dialect's protocol says what it recognises). ``GET /health`` answers
``{"status": "ok"}``; ``POST /_unikms/clock`` with ``{"advance_days": N}``
moves the fake's clock (tests reach rotation and deletion windows with it);
``POST /_unikms/reset`` forgets every key and alias (credentials and client
keys stay), so test suites can share one server. These two admin endpoints
answer only loopback clients (403 for any other address).

A request that breaks anything (a body over the limit, bad encodings, an
unexpected exception) gets the protocol's own error answer; the server keeps
serving and never sends a traceback.

Logging: the logger ``unikms.emulator.access`` gets one INFO line per request
(protocol, action, HTTP status, latency, request id; never a parameter, header
value or secret), and an unexpected exception is logged at ERROR on
``unikms.emulator`` with the request id, the exception type and where it was
raised (file, line, function: no message, which could quote request data).
``unikms serve`` shows both on stderr (``--no-access-log`` leaves the first out).
"""

from __future__ import annotations

import ipaddress
import json
import logging
import math
import re
import time
import traceback
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from typing import Any

from unikms.dialects import dialect_packages
from unikms.emulator.http_limits import HttpLimits
from unikms.emulator.wire import ProtocolHandler, Request, Response

__all__ = ["EmulatorApp", "request_action"]

log = logging.getLogger("unikms.emulator")
access_log = logging.getLogger("unikms.emulator.access")

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

#: the furthest one clock request may move the fake's clock (a hundred years)
MAX_ADVANCE_DAYS = 36_500

_ADMIN_PATHS = ("/_unikms/clock", "/_unikms/reset")

#: bodies past this are refused without being read further (gateway: 3 MB -> 413)
MAX_BODY = 3 * 1024 * 1024 + 64 * 1024
#: header lines past this are refused (431) before any is read (the server caps sizes)
MAX_HEADERS = HttpLimits().max_headers


_UNSHOWN = re.compile(r"[^A-Za-z0-9._/-]")


def action_headers() -> tuple[str, ...]:
    """The headers in which the served protocols name a request's action (each
    dialect package declares its own); then the v1 ``Action`` parameter is read."""
    return tuple(h for p in dialect_packages() if p.emulator for h in p.emulator.action_headers)


def _shown(name: str) -> str:
    """A client-sent name made safe for one log line (no newlines, no escapes, short)."""
    return _UNSHOWN.sub("?", name[:64]) or "-"


def request_action(request: Request, headers: Sequence[str] | None = None) -> str:
    """The action a request names, as the access log shows it (``-`` when it names none)."""
    for header in action_headers() if headers is None else headers:
        if header in request.headers:
            return _shown(request.headers[header])
    try:
        for pairs in (request.query_params(), request.form_params()):
            for name, value in pairs:
                if name == "Action":
                    return _shown(value)
    except (ValueError, UnicodeError):
        pass
    return "-"


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
        self.action_headers = action_headers()
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
        started = time.perf_counter()
        if len(scope["headers"]) > MAX_HEADERS:
            await _send(send, _too_many_headers())
            return
        headers = _join_headers(scope["headers"])
        body, too_large = await self._read_body(receive, headers)
        request = Request(
            scope["method"], scope["path"], scope.get("query_string", b""), headers, body
        )
        protocol = self.route(request)
        response = self._answer(
            request, protocol, too_large, local=_is_loopback(scope.get("client"))
        )
        await _send(send, response)
        if access_log.isEnabledFor(logging.INFO):
            access_log.info(
                "%s %s %s %d %.1fms %s",
                protocol.name if protocol else "-",
                _shown(request.method),
                request_action(request, self.action_headers) if protocol else _shown(request.path),
                response.status,
                (time.perf_counter() - started) * 1000,
                response.request_id or "-",
            )

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
        self,
        request: Request,
        protocol: ProtocolHandler | None,
        too_large: bool,
        *,
        local: bool = True,
    ) -> Response:
        if request.method == "GET" and request.path in ("/health", "/_unikms/health"):
            return _json(200, {"status": "ok", "protocols": [p.name for p in self.protocols]})
        if request.path in _ADMIN_PATHS and request.method == "POST" and not local:
            message = "admin endpoints answer loopback clients only"
            return _json(403, {"Code": "Forbidden", "Message": message})
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
        except Exception as err:  # keeps serving; no message: it could carry request data
            response = protocol.internal_error(request)
            where = "; ".join(
                f"{frame.filename}:{frame.lineno} in {frame.name}"
                for frame in traceback.extract_tb(err.__traceback__)[-3:]
            )
            log.error(
                "internal error: %s %s request %s: %s at %s",
                protocol.name,
                request_action(request, self.action_headers),
                response.request_id or "-",
                type(err).__name__,
                where,
            )
            return response

    def _clock(self, request: Request) -> Response:
        if self.advance_clock is None:
            return _json(404, {"Code": "NotFound", "Message": "no clock to move"})
        days = _advance_days(request.body)
        if days is None:
            return _json(
                400,
                {
                    "Code": "InvalidParameter",
                    "Message": f"advance_days: a finite number from 0 to {MAX_ADVANCE_DAYS}",
                },
            )
        self.advance_clock(days)
        return _json(200, {"advanced_days": days})


async def _send(send: Send, response: Response) -> None:
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


def _join_headers(raw: Sequence[tuple[bytes, bytes]]) -> dict[str, str]:
    """Header names lower-cased; a repeated header's values joined with ``,`` in order
    (RFC 9110 5.3), in one pass: linear in the number and size of the headers."""
    joined: dict[str, str] = {}
    repeated: dict[str, list[str]] = {}
    for raw_name, raw_value in raw:
        name = raw_name.decode("latin-1").lower()
        value = raw_value.decode("latin-1")
        if name not in joined:
            joined[name] = value
        elif name in repeated:
            repeated[name].append(value)
        else:
            repeated[name] = [joined[name], value]
    for name, values in repeated.items():
        joined[name] = ",".join(values)
    return joined


def _too_many_headers() -> Response:
    message = f"the request has more than {MAX_HEADERS} header lines"
    return _json(431, {"Code": "RequestHeaderFieldsTooLarge", "Message": message})


def _advance_days(body: bytes) -> float | None:
    """``advance_days`` from a clock request, or None when it is not a sane number."""
    try:
        doc = json.loads(body or b"{}")
        value = doc.get("advance_days", 0)
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            return None
        days = float(value)
    except (ValueError, AttributeError, TypeError, OverflowError, RecursionError):
        return None
    if not math.isfinite(days) or not 0 <= days <= MAX_ADVANCE_DAYS:
        return None
    return days


def _is_loopback(client: object) -> bool:
    """Whether an ASGI ``scope["client"]`` is this machine (None: no network peer)."""
    if client is None:
        return True
    if not isinstance(client, (tuple, list)) or not client:
        return False
    try:
        address = ipaddress.ip_address(str(client[0]).partition("%")[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback
