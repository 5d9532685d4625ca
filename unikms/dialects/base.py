"""What every dialect module provides: rules as data, and the neutral operations.

A dialect module holds, once, everything that is particular to one KMS API:

* :class:`DialectRules`: limits, features and the error table (code, HTTP
  status, message, neutral class), read by the fake, the emulator and the
  adapters alike;
* small pure functions: context lowering and ciphertext blob layouts;
* a :class:`DialectOperations` subclass that turns neutral calls into native
  requests for a :class:`~unikms.native.Driver` and native responses back
  into neutral results.
"""

from __future__ import annotations

import abc
import enum
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any, ParamSpec, TypeVar

import attrs

from unikms import _base64
from unikms.context import canonical_context_json  # its home; still importable from here
from unikms.errors import (
    ERROR_KINDS,
    AccessDeniedError,
    InvalidRequestError,
    KeyUnavailableError,
    KmsError,
    LimitExceededError,
    ServiceError,
    TransportError,
    UnsupportedByDialectError,
    WrongKeyTypeError,
)
from unikms.native import (
    Action,
    Driver,
    NativeError,
    NativeParams,
    NativeResponse,
)
from unikms.types import (
    AsymmetricAlgorithm,
    AsymmetricEncryptResult,
    DataKey,
    DecryptResult,
    Dialect,
    EncryptResult,
    KeyInfo,
    KeySpec,
    KeyState,
    KeyUsage,
    KeyVersion,
    PublicKey,
    SigningAlgorithm,
    SignResult,
)

__all__ = [
    "ALIAS_PREFIX",
    "CIPHERTEXT_KEY_MISSING",
    "DECRYPTION_FAILED",
    "KEY_BYTES",
    "DialectOperations",
    "DialectRules",
    "EncryptOptions",
    "ErrorSpec",
    "Feature",
    "Limits",
    "Situation",
    "canonical_context_json",
    "neutral_alias",
]

RequestP = ParamSpec("RequestP")
AnswerT = TypeVar("AnswerT", bound=Mapping[str, Any])

#: the neutral spelling of an alias is ``alias/<name>`` on every dialect (docs/api.md)
ALIAS_PREFIX = "alias/"

#: bytes of key material of each symmetric spec: the data-key ``KeySpec`` parameters
#: (``AES_256``, ``AES_128``) and the fake's key material both read it
KEY_BYTES = {KeySpec.AES_256: 32, KeySpec.AES_128: 16, KeySpec.SM4: 16}

#: the neutral message of a ciphertext that does not decrypt; the provider's own text
#: ("Incorrect ciphertext format", 'The specified parameter "CiphertextBlob" is not
#: valid.') stays in ``native_message``, with its ``code`` and ``http_status``
DECRYPTION_FAILED = (
    "the ciphertext does not decrypt: it is damaged (truncated or altered), it belongs to "
    "another key or account, or the context given differs from the one used to encrypt it"
)
#: the neutral message when decrypt cannot find the key a ciphertext names
CIPHERTEXT_KEY_MISSING = (
    "the key this ciphertext names is not found: the key was deleted, the ciphertext "
    "belongs to another region or account, or it is damaged"
)


class Feature(str, enum.Enum):
    """Names of optional capabilities, checked before any request.

    An enum, so a misspelt feature fails in mypy (and at import), not at run time.
    """

    DRY_RUN = "dry_run"
    AAD = "aad"
    IV = "iv"
    ALGORITHM = "algorithm"
    PADDING = "padding"
    INITIAL_VERSION = "initial_version"
    ROTATION = "rotation"
    KEY_VERSIONS = "key_versions"
    ARCHIVE = "archive"
    ARN = "arn"
    HSM_KEYS = "hsm_keys"
    #: ``re_encrypt``: the service re-encrypts without showing the plaintext
    RE_ENCRYPT = "re_encrypt"
    #: ``generate_random``: random bytes from the service
    RANDOM = "random"
    #: aliases apart from keys: ``update_alias`` and ``delete_alias``
    MOVABLE_ALIASES = "movable_aliases"
    #: key tags: ``tag_key``, ``untag_key``, ``list_key_tags``
    TAGS = "tags"
    #: asymmetric signing keys: ``sign`` and ``verify``
    ASYMMETRIC_SIGN = "asymmetric_sign"
    #: public-key encryption: ``encrypt_asymmetric`` and ``decrypt_asymmetric``
    ASYMMETRIC_ENCRYPT = "asymmetric_encrypt"
    #: exporting an asymmetric key's public half: ``get_public_key``
    PUBLIC_KEY = "public_key"

    def __str__(self) -> str:
        return self.value


