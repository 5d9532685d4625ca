"""One error hierarchy for every dialect.

Every error carries the dialect, the provider's own error ``code``, the HTTP
status the provider answered with, the ``request_id`` and the provider's text
(``native_message``), so nothing the provider said is lost. Errors raised
before any request (bad input, limits) carry the code and status the dialect
itself would have answered with::

    >>> import unikms
    >>> kms = unikms.connect("fake://tencent")
    >>> try:
    ...     kms.encrypt("any-key", b"x" * 5000)
    ... except unikms.LimitExceededError as e:
    ...     print(e.field, e.size, e.limit, e.code)
    plaintext 5000 4096 InvalidParameterValue.InvalidPlaintext

Messages never contain plaintext, data keys or credentials.
"""

from __future__ import annotations

from typing import Any, ClassVar

from unikms.types import Dialect, KeyState

__all__ = [
    "AccessDeniedError",
    "AlreadyExistsError",
    "CiphertextKeyNotFoundError",
    "ConfigurationError",
    "DecryptionFailedError",
    "DryRunPassed",
    "InvalidRequestError",
    "KeyNotFoundError",
    "KeyUnavailableError",
    "KmsError",
    "LimitExceededError",
    "PortabilityError",
    "RotationPolicyRequiredError",
    "ServiceError",
    "ThrottledError",
    "TransportError",
    "UnsupportedByDialectError",
    "WrongKeyTypeError",
]


