"""What the three fake services share: dispatch, request ids, throttling, checks.

A service *is* a :class:`~unikms.driver.Driver`: it answers native actions
with native responses and raises :class:`~unikms.driver.NativeError` built from
its dialect's rule table, so the in-process fake and the emulator (which puts
a service behind the wire protocol) answer exactly alike.
"""

from __future__ import annotations

import base64
import binascii
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from unikms.dialects.base import DialectRules, Situation
from unikms.driver import NativeError, NativeParams, NativeResponse
from unikms.fake.keystore import FakeKey, KeyStore
from unikms.types import Dialect, KeyState

__all__ = ["FakeService", "Throttle"]

Handler = Callable[[NativeParams], NativeResponse]


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
    state_situations: Mapping[KeyState, str] = {
        KeyState.DISABLED: Situation.KEY_DISABLED,
        KeyState.PENDING_DELETION: Situation.KEY_PENDING_DELETION,
        KeyState.PENDING_IMPORT: Situation.KEY_PENDING_IMPORT,
        KeyState.ARCHIVED: Situation.KEY_ARCHIVED,
    }

    #: actions a subclass inherits but its dialect does not have
    excluded_actions: frozenset[str] = frozenset()

    def __init__(self, store: KeyStore, *, throttle: Throttle | None = None) -> None:
        self.store = store
        self.throttle = throttle
        self._closed = False
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

    def new_request_id(self) -> str:
        return str(uuid.uuid4())

    def call(self, action: str, params: NativeParams) -> NativeResponse:
        """Answer one native request (the :class:`~unikms.driver.Driver` method)."""
        request_id = self.new_request_id()
        handler = self._handlers.get(action)
        try:
            if handler is None:
                raise self.fail(Situation.UNKNOWN_ACTION, name=action)
            if self.throttle is not None and not self.throttle.allow(action):
                raise self.fail(Situation.THROTTLED)
            with self.store.locked():
                response = handler(params)
        except NativeError as err:
            err.request_id = request_id
            raise
        response["RequestId"] = request_id
        return response

    # -- helpers for handlers ---------------------------------------------------
    def fail(self, situation: str, **fmt: object) -> NativeError:
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
        self, params: NativeParams, name: str, low: int, high: int, *, situation: str = ""
    ) -> int | None:
        value = params.get(name)
        if value is None or value == "":
            return None
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise self.fail(situation or Situation.INVALID_PARAMETER, name=name) from None
        if isinstance(value, bool) or not low <= number <= high:
            raise self.fail(situation or Situation.INVALID_PARAMETER, name=name)
        return number

    def b64(self, params: NativeParams, name: str, situation: str) -> tuple[str, bytes]:
        text = self.text(params, name)
        assert text is not None
        try:
            return text, base64.b64decode(text, validate=True)
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
