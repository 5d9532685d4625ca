"""HTTP request and response values shared by the wire protocols, and the JSON body
reader of the JSON ones."""

from __future__ import annotations

import json
import math
import threading
import time
import uuid
from collections import deque
from collections.abc import Mapping
from typing import Any, Protocol
from urllib.parse import parse_qsl

import attrs

__all__ = [
    "NonceJournal",
    "ProtocolHandler",
    "ReplayGuard",
    "Request",
    "Response",
    "load_json_object",
    "new_request_id",
]


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
    """One answer; ``request_id`` is the id the answer carries (for the access log)."""

    status: int
    body: bytes
    content_type: str
    headers: tuple[tuple[str, str], ...] = ()
    request_id: str = ""


class ProtocolHandler(Protocol):
    """One wire protocol: recognises its requests and answers them."""

    name: str

    def matches(self, request: Request) -> bool: ...

    def handle(self, request: Request) -> Response: ...

    def internal_error(self, request: Request) -> Response: ...

    def too_large(self, request: Request) -> Response: ...


def _finite(text: str) -> float:
    """A JSON number as a float; ``1e400`` (infinite as a float) is not a number either
    protocol takes."""
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("a JSON number out of range")
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")  # Python's json takes NaN and Infinity; JSON does not


def _unpaired_surrogate(value: object) -> str | None:
    """The name of the first field whose text holds a lone surrogate (``"\\ud800"``: valid
    JSON, but no Unicode text), else None. Iterative: any depth json.loads took."""
    stack: list[tuple[str, object]] = [("", value)]
    while stack:
        name, item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return name or "the request body"
        elif isinstance(item, dict):
            for key, sub in item.items():
                stack.append((str(key), key))
                stack.append((f"{name}.{key}" if name else str(key), sub))
        elif isinstance(item, list):
            stack.extend((f"{name}.{i}", sub) for i, sub in enumerate(item))
    return None


def load_json_object(body: bytes) -> dict[str, Any]:
    """A JSON request body (Tencent's TC3 POST, AWS's JSON 1.1) as parameters: a JSON
    object of finite numbers and Unicode text.

    Anything else raises :class:`ValueError` (the caller answers its protocol's parameter
    or serialization error):

    >>> load_json_object(b'{"Offset": Infinity}')
    Traceback (most recent call last):
    ValueError: Infinity is not JSON
    """
    try:
        loaded = json.loads(body or b"{}", parse_float=_finite, parse_constant=_no_constant)
    except RecursionError:
        raise ValueError("the JSON is nested too deep") from None
    if not isinstance(loaded, dict):
        raise ValueError("not a JSON object")
    if b"\\u" in body:  # only an escape can make a lone surrogate
        field = _unpaired_surrogate(loaded)
        if field is not None:
            raise ValueError(f"{field} is not valid Unicode text")
    return loaded


def new_request_id() -> str:
    return str(uuid.uuid4())


class NonceJournal(Protocol):
    """Where a :class:`ReplayGuard` keeps its nonces beyond the process (``--state``)."""

    def load(self, since: float) -> list[tuple[str, float]]:
        """The nonces seen after ``since``, with when, oldest first."""
        ...

    def record(self, nonce: str, seen_at: float, horizon: float) -> None:
        """Keep ``nonce`` (durable on return); entries at or before ``horizon`` may go."""
        ...


class ReplayGuard:
    """Remembers nonces for ``window`` seconds; a nonce seen twice is a replay.

    O(1) amortised per call and safe across threads: nonces are kept in a
    deque in arrival order (which is time order) beside a dict for lookup,
    and expire from the deque's head. At most ``capacity`` nonces are kept;
    past that the oldest are forgotten early (a replay of one of them then
    still has to pass the protocol's timestamp window).

    >>> guard = ReplayGuard(60)
    >>> guard.fresh("n", now=0), guard.fresh("n", now=30), guard.fresh("n", now=61)
    (True, False, True)
    """

    def __init__(self, window: float, capacity: int = 1_000_000) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.window = window
        self.capacity = capacity
        self._seen: dict[str, float] = {}
        self._order: deque[tuple[float, str]] = deque()
        self._lock = threading.Lock()
        self._journal: NonceJournal | None = None

    def attach(self, journal: NonceJournal, now: float | None = None) -> None:
        """Remember through ``journal`` from now on, starting with what it holds, so a
        nonce refused before a restart is refused after it."""
        now = time.time() if now is None else now
        entries = journal.load(now - self.window)
        with self._lock:
            for nonce, seen_at in sorted(entries, key=lambda e: e[1]):
                if self._seen.get(nonce, -1.0) < seen_at:
                    while len(self._order) >= self.capacity:
                        self._forget_oldest()
                    self._seen[nonce] = seen_at
                    self._order.append((seen_at, nonce))
            self._journal = journal

    def __len__(self) -> int:
        return len(self._seen)

    def _forget_oldest(self) -> None:
        stamp, nonce = self._order.popleft()
        if self._seen.get(nonce) == stamp:
            del self._seen[nonce]

    def fresh(self, nonce: str, now: float | None = None) -> bool:
        now = time.time() if now is None else now
        horizon = now - self.window
        with self._lock:
            order = self._order
            while order and order[0][0] <= horizon:
                self._forget_oldest()
            seen_at = self._seen.get(nonce)
            if seen_at is not None and seen_at > horizon:
                return False
            while len(order) >= self.capacity:
                self._forget_oldest()
            if self._journal is not None:  # before the answer: a crash cannot forget it
                self._journal.record(nonce, now, horizon)
            self._seen[nonce] = now
            order.append((now, nonce))
            return True
