"""Every KMS call, observed: a DEBUG log record and, with ``opentelemetry-api``
installed, a span, as go-cloud traces every call of its portable types.

Each public call of :class:`~unikms.KmsClient` that reaches a KMS is wrapped once
(:func:`traced`). The log record (logger ``unikms.calls``) and the span carry the
dialect, the call, the key as the caller named it, the request id and the latency,
and for a failure the neutral error's class and the provider's code. They never
carry a plaintext, a data key, a ciphertext, a context value or a credential: only
those fields are read. With no DEBUG handler and no tracer a call pays one flag
test and the logger's level check::

    >>> import logging, unikms
    >>> logging.basicConfig(level=logging.DEBUG, format="%(name)s %(message)s",
    ...                     stream=__import__("sys").stdout, force=True)
    >>> kms = unikms.connect("fake://tencent")
    >>> key = kms.create_key(alias="alias/observed").key_id  # doctest: +ELLIPSIS
    unikms.calls tencent create_key key=- request=... ms ok
    >>> logging.getLogger().handlers.clear()

(``...`` stands for the request id and the latency.) Spans are opened by clients
made after the application set an OpenTelemetry tracer provider (or after
:func:`set_tracing`); ``set_tracing(False)`` turns them off all the same.
"""

from __future__ import annotations

import functools
import inspect
import logging
import threading
import time
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

from unikms.errors import KmsError

__all__ = [
    "DEBUG",
    "LOGGER_NAME",
    "TRACING",
    "debug_enabled",
    "observe_call",
    "observing",
    "set_tracing",
    "traced",
    "tracing",
]

#: the logger every call is recorded on, at DEBUG
LOGGER_NAME = "unikms.calls"

_log = logging.getLogger(LOGGER_NAME)
P = ParamSpec("P")
R = TypeVar("R")


class _HasDialect(Protocol):
    @property
    def dialect(self) -> object: ...


S = TypeVar("S", bound=_HasDialect)


class _Tracing:
    """The OpenTelemetry tracer of the provider the application set: ``None`` without
    ``opentelemetry-api``, before the application sets a tracer provider (the API's
    default proxy records nothing, and a span through it would still cost
    microseconds), or when turned off. It is looked for when a client is made and by
    :func:`set_tracing`, not per call; ``on`` is the flag the calls read."""

    def __init__(self) -> None:
        self.wanted = True
        self.on = False
        self.tracer: Any = None
        self._trace: Any = None
        self._absent = False

    def refresh(self) -> None:
        """Look for the application's tracer provider (cheap: once per client made)."""
        if self.tracer is None and not self._absent:
            trace = self._trace
            if trace is None:
                try:
                    from opentelemetry import trace
                except ImportError:
                    self._absent = True
                    return
                self._trace = trace
            provider = trace.get_tracer_provider()
            if not isinstance(provider, trace.ProxyTracerProvider):
                self.tracer = provider.get_tracer("unikms")  # set once: the API keeps it
        self.on = self.wanted and self.tracer is not None


#: what a call reads to know whether it is observed (with the logger's level)
TRACING = _Tracing()
_inside = threading.local()

#: the logger's level check, and DEBUG: ``TRACING.on or debug_enabled(DEBUG)`` is the
#: whole cost of an unobserved call
debug_enabled = _log.isEnabledFor
DEBUG = logging.DEBUG


def set_tracing(enabled: bool) -> None:
    """Turn the OpenTelemetry spans on or off (on by default, once the application has
    set a tracer provider; clients look for it when they are made, and this looks now).

    >>> set_tracing(False); tracing()
    False
    >>> set_tracing(True)
    """
    TRACING.wanted = bool(enabled)
    TRACING.refresh()


def tracing() -> bool:
    """Whether calls open spans now: ``opentelemetry-api`` installed, a tracer provider
    set by the application, and not turned off."""
    TRACING.refresh()
    return TRACING.on


def observing() -> bool:
    """Whether this thread is inside an observed call (the call re-entered to run)."""
    return getattr(_inside, "on", False) is True


def observe_call(
    name: str,
    method: Callable[..., R],
    client: _HasDialect,
    key: object,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> R:
    """Run ``method(client, *args, **kwargs)`` as one observed call ``name`` on ``key``:
    a span around it, a DEBUG record after it. A hot call re-enters itself through
    this (its own check sees :func:`observing` and runs)."""
    shown = key if isinstance(key, str) else "-"
    dialect = str(client.dialect)
    started = time.perf_counter()
    tracer = TRACING.tracer if TRACING.on else None
    span = None
    if tracer is not None:
        span = tracer.start_span(
            f"unikms {name}",
            attributes={"kms.dialect": dialect, "kms.call": name, "kms.key": shown},
        )
    outer = observing()
    _inside.on = True
    try:
        result = method(client, *args, **kwargs)
    except KmsError as err:
        _finish(span, name, dialect, shown, started, err.request_id, err)
        raise
    except BaseException as err:
        _finish(span, name, dialect, shown, started, None, err)
        raise
    finally:
        _inside.on = outer
    _finish(span, name, dialect, shown, started, getattr(result, "request_id", None), None)
    return result


def _key_position(method: Callable[..., Any]) -> int | None:
    """Where ``method`` takes its ``key`` argument (after ``self``), if it takes one."""
    names = [p.name for p in inspect.signature(method).parameters.values()][1:]
    return names.index("key") if "key" in names else None


def traced(name: str) -> Callable[[Callable[Concatenate[S, P], R]], Callable[Concatenate[S, P], R]]:
    """Wrap a client method called ``name`` so that each call is logged and traced.
    (The hot calls, ``encrypt``, ``decrypt`` and ``generate_data_key``, check
    ``TRACING.on or debug_enabled(DEBUG)`` themselves and call :func:`observe_call`:
    a wrapper's argument forwarding would cost more than the check.)"""

    def wrap(method: Callable[Concatenate[S, P], R]) -> Callable[Concatenate[S, P], R]:
        position = _key_position(method)

        @functools.wraps(method)
        def call(self: S, /, *args: P.args, **kwargs: P.kwargs) -> R:
            if not (TRACING.on or debug_enabled(DEBUG)) or observing():
                return method(self, *args, **kwargs)
            key: object = kwargs.get("key")
            if key is None and position is not None and position < len(args):
                key = args[position]
            return observe_call(name, method, self, key, args, kwargs)

        return call

    return wrap


def _finish(
    span: Any,
    name: str,
    dialect: str,
    key: str,
    started: float,
    request_id: str | None,
    err: BaseException | None,
) -> None:
    elapsed_ms = (time.perf_counter() - started) * 1000
    outcome = "ok"
    if err is not None:
        code = getattr(err, "code", None)
        outcome = f"{type(err).__name__}" + (f" ({code})" if code else "")
    _log.debug(
        "%s %s key=%s request=%s %.3f ms %s",
        dialect,
        name,
        key,
        request_id or "-",
        elapsed_ms,
        outcome,
    )
    if span is None:
        return
    if request_id:
        span.set_attribute("kms.request_id", request_id)
    if err is not None:
        span.set_attribute("kms.error", outcome)
        from opentelemetry.trace import Status, StatusCode

        span.set_status(Status(StatusCode.ERROR, type(err).__name__))
    span.end()
