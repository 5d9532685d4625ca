"""Provider-neutral value types.

Every result is a frozen attrs class. Fields that hold secret material
(plaintext, data keys) are rendered by :func:`redacted` in reprs, so a result
can be logged without leaking what it protects::

    >>> from unikms.types import DecryptResult, Dialect
    >>> DecryptResult(plaintext=b"secret", key_id="k", key_version_id=None,
    ...               algorithm="AES_GCM", request_id="r", dialect=Dialect.TENCENT)
    DecryptResult(plaintext=<6 bytes redacted>, key_id='k', key_version_id=None, \
algorithm='AES_GCM', request_id='r', dialect=Dialect('tencent'))
"""

from __future__ import annotations

import enum
import re
import threading
from collections.abc import Iterator, Mapping
from datetime import datetime

import attrs

__all__ = [
    "DIALECT_ENTRY_POINTS",
    "AsymmetricAlgorithm",
    "AsymmetricEncryptResult",
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
    "PublicKey",
    "Secret",
    "SignResult",
    "SigningAlgorithm",
    "redacted",
]


#: the entry-point group in which packages declare dialects (``docs/dialects-howto.md``)
DIALECT_ENTRY_POINTS = "unikms.dialects"


class _DialectNames:
    """The names of the dialects that exist: entry points, plus packages registered
    at run time. Read once from the installed distributions, then kept."""

    def __init__(self) -> None:
        self._installed: frozenset[str] | None = None
        self._added: set[str] = set()
        self._lock = threading.Lock()

    def installed(self) -> frozenset[str]:
        if self._installed is None:
            from importlib.metadata import entry_points

            names = frozenset(ep.name for ep in entry_points(group=DIALECT_ENTRY_POINTS))
            with self._lock:
                self._installed = names
        return self._installed

    def all(self) -> list[str]:
        with self._lock:
            added = set(self._added)
        return sorted(self.installed() | added)

    def __contains__(self, name: str) -> bool:
        return name in self._added or name in self.installed()

    def add(self, name: str) -> None:
        with self._lock:
            self._added.add(name)

    def discard(self, name: str) -> None:
        with self._lock:
            self._added.discard(name)


_NAMES = _DialectNames()
_INTERNED: dict[str, Dialect] = {}
_VALID_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


class _DialectType(type):
    """Lets ``Dialect`` be iterated (every dialect that exists, sorted) and gives each
    dialect a constant (``Dialect.TENCENT``), from the registry rather than a list."""

    def __iter__(cls) -> Iterator[Dialect]:
        return iter([Dialect(name) for name in _NAMES.all()])

    def __len__(cls) -> int:
        return len(_NAMES.all())

    def __getattr__(cls, constant: str) -> Dialect:
        if constant.isupper():
            name = constant.lower().replace("_", "-")
            if name in _NAMES:
                return Dialect(name)
        raise AttributeError(f"type object 'Dialect' has no attribute {constant!r}")


