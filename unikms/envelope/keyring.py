"""Wrapping keys: what a message's data key is encrypted under.

For :func:`unikms.envelope.encrypt`, each target is a :class:`KmsKey` (a
client and a key name; a plain ``(client, "alias/x")`` tuple means the same)
or a :class:`RawAesKey`. The first target makes the data key (a KMS's
``GenerateDataKey``, or local randomness for a raw key); every other one
wraps that same data key (a KMS's ``Encrypt``). For decryption, each opener
is a :class:`~unikms.KmsClient` (any key of its dialect) or a
:class:`RawAesKey`.

    >>> import unikms
    >>> from unikms.envelope import KmsKey, RawAesKey
    >>> kms = unikms.connect("fake://tencent")
    >>> _ = kms.create_key(alias="alias/backups")
    >>> KmsKey(kms, "alias/backups")
    KmsKey(dialect='tencent', key='alias/backups')
    >>> RawAesKey("offline-1", bytes(32))
    RawAesKey(name='offline-1', key=<32 bytes redacted>)
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence

import attrs
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from unikms.client import KmsClient
from unikms.dialects import dialect_packages
from unikms.envelope.format import (
    DATA_KEY_BYTES,
    NONCE_BYTES,
    TAG_BYTES,
    WrappedKey,
    encode_context,
)
from unikms.errors import DecryptionFailedError, InvalidRequestError, ServiceError
from unikms.types import Dialect, redacted

__all__ = [
    "RAW_AES_PROVIDER",
    "AllowedKeys",
    "KeyFilter",
    "KmsKey",
    "Match",
    "Opener",
    "RawAesKey",
    "Target",
    "as_key_filter",
    "as_openers",
    "as_targets",
    "key_entries",
    "match",
]

#: ``provider`` of a key wrapped by :class:`RawAesKey`
RAW_AES_PROVIDER = "raw-aes"
#: the length of a :class:`RawAesKey` (AES-256)
RAW_KEY_BYTES = 32
_RAW_AAD_LABEL = b"UKEV-RAW-AES"

#: ``random(n)`` returns ``n`` random bytes (``os.urandom`` unless a test injects one)
RandomSource = Callable[[int], bytes]


def compatible_openers(provider: str) -> frozenset[Dialect]:
    """The dialects whose clients also open keys wrapped by ``provider``, as each
    dialect package declares (``opens_ciphertexts_of``): the instance gateway decrypts
    classic blobs (``docs/ciphertext.md``); not the reverse, the classic gateway hands
    back an instance blob's raw plaintext Base64-decoded.

    >>> sorted(compatible_openers("alibaba-classic")), sorted(compatible_openers("tencent"))
    ([Dialect('alibaba-instance')], [])
    """
    return frozenset(
        Dialect(p.name) for p in dialect_packages() if provider in p.opens_ciphertexts_of
    )


class Match(enum.IntEnum):
    """How well an opener fits a wrapped key: tried in this order."""

    EXACT = 1
    COMPATIBLE = 2
    NONE = 3


@attrs.frozen(repr=False)
class KmsKey:
    """A KMS key to wrap data keys under: a client and a key id, alias or ARN."""

    client: KmsClient
    key: str

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.client, KmsClient):
            raise InvalidRequestError(
                f"a wrapping key needs a KmsClient, got {type(self.client).__name__}",
                field="keys",
            )
        if not isinstance(self.key, str) or not self.key.strip():
            raise InvalidRequestError("a wrapping key needs a non-empty key name", field="keys")

    def __repr__(self) -> str:
        return f"KmsKey(dialect={self.client.dialect.value!r}, key={self.key!r})"

    @property
    def provider(self) -> str:
        return self.client.dialect.value

    def identity(self) -> Hashable:
        """What a data-key cache tells this target apart by (the client object and key name)."""
        return ("kms", id(self.client), self.key)

    def generate(
        self, context: Mapping[str, str] | None, random: RandomSource
    ) -> tuple[bytes, WrappedKey]:
        dk = self.client.generate_data_key(
            self.key, context=context or None, number_of_bytes=DATA_KEY_BYTES
        )
        if len(dk.plaintext) != DATA_KEY_BYTES:
            raise ServiceError(
                f"{self.provider} key {dk.key_id} returned a {len(dk.plaintext)}-byte data key; "
                f"{DATA_KEY_BYTES} were asked for",
                dialect=self.client.dialect,
            )
        return dk.plaintext, WrappedKey(self.provider, dk.key_id, dk.key_version_id, dk.ciphertext)

    def wrap(
        self, data_key: bytes, context: Mapping[str, str] | None, random: RandomSource
    ) -> WrappedKey:
        r = self.client.encrypt(self.key, data_key, context=context or None)
        return WrappedKey(self.provider, r.key_id, r.key_version_id, r.ciphertext)


def _raw_key_bytes(value: object) -> bytes:
    """The converter of :attr:`RawAesKey.key`: 32 bytes of a bytes-like object, nothing else
    (``bytes(32)`` from an int would silently be an all-zero key)."""
    if not isinstance(value, (bytes, bytearray, memoryview)):
        raise InvalidRequestError(
            f"a raw AES key must be {RAW_KEY_BYTES} bytes (bytes, bytearray or memoryview), "
            f"got {type(value).__name__}",
            field="key",
        )
    key = memoryview(value).tobytes()
    if len(key) != RAW_KEY_BYTES:
        raise InvalidRequestError(
            f"a raw AES key is {RAW_KEY_BYTES} bytes, got {len(key)}", field="key"
        )
    return key


def _name_bytes(name: str) -> bytes:
    try:
        return name.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidRequestError(
            "a raw AES key name must be encodable as UTF-8", field="name"
        ) from None


@attrs.frozen(repr=False)
class RawAesKey:
    """A local 256-bit AES key that wraps data keys itself. **Not a KMS.**

    For test vectors, offline work and break-glass copies kept apart from any
    cloud: whoever holds these 32 bytes opens every message wrapped under them,
    and nothing logs or limits their use. ``name`` is stored in the header as
    the key id and bound to the wrapped key; it must match when opening.

    A wrapped key is ``iv (12) || AES-256-GCM(key, iv, data key, aad) || tag (16)``
    with ``aad = b"UKEV-RAW-AES" || u16 len || name || u16 len || context entries``.
    """

    name: str
    key: bytes = attrs.field(converter=_raw_key_bytes)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.name, str) or not 1 <= len(_name_bytes(self.name)) <= 0xFFFF:
            raise InvalidRequestError(
                "a raw AES key needs a name of 1 to 65535 bytes (UTF-8)", field="name"
            )

    def __repr__(self) -> str:
        return f"RawAesKey(name={self.name!r}, key={redacted(self.key)})"

    __str__ = __repr__

    @property
    def provider(self) -> str:
        return RAW_AES_PROVIDER

    def identity(self) -> Hashable:
        return (RAW_AES_PROVIDER, self.name, hashlib.sha256(self.key).digest())

    def _aad(self, context: Mapping[str, str] | None) -> bytes:
        name = self.name.encode("utf-8")
        block = encode_context(context)
        return (
            _RAW_AAD_LABEL
            + len(name).to_bytes(2, "big")
            + name
            + len(block).to_bytes(2, "big")
            + block
        )

    def generate(
        self, context: Mapping[str, str] | None, random: RandomSource
    ) -> tuple[bytes, WrappedKey]:
        data_key = random(DATA_KEY_BYTES)
        return data_key, self.wrap(data_key, context, random)

    def wrap(
        self, data_key: bytes, context: Mapping[str, str] | None, random: RandomSource
    ) -> WrappedKey:
        iv = random(NONCE_BYTES)
        body = AESGCM(self.key).encrypt(iv, data_key, self._aad(context))
        return WrappedKey(RAW_AES_PROVIDER, self.name, None, iv + body)

    def unwrap(self, wrapped: WrappedKey, context: Mapping[str, str] | None) -> bytes:
        ct = wrapped.ciphertext
        if len(ct) != NONCE_BYTES + DATA_KEY_BYTES + TAG_BYTES:
            raise DecryptionFailedError(
                f"a raw-aes wrapped key is {NONCE_BYTES + DATA_KEY_BYTES + TAG_BYTES} bytes, "
                f"got {len(ct)}"
            )
        try:
            return AESGCM(self.key).decrypt(ct[:NONCE_BYTES], ct[NONCE_BYTES:], self._aad(context))
        except InvalidTag:
            raise DecryptionFailedError(
                f"raw-aes key {self.name!r} does not open this wrapped key (wrong key, "
                "altered ciphertext or another context)"
            ) from None


Target = KmsKey | RawAesKey
Opener = KmsClient | RawAesKey


def as_targets(keys: object) -> list[Target]:
    """Normalise ``keys`` (targets or ``(client, key)`` tuples) into a non-empty list."""
    if isinstance(keys, (KmsKey, RawAesKey)) or (
        isinstance(keys, tuple) and len(keys) == 2 and isinstance(keys[0], KmsClient)
    ):
        keys = [keys]
    if not isinstance(keys, Sequence) or isinstance(keys, (str, bytes)) or not keys:
        raise InvalidRequestError(
            "keys must be a non-empty list of KmsKey, RawAesKey or (KmsClient, key) pairs",
            field="keys",
        )
    out: list[Target] = []
    for item in keys:
        if isinstance(item, (KmsKey, RawAesKey)):
            out.append(item)
        elif isinstance(item, tuple) and len(item) == 2:
            out.append(KmsKey(item[0], item[1]))
        else:
            raise InvalidRequestError(
                f"keys: expected KmsKey, RawAesKey or (KmsClient, key), got {type(item).__name__}",
                field="keys",
            )
    return out


def as_openers(clients: object) -> list[Opener]:
    """Normalise ``clients`` (KmsClients and RawAesKeys, or one of them) into a list."""
    if isinstance(clients, (KmsClient, RawAesKey)):
        return [clients]
    if not isinstance(clients, Sequence) or isinstance(clients, (str, bytes)):
        raise InvalidRequestError(
            "clients must be a list of KmsClient or RawAesKey", field="clients"
        )
    out: list[Opener] = []
    for item in clients:
        if not isinstance(item, (KmsClient, RawAesKey)):
            raise InvalidRequestError(
                f"clients: expected KmsClient or RawAesKey, got {type(item).__name__}",
                field="clients",
            )
        out.append(item)
    return out


def match(opener: Opener, wrapped: WrappedKey) -> Match:
    """Whether ``opener`` can try ``wrapped``, and how well it fits."""
    if isinstance(opener, RawAesKey):
        ok = wrapped.provider == RAW_AES_PROVIDER and wrapped.key_id == opener.name
        return Match.EXACT if ok else Match.NONE
    if wrapped.provider == opener.dialect.value:
        return Match.EXACT
    if opener.dialect in compatible_openers(wrapped.provider):
        return Match.COMPATIBLE
    return Match.NONE


def describe_opener(opener: Opener) -> str:
    if isinstance(opener, RawAesKey):
        return f"raw-aes key {opener.name!r}"
    return f"{opener.dialect.value} client"


def unwrap(opener: Opener, wrapped: WrappedKey, context: Mapping[str, str] | None) -> bytes:
    """The data key inside ``wrapped``, opened by ``opener`` (raises a KmsError)."""
    if isinstance(opener, RawAesKey):
        return opener.unwrap(wrapped, context)
    return opener.decrypt(wrapped.ciphertext, context=context or None).plaintext


#: what ``allowed_keys`` may hold: key ids (any provider), ``(provider, key id)`` pairs where
#: the provider is a provider name, a :class:`~unikms.Dialect` or a
#: :class:`~unikms.KmsClient` (its dialect), or :class:`KmsKey` objects naming key ids
AllowedKeys = Iterable[str | KmsKey | tuple[str | Dialect | KmsClient, str]]


@attrs.frozen
class KeyFilter:
    """The wrapped keys a decrypt may hand to a KMS: ``(provider, key id)`` pairs,
    ``provider`` ``None`` for any provider."""

    entries: frozenset[tuple[str | None, str]]

    def allows(self, wrapped: WrappedKey) -> bool:
        if (None, wrapped.key_id) in self.entries:
            return True
        providers = {wrapped.provider} | {d.value for d in compatible_openers(wrapped.provider)}
        return any((p, wrapped.key_id) in self.entries for p in providers)


def _allowed_entry(item: object, field: str = "allowed_keys") -> tuple[str | None, str]:
    """One entry of ``allowed_keys`` (or of rewrap's ``remove``): ``(provider or None, key id)``."""
    provider: object = None
    key_id: object = item
    if isinstance(item, KmsKey):
        provider, key_id = item.provider, item.key
    elif isinstance(item, tuple) and len(item) == 2:
        provider, key_id = item
        if isinstance(provider, KmsClient):
            provider = provider.dialect.value
        elif isinstance(provider, Dialect):
            provider = provider.value
        elif not isinstance(provider, str) or not provider:
            raise InvalidRequestError(
                f"{field}: a (provider, key id) pair needs a provider name, a Dialect or "
                f"a KmsClient, got {type(provider).__name__}",
                field=field,
            )
    elif not isinstance(item, str):
        raise InvalidRequestError(
            f"{field}: expected a key id, a (provider, key id) pair or a KmsKey, "
            f"got {type(item).__name__}",
            field=field,
        )
    if not isinstance(key_id, str) or not key_id.strip():
        raise InvalidRequestError(f"{field}: a key id must be a non-empty str", field=field)
    if key_id.startswith("alias/"):
        raise InvalidRequestError(
            f"{field}: {key_id!r} is an alias; name keys by the key id (or ARN) the "
            "header records, as read_header() shows it",
            field=field,
        )
    assert provider is None or isinstance(provider, str)
    return provider, key_id


def key_entries(value: object, field: str) -> frozenset[tuple[str | None, str]]:
    """Normalise a list of key ids, ``(provider, key id)`` pairs and KmsKeys (or one pair,
    or one KmsKey) into ``(provider or None, key id)`` entries; errors name ``field``.

    >>> sorted(key_entries(["k1", ("tencent", "k2")], "remove"), key=str)
    [('tencent', 'k2'), (None, 'k1')]
    """
    if isinstance(value, KmsKey) or (
        isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], (KmsClient, Dialect))
    ):
        value = [value]
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        raise InvalidRequestError(
            f"{field} must be a list of key ids, (provider, key id) pairs or KmsKeys"
            f"{' (or None)' if field == 'allowed_keys' else ''}, got {type(value).__name__}",
            field=field,
        )
    return frozenset(_allowed_entry(item, field) for item in value)


def as_key_filter(allowed_keys: object) -> KeyFilter | None:
    """Normalise ``allowed_keys`` (``None``: no restriction) into a :class:`KeyFilter`."""
    if allowed_keys is None:
        return None
    entries = key_entries(allowed_keys, "allowed_keys")
    if not entries:
        raise InvalidRequestError(
            "allowed_keys names no key (None means no restriction)", field="allowed_keys"
        )
    return KeyFilter(entries)