class Situation(str, enum.Enum):
    """Dialect-independent names for what went wrong.

    The fake raises situations; each dialect's table turns one into that
    dialect's own code, status and message (``DialectRules.situations``),
    and every dialect maps every situation (checked when its rules are built).
    """

    MISSING_PARAMETER = "missing_parameter"
    INVALID_PARAMETER = "invalid_parameter"
    INVALID_KEY_ID = "invalid_key_id"
    KEY_NOT_FOUND = "key_not_found"
    ALIAS_NOT_FOUND = "alias_not_found"
    ALIAS_EXISTS = "alias_exists"
    INVALID_ALIAS = "invalid_alias"
    KEY_DISABLED = "key_disabled"
    KEY_PENDING_DELETION = "key_pending_deletion"
    KEY_PENDING_IMPORT = "key_pending_import"
    KEY_ARCHIVED = "key_archived"
    INVALID_STATE = "invalid_state"
    WRONG_KEY_TYPE = "wrong_key_type"
    PLAINTEXT_TOO_LARGE = "plaintext_too_large"
    INVALID_PLAINTEXT = "invalid_plaintext"
    CONTEXT_INVALID = "context_invalid"
    CONTEXT_TOO_LARGE = "context_too_large"
    INVALID_CIPHERTEXT = "invalid_ciphertext"
    DECRYPT_FAILED = "decrypt_failed"
    INVALID_ALGORITHM = "invalid_algorithm"
    INVALID_IV = "invalid_iv"
    INVALID_PADDING = "invalid_padding"
    AAD_TOO_LARGE = "aad_too_large"
    BODY_TOO_LARGE = "body_too_large"
    DRY_RUN_PASSED = "dry_run_passed"
    THROTTLED = "throttled"
    UNKNOWN_ACTION = "unknown_action"
    UNKNOWN_PARAMETER = "unknown_parameter"
    UNSUPPORTED_OPERATION = "unsupported_operation"
    LIMIT_EXCEEDED = "limit_exceeded"
    ROTATION_TOO_SOON = "rotation_too_soon"
    INVALID_DELETION_WINDOW = "invalid_deletion_window"
    NOT_PENDING_DELETION = "not_pending_deletion"
    SHOULD_BE_DISABLED = "should_be_disabled"
    INTERNAL = "internal"

    def __str__(self) -> str:
        return self.value


@attrs.frozen
class ErrorSpec:
    """One row of a dialect's error table.

    ``message`` is a ``str.format`` template; ``kind`` names the neutral error
    class (see :data:`unikms.errors.ERROR_KINDS`); ``state`` is set for
    key-state errors; ``source`` cites where the row comes from.
    """

    code: str
    http_status: int
    message: str
    kind: str
    state: KeyState | None = None
    source: str = ""

    def native(self, request_id: str | None = None, **fmt: object) -> NativeError:
        """The :class:`NativeError` a service answers with for this row.

        Placeholders the caller did not fill stay as written (``{name}``).
        """
        message = self.message.format_map(_KeepMissing(fmt))
        return NativeError(self.code, message, self.http_status, request_id)