class KmsError(Exception):
    """Base of every unikms error.

    Attributes: ``dialect``, ``code`` (the provider's own error code),
    ``http_status``, ``request_id``, ``message``, and ``native_message``: the
    provider's own text, where the error comes from the provider (it equals
    ``message`` unless unikms has a clearer one, as for a failed decrypt).
    """

    kind: ClassVar[str] = "kms_error"

    def __init__(
        self,
        message: str,
        *,
        dialect: Dialect | None = None,
        code: str | None = None,
        http_status: int | None = None,
        request_id: str | None = None,
        native_message: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.dialect = dialect
        self.code = code
        self.http_status = http_status
        self.request_id = request_id
        self.native_message = native_message

    def __str__(self) -> str:
        parts = [self.message]
        details = []
        if self.dialect is not None:
            details.append(f"dialect={self.dialect.value}")
        if self.code:
            details.append(f"code={self.code}")
        if self.http_status is not None:
            details.append(f"http_status={self.http_status}")
        if self.request_id:
            details.append(f"request_id={self.request_id}")
        if self.native_message and self.native_message != self.message:
            details.append(f"native_message={self.native_message!r}")
        if details:
            parts.append("(" + ", ".join(details) + ")")
        return " ".join(parts)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"


class InvalidRequestError(KmsError, ValueError):
    """The request is malformed or breaks a documented rule.

    ``field`` names the offending parameter where one is to blame.
    """

    kind = "invalid_request"

    def __init__(self, message: str, *, field: str | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.field = field


class ConfigurationError(InvalidRequestError):
    """unikms was not told what to connect to (no URL and no ``UNIKMS_URL``), or was
    told two things at once (a URL scheme registered again with another opener:
    ``field="scheme"``); ``field`` names what to set and the message says how.

    >>> import unikms
    >>> try:
    ...     unikms.connect("")  # as connect() does when UNIKMS_URL is not set either
    ... except unikms.ConfigurationError as e:
    ...     print(e.field, "UNIKMS_URL" in e.message)
    url True
    """

    kind = "configuration"


class LimitExceededError(InvalidRequestError):
    """A size limit was exceeded; ``size`` and ``limit`` say by how much."""

    kind = "limit_exceeded"

    def __init__(self, message: str, *, field: str, size: int, limit: int, **kw: Any) -> None:
        super().__init__(message, field=field, **kw)
        self.size = size
        self.limit = limit


class UnsupportedByDialectError(InvalidRequestError):
    """The dialect has no such feature (an IV on Tencent, rotation on Tencent, ...)."""

    kind = "unsupported"


class PortabilityError(InvalidRequestError):
    """Strict portability mode: the request would fail on another dialect."""

    kind = "portability"

    def __init__(self, message: str, *, other: Dialect, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.other = other


class RotationPolicyRequiredError(InvalidRequestError):
    """``rotate_key`` on a dialect that rotates on demand only a key whose automatic
    rotation is on (Tencent: ``UnsupportedOperation.RotateNotSupported``, "rotation not
    enabled"). The message says how to turn it on; ``field`` is ``"key"``.

    >>> import unikms
    >>> kms = unikms.connect("fake://tencent")
    >>> key = kms.create_key().key_id
    >>> try:
    ...     kms.rotate_key(key)
    ... except unikms.RotationPolicyRequiredError as e:
    ...     print(e.code)
    UnsupportedOperation.RotateNotSupported
    >>> kms.set_rotation_policy(key, enabled=True, period_days=365)
    >>> kms.rotate_key(key) is None
    True
    """

    kind = "rotation_policy_required"


class KeyNotFoundError(KmsError, LookupError):
    """No key (or alias) by that name."""

    kind = "key_not_found"


class KeyUnavailableError(KmsError):
    """The key exists but its state forbids the operation; ``state`` says which."""

    kind = "key_unavailable"

    def __init__(self, message: str, *, state: KeyState | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.state = state


class WrongKeyTypeError(KmsError):
    """The key cannot do this (an asymmetric key asked to encrypt symmetrically)."""

    kind = "wrong_key_type"


class AccessDeniedError(KmsError, PermissionError):
    """Credentials were refused or lack permission."""

    kind = "access_denied"


class DecryptionFailedError(KmsError):
    """The ciphertext does not decrypt: tampered, truncated, not ours, or the
    encryption context does not match the one used at encryption.

    The message says so on every dialect; the provider's own code and text stay:

    >>> import unikms
    >>> kms = unikms.connect("fake://tencent")
    >>> sealed = kms.encrypt(kms.create_key().key_id, b"x", context={"order": "7"})
    >>> try:
    ...     kms.decrypt(sealed.ciphertext, context={"order": "8"})
    ... except unikms.DecryptionFailedError as e:
    ...     print(e.code, "/", e.native_message)
    InvalidParameterValue.InvalidCiphertext / Incorrect ciphertext format
    """

    kind = "decryption_failed"


class CiphertextKeyNotFoundError(DecryptionFailedError, KeyNotFoundError):
    """Decrypt could not find the key the ciphertext names (deleted, another
    region or account, or the ciphertext was altered). Both a
    :class:`DecryptionFailedError` and a :class:`KeyNotFoundError`."""

    kind = "ciphertext_key_not_found"


class AlreadyExistsError(KmsError):
    """The alias (or other named resource) exists already."""

    kind = "already_exists"


class ThrottledError(KmsError):
    """The request rate limit was hit; retry later."""

    kind = "throttled"


class ServiceError(KmsError):
    """The service failed on its side (5xx, internal error)."""

    kind = "service_error"


class TransportError(KmsError, ConnectionError):
    """The request did not reach the service or no answer came back."""

    kind = "transport"


class DryRunPassed(KmsError):
    """A ``dry_run=True`` request would have succeeded (Alibaba's DryRunOperationError)."""

    kind = "dry_run_passed"


#: Neutral error classes by their ``kind``, used by the dialect error tables.
ERROR_KINDS: dict[str, type[KmsError]] = {
    cls.kind: cls
    for cls in (
        KmsError,
        InvalidRequestError,
        ConfigurationError,
        LimitExceededError,
        UnsupportedByDialectError,
        PortabilityError,
        RotationPolicyRequiredError,
        KeyNotFoundError,
        KeyUnavailableError,
        WrongKeyTypeError,
        AccessDeniedError,
        DecryptionFailedError,
        CiphertextKeyNotFoundError,
        AlreadyExistsError,
        ThrottledError,
        ServiceError,
        TransportError,
        DryRunPassed,
    )
}
