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
    unikms.native.NativeError: ResourceUnavailable.CmkNotFound: The CMK does not exist.

A driver may also declare ``runs_inline = True`` (a class or instance attribute,
read with ``getattr``; absent means ``False``): its calls never wait on I/O and
finish in microseconds, so :class:`unikms.aio.AsyncKmsClient` calls it on the
event loop instead of in a worker thread. The fake declares it; a driver that
talks to a network must not::

    >>> driver.runs_inline
    True
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, Generic, ParamSpec, Protocol, TypeVar, cast, runtime_checkable

from unikms.types import Dialect

__all__ = [
    "ORIGINS",
    "Action",
    "Driver",
    "NativeAnswer",
    "NativeCall",
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
        unikms.native.NativeError: MissingField: the answer to DescribeKey has no KeyId
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
        answer[name] = _unchecked(action, value)
    return answer


def _unchecked(action: str, value: Any) -> Any:
    """A value no type declares: objects (and lists of them) made :class:`NativeAnswer`."""
    if isinstance(value, dict):
        return checked_answer(action, value)
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return [checked_answer(action, v) if isinstance(v, dict) else v for v in value]
    return value


#: an action's request: the keyword parameters of its request ``TypedDict``
RequestP = ParamSpec("RequestP")
AnswerT = TypeVar("AnswerT", bound=Mapping[str, Any])

#: checks one value of an answer: (action, field path, value) -> the value (a nested
#: object as a NativeAnswer), or ``TypeError`` naming the path and what it expected
_Check = Callable[[str, str, Any], Any]


class Action(Generic[RequestP, AnswerT]):
    """One action of a dialect's native API, typed: its name, and the ``TypedDict`` of its
    request and of its answer.

    The dialects' operations call a driver only through actions, with the request's
    fields as keywords (``self.call(DESCRIBE_KEY, KeyId=key)``:
    :meth:`unikms.dialects.base.DialectOperations.call`), so mypy checks every request
    they build against the request's ``TypedDict`` and every answer field they read;
    and :meth:`checked` holds what the driver answered to those types at run time: a
    field of the wrong type is a typed failure (a :class:`NativeError` of origin
    ``answer``, a :class:`~unikms.errors.ServiceError` to the application) when the
    answer arrives, a missing one when it is read (:class:`NativeAnswer`). ``None`` is
    "absent", as in requests. Fields an answer has beyond its type pass unchecked: APIs grow::

        >>> from typing import TypedDict
        >>> class DescribeKeyRequest(TypedDict):
        ...     KeyId: str
        >>> class DescribeKeyAnswer(TypedDict):
        ...     KeyMetadata: dict[str, int]
        ...     RequestId: str
        >>> DESCRIBE_KEY = Action("DescribeKey", DescribeKeyRequest, DescribeKeyAnswer)
        >>> try:
        ...     DESCRIBE_KEY.checked({"KeyMetadata": {"CreateTime": "soon"}, "RequestId": "r"})
        ... except NativeError as err:
        ...     print(err.code, err.origin, err.message, sep="; ")
        WrongType; answer; the answer to DescribeKey has KeyMetadata.CreateTime of type str, not int
    """

    __slots__ = ("_checks", "answer", "name", "request")

    def __init__(self, name: str, request: Callable[RequestP, Any], answer: type[AnswerT]) -> None:
        self.name = name
        self.request = request
        self.answer = answer
        self._checks: dict[str, _Check] | None = None  # compiled on first use

    def __repr__(self) -> str:
        request = getattr(self.request, "__name__", repr(self.request))
        return f"Action({self.name!r}, {request}, {self.answer.__name__})"

    def checked(self, response: Mapping[str, Any]) -> AnswerT:
        """``response`` as a :class:`NativeAnswer` of this action, its fields' types held
        to the answer's ``TypedDict`` (see the class)."""
        checks = self._checks
        if checks is None:
            checks = self._checks = _object_checks(self.answer)
        try:
            return cast(AnswerT, _checked_object(self.name, "", checks, response))
        except TypeError as err:
            raise NativeError(
                "WrongType", f"the answer to {self.name} has {err}", 0, origin="answer"
            ) from None


class NativeCall(Protocol):
    """A typed native call, ``call(action, **request)``: what the dialects' native
    bridges call a driver through (:meth:`unikms.dialects.base.DialectOperations.call`)."""

    def __call__(
        self,
        action: Action[RequestP, AnswerT],
        /,
        *args: RequestP.args,
        **request: RequestP.kwargs,
    ) -> AnswerT: ...


def _checked_object(
    action: str, path: str, checks: Mapping[str, _Check], value: Mapping[str, Any]
) -> NativeAnswer:
    answer = NativeAnswer()
    answer.action = action
    for name, field in value.items():
        if field is None:
            continue  # absent
        check = checks.get(name)
        if check is None:  # a field the type does not declare: kept, unchecked
            answer[name] = _unchecked(action, field)
        else:
            answer[name] = check(action, path + name, field)
    return answer


def _object_checks(shape: type[Any]) -> dict[str, _Check]:
    hints = typing.get_type_hints(shape)  # NotRequired/Required stripped
    return {name: _check_for(hint) for name, hint in hints.items()}


def _type_name(hint: Any) -> str:
    return str(getattr(hint, "__name__", None) or hint).replace("typing.", "")


def _check_for(hint: Any) -> _Check:
    """A check of one value against ``hint``: a class, ``Any``, a ``TypedDict``,
    ``list[X]``, ``dict[str, X]``, ``Literal[...]`` or a union of those."""
    if hint is Any:
        return lambda action, path, value: value
    if typing.is_typeddict(hint):
        return _typeddict_check(hint)
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin is list:
        item = _check_for(args[0])

        def check_list(action: str, path: str, value: Any) -> Any:
            if not isinstance(value, list):
                raise TypeError(f"{path} of type {type(value).__name__}, not a list")
            return [item(action, f"{path}[{i}]", v) for i, v in enumerate(value)]

        return check_list
    if origin is dict:
        entry = _check_for(args[1])

        def check_map(action: str, path: str, value: Any) -> Any:
            if not isinstance(value, Mapping):
                raise TypeError(f"{path} of type {type(value).__name__}, not a map")
            return {k: entry(action, f"{path}.{k}", v) for k, v in value.items()}

        return check_map
    if origin is typing.Literal:

        def check_literal(action: str, path: str, value: Any) -> Any:
            if value not in args:
                raise TypeError(f"{path} = {value!r}, not one of {', '.join(map(repr, args))}")
            return value

        return check_literal
    if origin is typing.Union or origin is types.UnionType:
        alternatives = [_check_for(a) for a in args if a is not type(None)]
        wanted = " or ".join(_type_name(a) for a in args if a is not type(None))

        def check_union(action: str, path: str, value: Any) -> Any:
            for alternative in alternatives:
                try:
                    return alternative(action, path, value)
                except TypeError:
                    continue
            raise TypeError(f"{path} of type {type(value).__name__}, not {wanted}")

        return check_union
    if not isinstance(hint, type):
        raise TypeError(f"an answer type cannot hold {hint!r}")
    # a bool is an int to isinstance, not to an API; an int is a fine float
    accepted: tuple[type[Any], ...] = (int, float) if hint is float else (hint,)
    refused = bool if hint in (int, float) else None

    def check_class(action: str, path: str, value: Any) -> Any:
        if not isinstance(value, accepted) or (refused and isinstance(value, refused)):
            raise TypeError(f"{path} of type {type(value).__name__}, not {hint.__name__}")
        return value

    return check_class


def _typeddict_check(shape: type[Any]) -> _Check:
    checks: dict[str, _Check] | None = None

    def check_object(action: str, path: str, value: Any) -> Any:
        nonlocal checks
        if not isinstance(value, Mapping):
            raise TypeError(f"{path} of type {type(value).__name__}, not {shape.__name__}")
        if checks is None:  # compiled on first use, so types may refer to each other
            checks = _object_checks(shape)
        return _checked_object(action, path + ".", checks, value)

    return check_object


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
