"""HTTP request and response values shared by the three wire protocols."""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from typing import Protocol
from urllib.parse import parse_qsl

import attrs

__all__ = ["ProtocolHandler", "ReplayGuard", "Request", "Response", "new_request_id"]


@attrs.frozen
class Request:
    """One HTTP request as the emulator sees it (header names lower-cased)."""

    method: str
    path: str
    query: bytes
    headers: Mapping[str, str]
    body: bytes

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name, default)

    def query_params(self) -> list[tuple[str, str]]:
        """Decoded query parameters, in order (``+`` is a space, as urlencode wrote it)."""
        return parse_qsl(self.query.decode("latin-1"), keep_blank_values=True)

    def form_params(self) -> list[tuple[str, str]]:
        if not self.header("content-type").startswith("application/x-www-form-urlencoded"):
            return []
        return parse_qsl(self.body.decode("utf-8", "replace"), keep_blank_values=True)


@attrs.frozen
class Response:
    status: int
    body: bytes
    content_type: str
    headers: tuple[tuple[str, str], ...] = ()


class ProtocolHandler(Protocol):
    """One wire protocol: recognises its requests and answers them."""

    name: str

    def matches(self, request: Request) -> bool: ...

    def handle(self, request: Request) -> Response: ...

    def internal_error(self, request: Request) -> Response: ...

    def too_large(self, request: Request) -> Response: ...


def new_request_id() -> str:
    return str(uuid.uuid4())


class ReplayGuard:
    """Remembers nonces for ``window`` seconds; a nonce seen twice is a replay."""

    def __init__(self, window: float) -> None:
        self.window = window
        self._seen: dict[str, float] = {}

    def fresh(self, nonce: str, now: float | None = None) -> bool:
        now = time.time() if now is None else now
        if len(self._seen) > 10_000:
            self._seen = {n: t for n, t in self._seen.items() if t > now - self.window}
        if nonce in self._seen and self._seen[nonce] > now - self.window:
            return False
        self._seen[nonce] = now
        return True