class _KeepMissing(dict[str, object]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@attrs.frozen
class Limits:
    """Size and rate limits of one dialect (bytes unless said otherwise)."""

    max_plaintext: int
    max_context_chars: int | None
    max_aad: int | None
    max_body: int | None
    data_key_bytes: tuple[int, int]
    #: documented requests per second of the crypto actions (the opt-in throttle)
    action_qps: Mapping[str, int]


@attrs.frozen
class DialectRules:
    """A dialect's rules as data."""

    dialect: Dialect
    limits: Limits
    features: frozenset[Feature]
    errors: Mapping[str, ErrorSpec]
    #: every :class:`Situation` -> the code of its row in ``errors`` (checked: complete)
    situations: Mapping[Situation, str]
    #: codes that, answered to a decrypt, mean "this ciphertext does not open"
    decrypt_failure_codes: frozenset[str] = frozenset()
    #: action -> the request parameters its API reference documents (common
    #: parameters such as ``Action`` or ``Signature`` excluded); the fake answers
    #: any other name with ``Situation.UNKNOWN_PARAMETER``. An action missing
    #: here is not checked (the instance gateway: protobuf skips unknown fields).
    known_params: Mapping[str, frozenset[str]] = attrs.field(factory=dict)
    #: days to wait after a key's creation or last rotation before ``rotate_key`` is
    #: surely accepted (one sooner is refused); read by the conformance suite
    rotation_min_days: int = 0
    #: ``rotate_key`` (on-demand rotation) is refused unless the key's automatic
    #: rotation policy is on (``set_rotation_policy(key, enabled=True, ...)``):
    #: Tencent's ``RotateKey`` answers ``UnsupportedOperation.RotateNotSupported``
    #: for a key without ``KeyRotationEnabled``; read by the conformance suite
    rotation_needs_policy: bool = False
    #: the state ``cancel_key_deletion`` returns a key to
    state_after_cancel_deletion: KeyState = KeyState.ENABLED
    #: the longest key description, and what is counted: ``"characters"`` or ``"bytes"``
    #: (UTF-8); ``None``: no declared limit
    max_description: int | None = None
    description_measure: str = "characters"
    #: ``(enabled, period_days)`` -> the fields the native ``DescribeKey`` answer
    #: (``KeyInfo.native``) shows for that rotation policy
    rotation_policy_shown: Callable[[bool, int | None], Mapping[str, object]] | None = None

    def __attrs_post_init__(self) -> None:
        """Refuse an incomplete table: a situation without a row would surface as a raw
        ``KeyError`` the first time the fake meets it (a seed's Archived Alibaba key)."""
        problems = [
            f"situation {s.name} has no code" for s in Situation if s not in self.situations
        ]
        problems += [
            f"situation {s} names {code!r}, which is not in the error table"
            for s, code in self.situations.items()
            if code not in self.errors
        ]
        problems += [
            f"decrypt failure code {code!r} is not in the error table"
            for code in sorted(self.decrypt_failure_codes - self.errors.keys())
        ]
        problems += [f"{f!r} is not a Feature" for f in self.features if not isinstance(f, Feature)]
        problems += [
            f"row {code!r} is filed under {row.code!r}"
            for code, row in self.errors.items()
            if row.code != code
        ]
        if problems:
            raise ValueError(f"the {self.dialect} rules are inconsistent: " + "; ".join(problems))

    def unknown_param(self, action: str, params: Mapping[str, object]) -> str | None:
        """The first (sorted) parameter of ``params`` that ``action`` does not document.

        >>> from unikms.dialects.tencent.rules import RULES
        >>> RULES.unknown_param("Encrypt", {"KeyId": "k", "Plaintxt": "eA=="})
        'Plaintxt'
        """
        known = self.known_params.get(action)
        if known is None or known.issuperset(params):
            return None
        return min(name for name in params if name not in known)

    def spec(self, code: str) -> ErrorSpec:
        return self.errors[code]

    def situation(self, situation: Situation) -> ErrorSpec:
        """The error row this dialect answers ``situation`` with."""
        return self.errors[self.situations[situation]]

    def fail(self, situation: Situation, **fmt: object) -> NativeError:
        """The native error for a :class:`Situation` (what the fake raises)."""
        return self.situation(situation).native(None, **fmt)

    def error(self, code: str, **fmt: object) -> NativeError:
        """Build the native error for ``code`` (the fake and the emulator raise these)."""
        return self.errors[code].native(None, **fmt)

    def neutral(
        self, err: NativeError, *, field: str | None = None, decrypting: bool = False
    ) -> KmsError:
        """Map a native error onto the neutral hierarchy, keeping everything it said.

        A ciphertext that does not decrypt gets a message that names the causes
        (the provider's own text says "parameter not valid" or "format"); the
        provider's ``code``, ``http_status`` and text (``native_message``) stay. A
        failure that is not the provider's answer (``err.origin``, :mod:`unikms.native`)
        maps to its one neutral class.
        """
        origin = err.origin
        if origin != "service":
            return _ORIGIN_KINDS[origin](
                err.message,
                dialect=self.dialect,
                code=err.code or None,
                http_status=err.http_status or None,
                request_id=err.request_id,
                **({"field": err.field} if origin == "driver" else {}),
            )
        spec = self.errors.get(err.code)
        kind = spec.kind if spec else _fallback_kind(err.http_status)
        if decrypting and err.code in self.decrypt_failure_codes:
            kind = "decryption_failed"
        elif decrypting and kind == "key_not_found":
            kind = "ciphertext_key_not_found"
        cls = ERROR_KINDS[kind]
        kw: dict[str, Any] = {
            "dialect": self.dialect,
            "code": err.code,
            "http_status": err.http_status,
            "request_id": err.request_id,
            "native_message": err.message,
        }
        message = err.message
        if kind == "decryption_failed":
            message = DECRYPTION_FAILED
        elif kind == "ciphertext_key_not_found":
            message = CIPHERTEXT_KEY_MISSING
        if kind == "limit_exceeded":  # a native error carries no sizes
            cls = ERROR_KINDS["invalid_request"]
        if cls is KeyUnavailableError:
            kw["state"] = spec.state if spec else None
        elif field is not None and issubclass(cls, InvalidRequestError):
            kw["field"] = field
        return cls(message, **kw)

    def too_large(
        self, situation: Situation, field: str, size: int, limit: int, measure: str
    ) -> LimitExceededError:
        """The error for ``field`` of ``size`` over ``limit`` (``measure``: "bytes",
        "characters as JSON", ...), with the code ``situation`` answers here."""
        spec = self.situation(situation)
        return LimitExceededError(
            f"{field} is {size} {measure}; the {self.dialect.value} dialect accepts at most "
            f"{limit}",
            field=field,
            size=size,
            limit=limit,
            dialect=self.dialect,
            code=spec.code,
            http_status=spec.http_status,
        )

    def check_context_size(
        self, context: Mapping[str, str], limit: int, *, utf8: bool = False
    ) -> None:
        """Raise :class:`LimitExceededError` (``field="context"``) when the canonical JSON
        of ``context`` is over ``limit`` characters (``utf8``: UTF-8 bytes, as ``Aad``):
        the one context-size check of every dialect."""
        text = canonical_context_json(context)
        size = len(text.encode("utf-8")) if utf8 else len(text)
        if size > limit:
            situation = Situation.AAD_TOO_LARGE if utf8 else Situation.CONTEXT_TOO_LARGE
            measure = "bytes as Aad" if utf8 else "characters as JSON"
            raise self.too_large(situation, "context", size, limit, measure)

    def require(self, feature: Feature | str, what: str) -> None:
        """Raise :class:`UnsupportedByDialectError` unless the dialect has ``feature``.

        ``str`` is accepted for callers not yet typed (``KmsClient._dialect_only``);
        a name that is no :class:`Feature` raises ``ValueError``, never passes.
        """
        if Feature(feature) not in self.features:
            raise UnsupportedByDialectError(
                f"{what} is not supported by the {self.dialect.value} dialect",
                field=feature,
                dialect=self.dialect,
            )


#: the neutral class of each origin of a NativeError but the service's own answer
_ORIGIN_KINDS: Mapping[str, type[KmsError]] = {
    "transport": TransportError,
    "credentials": AccessDeniedError,
    "answer": ServiceError,
    "driver": UnsupportedByDialectError,
}


def _fallback_kind(status: int) -> str:
    if status == 429:
        return "throttled"
    if status in (401, 403):
        return "access_denied"
    if status == 404:
        return "key_not_found"
    if status >= 500:
        return "service_error"
    return "invalid_request"


def neutral_alias(alias: str) -> str:
    """The neutral spelling of an alias given to ``create_key`` or ``create_alias``:
    a bare name means ``alias/<name>``.

    >>> neutral_alias("orders"), neutral_alias("alias/orders")
    ('alias/orders', 'alias/orders')
    """
    return alias if alias.startswith(ALIAS_PREFIX) else ALIAS_PREFIX + alias


def new_request_id() -> str:
    return str(uuid.uuid4())


def parse_time(value: object) -> datetime | None:
    """Parse the timestamps the dialects return (ISO 8601 or Unix seconds)."""
    if value in (None, "", 0):
        return None
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, tz=timezone.utc)
    text = str(value)
    if text.isdigit():
        return datetime.fromtimestamp(int(text), tz=timezone.utc)
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@attrs.frozen
class EncryptOptions:
    """The neutral encrypt options after validation (context already checked)."""

    context: Mapping[str, str] | None = None
    version: KeyVersion = KeyVersion.PRIMARY
    algorithm: str | None = None
    iv: bytes | None = attrs.field(default=None, repr=False)
    aad: bytes | None = attrs.field(default=None, repr=False)
    padding: str | None = None
    dry_run: bool = False


