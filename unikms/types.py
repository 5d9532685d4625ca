"""Provider-neutral value types.

Every result is a frozen attrs class. Fields that hold secret material
(plaintext, data keys) are rendered by :func:`redacted` in reprs, so a result
can be logged without leaking what it protects::

    >>> from unikms.types import DecryptResult, Dialect
    >>> DecryptResult(plaintext=b"secret", key_id="k", key_version_id=None,
    ...               algorithm="AES_GCM", request_id="r", dialect=Dialect.TENCENT)
    DecryptResult(plaintext=<6 bytes redacted>, key_id='k', key_version_id=None, \
algorithm='AES_GCM', request_id='r', dialect=<Dialect.TENCENT: 'tencent'>)
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime

import attrs

__all__ = [
    "DataKey",
    "DecryptResult",
    "Dialect",
    "EncryptResult",
    "KeyInfo",
    "KeySpec",
    "KeyState",
    "KeyUsage",
    "KeyVersion",
    "KeyVersionInfo",
    "Secret",
    "redacted",
]


class Dialect(str, enum.Enum):
    """The three KMS dialects unikms speaks."""

    ALIBABA_CLASSIC = "alibaba-classic"
    ALIBABA_INSTANCE = "alibaba-instance"
    TENCENT = "tencent"

    def __str__(self) -> str:
        return self.value


class KeyState(str, enum.Enum):
    """Neutral key states; each dialect maps its own strings onto these."""

    ENABLED = "Enabled"
    DISABLED = "Disabled"
    PENDING_DELETION = "PendingDeletion"
    PENDING_IMPORT = "PendingImport"
    ARCHIVED = "Archived"

    def __str__(self) -> str:
        return self.value


_SYMMETRIC_SPECS = frozenset({"AES_256", "AES_128", "SM4"})


class KeySpec(str, enum.Enum):
    """Neutral key specs. Symmetric ones are the only ones that encrypt here."""

    AES_256 = "AES_256"
    AES_128 = "AES_128"
    SM4 = "SM4"
    RSA_2048 = "RSA_2048"
    RSA_3072 = "RSA_3072"
    EC_P256 = "EC_P256"
    EC_SM2 = "EC_SM2"

    @property
    def symmetric(self) -> bool:
        return self.value in _SYMMETRIC_SPECS

    def __str__(self) -> str:
        return self.value


class KeyUsage(str, enum.Enum):
    ENCRYPT_DECRYPT = "ENCRYPT/DECRYPT"
    SIGN_VERIFY = "SIGN/VERIFY"

    def __str__(self) -> str:
        return self.value


class KeyVersion(str, enum.Enum):
    """Which version of a key an encrypt call uses.

    ``PRIMARY`` is the neutral default. On the Alibaba instance dialect,
    ``INITIAL`` selects the gateway's ``Encrypt`` (the key's first version),
    ``PRIMARY`` its ``AdvanceEncrypt``. Other dialects only know ``PRIMARY``.
    """

    PRIMARY = "primary"
    INITIAL = "initial"


def redacted(value: object) -> str:
    """Repr for secret fields: says how long, never what."""
    if value is None:
        return "None"
    if isinstance(value, (bytes, bytearray, memoryview)):
        return f"<{len(value)} bytes redacted>"
    return "<redacted>"


def _bytes(value: bytes | bytearray | memoryview) -> bytes:
    return bytes(value)


@attrs.frozen
class Secret:
    """A byte string that never shows itself in a repr or ``str``.

    >>> Secret(b"hunter2")
    Secret(<7 bytes redacted>)
    """

    value: bytes = attrs.field(converter=_bytes)

    def __repr__(self) -> str:
        return f"Secret({redacted(self.value)})"

    __str__ = __repr__

    def __len__(self) -> int:
        return len(self.value)


@attrs.frozen
class EncryptResult:
    """What :meth:`unikms.KmsClient.encrypt` returns.

    ``ciphertext`` is self-contained: pass it to ``decrypt`` (with the same
    context) on the same dialect. ``key_id`` is the resolved key id, never an
    alias; ``key_version_id`` is ``None`` where the dialect reports none.
    """

    ciphertext: bytes
    key_id: str
    key_version_id: str | None
    algorithm: str | None
    iv: bytes | None
    request_id: str
    dialect: Dialect


@attrs.frozen
class DecryptResult:
    """What :meth:`unikms.KmsClient.decrypt` returns; ``plaintext`` is hidden in reprs."""

    plaintext: bytes = attrs.field(repr=redacted)
    key_id: str = attrs.field()
    key_version_id: str | None = attrs.field()
    algorithm: str | None = attrs.field()
    request_id: str = attrs.field()
    dialect: Dialect = attrs.field()


@attrs.frozen
class DataKey:
    """A data key for envelope encryption: ``plaintext`` to use locally and
    forget, ``ciphertext`` to store (decrypt it later with ``decrypt``)."""

    plaintext: bytes = attrs.field(repr=redacted)
    ciphertext: bytes = attrs.field()
    key_id: str = attrs.field()
    key_version_id: str | None = attrs.field()
    algorithm: str | None = attrs.field()
    request_id: str = attrs.field()
    dialect: Dialect = attrs.field()


@attrs.frozen
class KeyVersionInfo:
    version_id: str
    created_at: datetime | None


@attrs.frozen
class KeyInfo:
    """A key's metadata as :meth:`unikms.KmsClient.describe_key` reports it.

    ``native`` keeps the dialect's own metadata fields for anything the neutral
    fields do not carry.
    """

    key_id: str
    arn: str | None
    state: KeyState
    spec: KeySpec
    usage: KeyUsage
    origin: str
    description: str
    created_at: datetime | None
    deletion_date: datetime | None
    primary_version_id: str | None
    versions: tuple[KeyVersionInfo, ...]
    aliases: tuple[str, ...]
    request_id: str
    dialect: Dialect
    native: Mapping[str, object] = attrs.field(factory=dict, repr=False, eq=False)
