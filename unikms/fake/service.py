"""What the three fake services share: dispatch, request ids, throttling, checks.

A service *is* a :class:`~unikms.native.Driver`: it answers native actions
with native responses and raises :class:`~unikms.native.NativeError` built from
its dialect's rule table, so the in-process fake and the emulator (which puts
a service behind the wire protocol) answer exactly alike.
"""

from __future__ import annotations

import binascii
import itertools
import os
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from unikms import _base64
from unikms.dialects.base import DialectRules, Situation
from unikms.fake.keystore import FakeKey, KeyStore
from unikms.native import NativeError, NativeParams, NativeResponse
from unikms.types import Dialect, KeyState

__all__ = ["FakeService", "RequestIds", "Throttle"]

Handler = Callable[[NativeParams], NativeResponse]
T = TypeVar("T")


class RequestIds:
    """UUID-shaped request ids (version 4 layout), unique within the process.

    About 70 random bits per generator and a counter: a tenth of ``uuid.uuid4()``'s
    cost, which matters at a few microseconds per fake call.

        >>> ids = RequestIds()
        >>> first, second = ids(), ids()
        >>> len(first), first[14], first != second
        (36, '4', True)
    """

    def __init__(self) -> None:
        r = os.urandom(10).hex()
        variant = "89ab"[int(r[15], 16) & 3]
        self._prefix = f"{r[:8]}-{r[8:12]}-4{r[12:15]}-{variant}{r[16:19]}-"
        self._count = itertools.count(int.from_bytes(os.urandom(5), "big"))

    def __call__(self) -> str:
        return f"{self._prefix}{next(self._count):012x}"


class Throttle:
    """A token bucket per action: ``rate`` requests a second, bursts of ``rate``."""

    def __init__(self, rates: Mapping[str, float], default: float | None = None) -> None:
        self._rates = dict(rates)
        self._default = default
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def allow(self, action: str) -> bool:
        rate = self._rates.get(action, self._default)
        if rate is None:
            return True
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(action, (rate, now))
            tokens = min(rate, tokens + (now - last) * rate)
            if tokens < 1:
                self._buckets[action] = (tokens, now)
                return False
            self._buckets[action] = (tokens - 1, now)
            return True


class FakeService:
    """Base of the fake services: one dialect's native API over a :class:`KeyStore`."""

    rules: DialectRules
    #: key state -> situation raised when a crypto operation meets it
    state_situations: Mapping[KeyState, Situation] = {
        KeyState.DISABLED: Situation.KEY_DISABLED,
        KeyState.PENDING_DELETION: Situation.KEY_PENDING_DELETION,
        KeyState.PENDING_IMPORT: Situation.KEY_PENDING_IMPORT,
        KeyState.ARCHIVED: Situation.KEY_ARCHIVED,
    }

    #: actions a subclass inherits but its dialect does not have
    excluded_actions: frozenset[str] = frozenset()

    #: calls never wait on I/O: an async client runs them inline (see :mod:`unikms.native`)
    runs_inline = True

    def __init__(self, store: KeyStore, *, throttle: Throttle | None = None) -> None:
        self.store = store
        self.throttle = throttle
        self._closed = False
        self.new_request_id = RequestIds()
        self._handlers: dict[str, Handler] = {
            name[3:]: getattr(self, name)
            for name in dir(self)
            if name.startswith("op_") and name[3:] not in self.excluded_actions
        }

    @property
    def dialect(self) -> Dialect:
        return self.rules.dialect

    @property
    def actions(self) -> list[str]:
        """The native actions this service answers."""
        return sorted(self._handlers)

    def close(self) -> None:
        self._closed = True

    def call(self, action: str, params: NativeParams) -> NativeResponse:
        """Answer one native request (the :class:`~unikms.native.Driver` method)."""
        handler = self._handlers.get(action)
        if handler is None:
            err = self.fail(Situation.UNKNOWN_ACTION, name=action)
            err.request_id = self.new_request_id()
            raise err
        # the native path only: the in-process fast path builds its own requests
        unknown = self.rules.unknown_param(action, params)
        if unknown is not None:
            err = self.fail(Situation.UNKNOWN_PARAMETER, name=unknown)
            err.request_id = self.new_request_id()
            raise err
        response, request_id = self.run(action, handler, params)
        response["RequestId"] = request_id
        return response

    def run(self, action: str, work: Callable[..., T], *args: Any) -> tuple[T, str]:
        """Do ``work(*args)`` as one request for ``action``: throttle, the store's
        lock, due deletions; returns the result with the request id (also set on
        a :class:`NativeError`). :meth:`call` and the in-process fast path share it.
        """
        request_id = self.new_request_id()
        try:
            if self.throttle is not None and not self.throttle.allow(action):
                raise self.fail(Situation.THROTTLED)
            store = self.store
            with store.lock:
                store.expire()
                result = work(*args)
        except NativeError as err:
            err.request_id = request_id
            raise
        return result, request_id

    # -- helpers for handlers ---------------------------------------------------
    def fail(self, situation: Situation, **fmt: object) -> NativeError:
        return self.rules.fail(situation, **fmt)

    def text(self, params: NativeParams, name: str, *, required: bool = True) -> str | None:
        value = params.get(name)
        if value is None or value == "":
            if required:
                raise self.fail(Situation.MISSING_PARAMETER, name=name)
            return None
        if not isinstance(value, str):
            raise self.fail(Situation.INVALID_PARAMETER, name=name)
        return value

    def integer(
        self,
        params: NativeParams,
        name: str,
        low: int,
        high: int,
        *,
        situation: Situation = Situation.INVALID_PARAMETER,
    ) -> int | None:
        value = params.get(name)
        if value is None or value == "":
            return None
        try:
            number = int(value)
        except (TypeError, ValueError, OverflowError):  # OverflowError: an infinite float
            raise self.fail(situation, name=name) from None
        if isinstance(value, bool) or not low <= number <= high:
            raise self.fail(situation, name=name)
        return number

    def b64(self, params: NativeParams, name: str, situation: Situation) -> tuple[str, bytes]:
        text = self.text(params, name)
        assert text is not None
        try:
            return text, _base64.decode(text)
        except (binascii.Error, ValueError):
            raise self.fail(situation, name=name) from None

    def usable(self, key: FakeKey, *, decrypting: bool = False) -> None:
        """Raise the dialect's state error unless ``key`` may encrypt (or decrypt)."""
        if key.state is KeyState.ENABLED:
            return
        if decrypting and key.state is KeyState.ARCHIVED:
            return  # an archived key still decrypts (Tencent)
        raise self.fail(self.state_situations[key.state], key=key.key_id)


def seconds(dt: Any) -> int:
    """Unix seconds of a datetime (0 for ``None``), as Tencent reports times."""
    return int(dt.timestamp()) if dt is not None else 0