class DialectOperations(abc.ABC):
    """Neutral operations of one dialect over a native :class:`Driver`.

    Subclasses implement each method by building native requests and lifting
    native responses. They raise :class:`NativeError` (from the driver) or
    neutral errors; :class:`unikms.KmsClient` maps the former.

    The calls every dialect has are abstract: a subclass lacking one cannot be
    instantiated (and mypy says so). The feature-gated ones (``rotate_key``,
    ``archive_key``, ``re_encrypt``, tags, ...) first raise
    :class:`UnsupportedByDialectError` unless the dialect declares the feature.
    """

    rules: DialectRules
    #: the native actions these operations call, typed (the dialect's ``api`` module):
    #: the tests hold each to the fake's actions and the rules' parameter table
    actions: tuple[Action[..., Any], ...] = ()

    def __init__(self, driver: Driver) -> None:
        self.driver = driver

    def call(
        self,
        action: Action[RequestP, AnswerT],
        /,
        *args: RequestP.args,
        **request: RequestP.kwargs,
    ) -> AnswerT:
        """``action`` (a typed :class:`~unikms.native.Action` of the dialect's API) with
        the request's fields as keywords, ``None`` ones left out::

            self.call(api.DESCRIBE_KEY, KeyId=key_id)

        The answer is checked against the action's answer type: a field of the wrong
        type raises :class:`NativeError` (origin ``answer``) now, a field the answer
        lacks when it is read. There is no untyped form: every request a dialect sends
        is one of its actions."""
        sent = {k: v for k, v in request.items() if v is not None}
        return action.checked(self.send(action.name, sent))

    def send(self, action: str, params: NativeParams) -> NativeResponse:
        """The driver's native call, under :meth:`call`: the hook of a dialect whose
        errors are read with another table for some actions (the gateway's)."""
        return self.driver.call(action, params)

    # -- limits that depend on the lowered form -------------------------------
    @classmethod
    def check_context_rules(cls, context: Mapping[str, str]) -> None:
        """Raise a neutral error if ``context`` cannot be carried by this dialect."""
        return  # a hook: by default no rule beyond the neutral checks

    def check_context(self, context: Mapping[str, str]) -> None:
        self.check_context_rules(context)

    @classmethod
    def check_alias_rules(cls, alias: str) -> None:
        """Raise :class:`InvalidRequestError` (``field="alias"``) unless this dialect
        can hold the neutral alias ``alias`` (``alias/<name>``)."""
        return  # a hook: by default no rule beyond the neutral checks

    @staticmethod
    def native_alias(alias: str) -> str:
        """The alias as this dialect's API spells it (lowered from ``alias/<name>``)."""
        return alias

    def max_plaintext(self, key: str, opts: EncryptOptions) -> int:
        """Most plaintext bytes one encrypt call may carry with these options."""
        return self.rules.limits.max_plaintext

    # -- crypto ----------------------------------------------------------------
    @abc.abstractmethod
    def encrypt(self, key: str, plaintext: bytes, opts: EncryptOptions) -> EncryptResult:
        raise NotImplementedError

    @abc.abstractmethod
    def decrypt(
        self, ciphertext: bytes | str, opts: EncryptOptions, key: str | None
    ) -> DecryptResult:
        raise NotImplementedError

    @abc.abstractmethod
    def generate_data_key(self, key: str, number_of_bytes: int, opts: EncryptOptions) -> DataKey:
        raise NotImplementedError

    # -- key management -------------------------------------------------------
    @abc.abstractmethod
    def create_key(
        self,
        spec: KeySpec,
        description: str,
        alias: str | None,
        origin_external: bool,
        hsm: bool = False,
        usage: KeyUsage | None = None,
    ) -> KeyInfo:
        """Create a key; ``usage`` ``None`` is the spec's default (the client passes it
        only when the caller chose one, so a dialect that has no asymmetric keys may
        leave it out of its signature)."""
        raise NotImplementedError

    @abc.abstractmethod
    def describe_key(self, key: str) -> KeyInfo:
        raise NotImplementedError

    @abc.abstractmethod
    def list_keys(self) -> list[str]:
        raise NotImplementedError

    @abc.abstractmethod
    def create_alias(self, alias: str, key: str) -> None:
        raise NotImplementedError

    @abc.abstractmethod
    def list_aliases(self) -> dict[str, str]:
        raise NotImplementedError

    @abc.abstractmethod
    def enable_key(self, key: str) -> None:
        raise NotImplementedError

    @abc.abstractmethod
    def disable_key(self, key: str) -> None:
        raise NotImplementedError

    @abc.abstractmethod
    def schedule_key_deletion(self, key: str, days: int) -> None:
        raise NotImplementedError

    @abc.abstractmethod
    def cancel_key_deletion(self, key: str) -> None:
        raise NotImplementedError

    def rotate_key(self, key: str) -> str | None:
        self.rules.require(Feature.ROTATION, "rotate_key")
        raise NotImplementedError

    def archive_key(self, key: str) -> None:
        self.rules.require(Feature.ARCHIVE, "archive_key")
        raise NotImplementedError

    def cancel_key_archive(self, key: str) -> None:
        self.rules.require(Feature.ARCHIVE, "cancel_key_archive")
        raise NotImplementedError

    # -- re-encryption, random bytes, descriptions, aliases, rotation, tags -----
    #: ``set_rotation_policy`` periods this dialect takes, in days
    rotation_period_days: tuple[int, int] = (7, 365)
    #: ``generate_random`` sizes this dialect takes, in bytes
    random_bytes: tuple[int, int] = (1, 1024)

    @classmethod
    def check_description_rules(cls, description: str) -> None:
        """Raise :class:`LimitExceededError` unless this dialect holds ``description``."""
        return  # a hook: by default no rule beyond the neutral checks

    def re_encrypt(
        self,
        ciphertext: bytes | str,
        destination_key: str,
        source_context: Mapping[str, str] | None,
        context: Mapping[str, str] | None,
    ) -> EncryptResult:
        self.rules.require(Feature.RE_ENCRYPT, "re_encrypt")
        raise NotImplementedError

    def generate_random(self, number_of_bytes: int) -> bytes:
        self.rules.require(Feature.RANDOM, "generate_random")
        raise NotImplementedError

    @abc.abstractmethod
    def update_key_description(self, key: str, description: str) -> None:
        raise NotImplementedError

    def update_alias(self, alias: str, key: str) -> None:
        self.rules.require(Feature.MOVABLE_ALIASES, "update_alias")
        raise NotImplementedError

    def delete_alias(self, alias: str) -> None:
        self.rules.require(Feature.MOVABLE_ALIASES, "delete_alias")
        raise NotImplementedError

    def set_rotation_policy(self, key: str, enabled: bool, period_days: int | None) -> None:
        self.rules.require(Feature.ROTATION, "set_rotation_policy")
        raise NotImplementedError

    @classmethod
    def check_tag_rules(cls, name: str, value: str) -> None:
        """Raise :class:`InvalidRequestError` (``field="tags"``) unless this dialect
        takes the tag ``name`` = ``value``."""
        return  # a hook: by default no rule beyond the neutral checks

    def tag_key(self, key: str, tags: Mapping[str, str]) -> None:
        self.rules.require(Feature.TAGS, "tag_key")
        raise NotImplementedError

    def untag_key(self, key: str, names: list[str]) -> None:
        self.rules.require(Feature.TAGS, "untag_key")
        raise NotImplementedError

    def list_key_tags(self, key: str) -> dict[str, str]:
        self.rules.require(Feature.TAGS, "list_key_tags")
        raise NotImplementedError

    # -- asymmetric keys (docs/api.md "Asymmetric keys") -----------------------------
    #: what each asymmetric key spec signs with here (empty: no signing keys)
    signing_algorithms: Mapping[KeySpec, tuple[SigningAlgorithm, ...]] = {}
    #: what each asymmetric key spec encrypts with here (empty: no public-key encryption)
    encryption_algorithms: Mapping[KeySpec, tuple[AsymmetricAlgorithm, ...]] = {}
    #: the longest SM2PKE plaintext, in bytes (``None``: no SM2 encryption)
    sm2_max_plaintext: int | None = None
    #: the longest ``message`` ``sign`` and ``verify`` send (``None``: a message is hashed
    #: here, never sent)
    max_sign_message: int | None = None

    @classmethod
    def max_asymmetric_plaintext(
        cls, spec: KeySpec | None, algorithm: AsymmetricAlgorithm
    ) -> int | None:
        """The longest plaintext ``encrypt_asymmetric`` takes with ``algorithm`` and a key of
        ``spec`` (``None``: the most any spec of this dialect takes); ``None`` when no spec
        here has the algorithm."""
        from unikms.asymmetric import oaep_max_plaintext

        specs = [spec] if spec is not None else list(cls.encryption_algorithms)
        sizes = [
            cls.sm2_max_plaintext or 0
            if algorithm is AsymmetricAlgorithm.SM2PKE
            else oaep_max_plaintext(s, algorithm)
            for s in specs
            if algorithm in cls.encryption_algorithms.get(s, ())
        ]
        return max(sizes) if sizes else None

    def check_asymmetric_key(
        self,
        key_id: str,
        spec: KeySpec,
        usage: KeyUsage,
        algorithm: SigningAlgorithm | AsymmetricAlgorithm | None,
    ) -> None:
        """Raise, with this dialect's own codes, unless ``key_id`` (of ``spec`` and ``usage``)
        may use ``algorithm``: :class:`WrongKeyTypeError` for a symmetric key or one of the
        other usage, :class:`InvalidRequestError` (``field="algorithm"``) for an algorithm
        the spec does not have. ``algorithm`` ``None``: only that the key is asymmetric
        (``get_public_key``)."""
        if algorithm is None:
            if spec.symmetric:
                row = self.rules.situation(Situation.WRONG_KEY_TYPE)
                raise WrongKeyTypeError(
                    f"key {key_id} is a symmetric {spec.value} key: it has no public key",
                    dialect=self.rules.dialect,
                    code=row.code,
                    http_status=row.http_status,
                )
            return
        signing = isinstance(algorithm, SigningAlgorithm)
        wanted = KeyUsage.SIGN_VERIFY if signing else KeyUsage.ENCRYPT_DECRYPT
        table: Mapping[KeySpec, tuple[Any, ...]] = (
            self.signing_algorithms if signing else self.encryption_algorithms
        )
        if spec.symmetric or usage is not wanted:
            row = self.rules.situation(Situation.WRONG_KEY_TYPE)
            raise WrongKeyTypeError(
                f"key {key_id} is a {spec.value} key for {usage.value}; {algorithm.value} "
                f"needs an asymmetric key for {wanted.value}",
                dialect=self.rules.dialect,
                code=row.code,
                http_status=row.http_status,
            )
        allowed = table.get(spec, ())
        if algorithm not in allowed:
            row = self.rules.situation(Situation.INVALID_ALGORITHM)
            names = ", ".join(a.value for a in allowed) or "none"
            raise InvalidRequestError(
                f"a {spec.value} key of the {self.rules.dialect.value} dialect takes "
                f"{names}, not {algorithm.value}",
                field="algorithm",
                dialect=self.rules.dialect,
                code=row.code,
                http_status=row.http_status,
            )

    @staticmethod
    def raw_or_digest(message: bytes | None, digest: bytes | None) -> dict[str, str]:
        """``Message`` (Base64) and ``MessageType`` as the services that sign either take
        them (Tencent, AWS): ``RAW`` for a message the service hashes, ``DIGEST`` for a
        32-byte digest."""
        if digest is not None:
            return {"Message": _base64.encode(digest), "MessageType": "DIGEST"}
        assert message is not None
        return {"Message": _base64.encode(message), "MessageType": "RAW"}

    def public_key_of(
        self,
        der: bytes,
        key_id: str,
        spec: KeySpec,
        usage: KeyUsage,
        request_id: str,
        *,
        pem: str | None = None,
        version_id: str | None = None,
    ) -> PublicKey:
        """The :class:`PublicKey` of a key of ``spec`` and ``usage``, with this dialect's
        algorithms for it (its PEM made from ``der`` unless the service sent one)."""
        from unikms.asymmetric import pem_of_der

        signing = usage is KeyUsage.SIGN_VERIFY
        return PublicKey(
            pem=pem if pem is not None else pem_of_der(der),
            der=der,
            key_id=key_id,
            key_version_id=version_id,
            spec=spec,
            usage=usage,
            signing_algorithms=self.signing_algorithms.get(spec, ()) if signing else (),
            encryption_algorithms=() if signing else self.encryption_algorithms.get(spec, ()),
            request_id=request_id,
            dialect=self.rules.dialect,
        )

    def check_asymmetric_plaintext(
        self, spec: KeySpec, algorithm: AsymmetricAlgorithm, size: int
    ) -> None:
        """:class:`LimitExceededError` (``field="plaintext"``) when ``size`` bytes are more
        than ``algorithm`` takes with a key of ``spec``."""
        limit = self.max_asymmetric_plaintext(spec, algorithm)
        if limit is not None and size > limit:
            raise self.rules.too_large(
                Situation.PLAINTEXT_TOO_LARGE,
                "plaintext",
                size,
                limit,
                f"bytes, for {algorithm.value} with a {spec.value} key",
            )

    def sign(
        self,
        key: str,
        message: bytes | None,
        digest: bytes | None,
        algorithm: SigningAlgorithm,
        version_id: str | None,
    ) -> SignResult:
        self.rules.require(Feature.ASYMMETRIC_SIGN, "sign")
        raise NotImplementedError

    def verify(
        self,
        key: str,
        signature: bytes,
        message: bytes | None,
        digest: bytes | None,
        algorithm: SigningAlgorithm,
        version_id: str | None,
    ) -> bool:
        self.rules.require(Feature.ASYMMETRIC_SIGN, "verify")
        raise NotImplementedError

    def get_public_key(self, key: str, version_id: str | None) -> PublicKey:
        self.rules.require(Feature.PUBLIC_KEY, "get_public_key")
        raise NotImplementedError

    def encrypt_asymmetric(
        self,
        key: str,
        plaintext: bytes,
        algorithm: AsymmetricAlgorithm,
        version_id: str | None,
    ) -> AsymmetricEncryptResult:
        self.rules.require(Feature.ASYMMETRIC_ENCRYPT, "encrypt_asymmetric")
        raise NotImplementedError

    def decrypt_asymmetric(
        self,
        key: str,
        ciphertext: bytes,
        algorithm: AsymmetricAlgorithm,
        version_id: str | None,
    ) -> DecryptResult:
        self.rules.require(Feature.ASYMMETRIC_ENCRYPT, "decrypt_asymmetric")
        raise NotImplementedError
