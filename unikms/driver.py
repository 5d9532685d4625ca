"""The driver interface: the one seam between the portable client and a provider.

A driver speaks one dialect's *native* API: it takes the action name and the
request parameters exactly as that dialect's official SDK models them
(PascalCase names; base64 strings on Alibaba classic and Tencent, raw bytes on
the Alibaba instance gateway) and returns the response fields the same way.
Every failure, one channel, is a :class:`NativeError`: the provider's own code,
message, HTTP status and request id, or (``origin``) a failure of the transport,
the credentials, the answer or the driver itself.

The in-memory fake and the SDK adapters both implement this, so everything
above it (validation, lowering, result mapping, error mapping) is written once
and every test can run against either.

A dialect may also define a *typed crypto seam*: its hot calls in the API's own
terms but typed (bytes rather than Base64, a context map), as a ``Protocol`` in
the dialect's package (Tencent's ``TencentCrypto``, Alibaba's ``ClassicCrypto``
and ``GatewayCrypto``). Its operations call every driver through that seam: a
driver that offers it (an attribute the protocol names, e.g. ``tencent_crypto``;
the fake does, to skip Base64 round trips) is called directly, any other through
the dialect's native bridge over ``call``. So a ``fake://`` client and an adapter
run the same neutral code; only what is below the seam differs::

    >>> from unikms.fake import FakeCloud
    >>> from unikms.types import Dialect
    >>> driver = FakeCloud().service(Dialect.TENCENT)
    >>> driver.call("DescribeKey", {"KeyId": "8b8a4a9c-0f1e-11ef-9f9a-02fc00000001"})
    Traceback (most recent call last):
    ...
    unikms.driver.NativeError: ResourceUnavailable.CmkNotFound: The CMK does not exist.

A driver may also declare ``runs_inline = True`` (a class or instance attribute,
read with ``getattr``; absent means ``False``): its calls never wait on I/O and
finish in microseconds, so :class:`unikms.aio.AsyncKmsClient` calls it on the
event loop instead of in a worker thread. The fake declares it; a driver that
talks to a network must not::

    >>> driver.runs_inline
    True
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

from unikms.types import Dialect

__all__ = [
    "ORIGINS",
    "Driver",
    "NativeAnswer",
    "NativeError",
    "NativeParams",
    "NativeResponse",
    "checked_answer",
]

NativeParams = Mapping[str, Any]
NativeResponse = dict[str, Any]


#: where a :class:`NativeError` comes from; the client maps every origin but
#: ``service`` (read with the dialect's error table) to one neutral class
ORIGINS = frozenset({"service", "transport", "credentials", "answer", "driver"})


class NativeError(Exception):
    """A failed call, the one error a driver's ``call`` raises (before neutral mapping).

    ``origin`` says who failed: ``"service"`` (the provider answered with ``code``:
    the dialect's error table maps it), ``"transport"`` (no answer came back, or the
    answer belongs to another request: a :class:`~unikms.errors.TransportError`,
    retried for idempotent actions), ``"credentials"`` (the driver could not sign:
    :class:`~unikms.errors.AccessDeniedError`), ``"answer"`` (the endpoint answered
    with something that is not the API: :class:`~unikms.errors.ServiceError`) or
    ``"driver"`` (the driver cannot make this call as configured:
    :class:`~unikms.errors.UnsupportedByDialectError`, naming ``field``)::

        >>> NativeError("RequestTimeout", "no answer in 10 s", 0, origin="transport").origin
        'transport'
    """

    def __init__(
        self,
        code: str,
        message: str,
        http_status: int,
        request_id: str | None = None,
        *,
        origin: str = "service",
        field: str | None = None,
    ) -> None:
        if origin not in ORIGINS:
            raise ValueError(f"origin must be one of {sorted(ORIGINS)}, got {origin!r}")
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.http_status = http_status
        self.request_id = request_id
        self.origin = origin
        self.field = field


class NativeAnswer(dict[str, Any]):
    """A native answer whose missing field is a typed failure, not a ``KeyError``.

    The dialects' operations read answers through this (:func:`checked_answer`): a
    field the answer lacks, at any depth, raises :class:`NativeError` of origin
    ``answer`` (a :class:`~unikms.errors.ServiceError` to the application), so a
    provider or driver that answers short never surfaces as a raw ``KeyError``::

        >>> checked_answer("DescribeKey", {"KeyMetadata": {}})["KeyMetadata"]["KeyId"]
        Traceback (most recent call last):
        ...
        unikms.driver.NativeError: MissingField: the answer to DescribeKey has no KeyId
    """

    __slots__ = ("action",)
    action: str

    def __missing__(self, name: str) -> Any:
        raise NativeError(
            "MissingField", f"the answer to {self.action} has no {name}", 0, origin="answer"
        )


def checked_answer(action: str, response: Mapping[str, Any]) -> NativeAnswer:
    """``response`` as a :class:`NativeAnswer`, nested objects (and lists of them) too."""
    answer = NativeAnswer()
    answer.action = action
    for name, value in response.items():
        if isinstance(value, dict):
            answer[name] = checked_answer(action, value)
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            answer[name] = [checked_answer(action, v) if isinstance(v, dict) else v for v in value]
        else:
            answer[name] = value
    return answer


@runtime_checkable
class Driver(Protocol):
    """What a provider must implement: one dialect, one native call."""

    @property
    def dialect(self) -> Dialect:
        """The dialect this driver speaks."""
        ...

    def call(self, action: str, params: NativeParams) -> NativeResponse:
        """Perform ``action`` with native ``params``; raise :class:`NativeError`."""
        ...

    def close(self) -> None:
        """Release connections; further calls are refused by the client."""
        ...