class Dialect(str, metaclass=_DialectType):
    """The name of a KMS dialect (``"tencent"``, ``"alibaba-classic"``, ...).

    The set is open: a dialect exists when a package declares it (entry point group
    ``unikms.dialects``, or :func:`unikms.dialects.register_dialect`). A ``Dialect``
    is the string itself, interned, so it compares, hashes and serializes as its
    name; ``Dialect("nope")`` raises :class:`ValueError`. Iterating the class gives
    every dialect that exists, and each has a constant spelled in capitals::

        >>> Dialect("tencent") == "tencent", Dialect.TENCENT is Dialect("tencent")
        (True, True)
        >>> "alibaba-classic" in [d.value for d in Dialect]
        True
    """

    __slots__ = ()

    def __new__(cls, value: str) -> Dialect:
        if isinstance(value, Dialect):
            return value
        interned = _INTERNED.get(value) if isinstance(value, str) else None
        if interned is not None:
            return interned
        if not isinstance(value, str) or value not in _NAMES:
            known = ", ".join(_NAMES.all())
            raise ValueError(f"{value!r} is not a dialect; the dialects are: {known}")
        made = super().__new__(cls, value)
        return _INTERNED.setdefault(value, made)

    @classmethod
    def declare(cls, name: str) -> Dialect:
        """Make ``name`` a dialect (what :func:`unikms.dialects.register_dialect` calls).

        >>> Dialect.declare("Not Valid")
        Traceback (most recent call last):
        ...
        ValueError: a dialect name is lower-case letters, digits and inner hyphens: 'Not Valid'
        """
        if not isinstance(name, str) or not _VALID_NAME.match(name):
            raise ValueError(
                f"a dialect name is lower-case letters, digits and inner hyphens: {name!r}"
            )
        _NAMES.add(name)
        return cls(name)

    @classmethod
    def withdraw(cls, name: str) -> None:
        """Forget a dialect declared at run time (entry points stay)."""
        _NAMES.discard(name)
        if name not in _NAMES:
            _INTERNED.pop(name, None)

    @property
    def value(self) -> str:
        """The name as a plain ``str``."""
        return str.__str__(self)

    @property
    def name(self) -> str:
        """The constant's name: ``Dialect.ALIBABA_CLASSIC.name == "ALIBABA_CLASSIC"``."""
        return self.value.upper().replace("-", "_")

    def __str__(self) -> str:
        return self.value

    def __repr__(self) -> str:
        return f"Dialect({self.value!r})"

    def __reduce__(self) -> tuple[type[Dialect], tuple[str]]:
        return (Dialect, (self.value,))


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
    #: ECDSA on secp256k1 (Alibaba's ``EC_P256K``, AWS's ``ECC_SECG_P256K1``)
    EC_P256K = "EC_P256K"
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


class SigningAlgorithm(str, enum.Enum):
    """Neutral signature algorithms; each dialect lowers them to its own names.

    Every one signs a 32-byte digest: SHA-256 for RSA and ECDSA, SM3 over the
    signer's ``Z`` and the message for SM2 (GB/T 32918.2).
    """

    #: RSASSA-PSS with SHA-256, MGF1 with SHA-256, salt as long as the digest
    RSA_PSS_SHA_256 = "RSA_PSS_SHA_256"
    #: RSASSA-PKCS1-v1_5 with SHA-256
    RSA_PKCS1_SHA_256 = "RSA_PKCS1_SHA_256"
    #: ECDSA with SHA-256 (P-256 or secp256k1, as the key's spec says); DER signatures
    ECDSA_SHA_256 = "ECDSA_SHA_256"
    #: the SM2 signature algorithm with SM3
    SM2DSA = "SM2DSA"

    def __str__(self) -> str:
        return self.value


class AsymmetricAlgorithm(str, enum.Enum):
    """Neutral public-key encryption algorithms (``encrypt_asymmetric``)."""

    RSAES_OAEP_SHA_256 = "RSAES_OAEP_SHA_256"
    RSAES_OAEP_SHA_1 = "RSAES_OAEP_SHA_1"
    SM2PKE = "SM2PKE"

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


@attrs.frozen
class SignResult:
    """What :meth:`unikms.KmsClient.sign` returns: the signature (DER for ECDSA) and the
    key version that made it (pass it to ``verify`` once the key has other versions)."""

    signature: bytes
    key_id: str
    key_version_id: str | None
    algorithm: SigningAlgorithm
    request_id: str
    dialect: Dialect


@attrs.frozen
class AsymmetricEncryptResult:
    """What :meth:`unikms.KmsClient.encrypt_asymmetric` returns."""

    ciphertext: bytes
    key_id: str
    key_version_id: str | None
    algorithm: AsymmetricAlgorithm
    request_id: str
    dialect: Dialect


@attrs.frozen
class PublicKey:
    """What :meth:`unikms.KmsClient.get_public_key` returns: the public half of an
    asymmetric key version as PEM (``SubjectPublicKeyInfo``) and DER, with what it does."""

    pem: str
    der: bytes = attrs.field(repr=False)
    key_id: str
    key_version_id: str | None
    spec: KeySpec
    usage: KeyUsage
    signing_algorithms: tuple[SigningAlgorithm, ...]
    encryption_algorithms: tuple[AsymmetricAlgorithm, ...]
    request_id: str
    dialect: Dialect
