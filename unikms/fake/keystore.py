"""The fake's key store: keys, versions with real material, aliases, states.

One :class:`KeyStore` holds one account's keys in one region. Both Alibaba
gateways of an account share one store (a key in a KMS instance is reachable
through either), Tencent has its own. The store is thread-safe (one re-entrant
lock), knows nothing of any dialect's error codes, and round-trips through a
plain JSON-able dict, which is the seed-file format (see :mod:`unikms.fake.seed`).
"""

from __future__ import annotations

import base64
import binascii
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar

import attrs
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from unikms.dialects.base import KEY_BYTES
from unikms.types import KeySpec, KeyState, KeyUsage, redacted

__all__ = [
    "Clock",
    "FakeKey",
    "FakeKeyVersion",
    "KeyStore",
    "asymmetric_private_key",
    "new_material",
    "rsa_private_key",
    "utcnow",
]

Clock = Callable[[], datetime]
T = TypeVar("T")


def _seed_error(message: str) -> Exception:
    from unikms.errors import InvalidRequestError

    return InvalidRequestError(f"bad seed: {message}", field="seed")


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


#: Alibaba's key protection levels (CreateKey ``ProtectionLevel``)
PROTECTION_LEVELS = ("SOFTWARE", "HSM")

_MATERIAL_BYTES = KEY_BYTES
_RSA_BITS = {KeySpec.RSA_2048: 2048, KeySpec.RSA_3072: 3072}
#: the curve of each EC spec ``cryptography`` has (SM2's it has not: 32 random bytes, the
#: private scalar, used by :mod:`unikms.sm2`, docs/dialects.md 1.14)
_EC_CURVES: dict[KeySpec, type[ec.EllipticCurve]] = {
    KeySpec.EC_P256: ec.SECP256R1,
    KeySpec.EC_P256K: ec.SECP256K1,
}


def new_material(spec: KeySpec) -> bytes:
    """Fresh key material: random bytes for symmetric keys, a PKCS#8 (DER) private key
    for RSA and EC (P-256, secp256k1) keys; SM2 keys get 32 random bytes, which stand for
    the private scalar (:meth:`unikms.sm2.Sm2Key.from_material`)."""
    bits = _RSA_BITS.get(spec)
    curve = _EC_CURVES.get(spec)
    private: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
    if bits is not None:
        private = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    elif curve is not None:
        private = ec.generate_private_key(curve())
    else:
        return os.urandom(_MATERIAL_BYTES.get(spec, 32))
    return private.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def asymmetric_private_key(
    material: bytes, spec: KeySpec
) -> rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey:
    """The RSA or EC private key held in ``material``; ``ValueError`` unless it is one of
    the spec's kind (size, curve)."""
    curve = _EC_CURVES.get(spec)
    if curve is None:
        return rsa_private_key(material, spec)
    try:
        key = serialization.load_der_private_key(material, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        key = None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, curve):
        raise ValueError(f"{spec.value} material must be a PKCS#8 EC key on {curve.name}")
    return key


def rsa_private_key(material: bytes, spec: KeySpec) -> rsa.RSAPrivateKey:
    """The RSA key held in ``material``; ``ValueError`` unless it is one of the spec's size."""
    try:
        key = serialization.load_der_private_key(material, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        key = None
    if not isinstance(key, rsa.RSAPrivateKey) or key.key_size != _RSA_BITS.get(spec):
        raise ValueError(f"{spec.value} material must be a PKCS#8 RSA key of that size")
    return key


@attrs.define
class FakeKeyVersion:
    version_id: str
    material: bytes = attrs.field(repr=redacted)
    created_at: datetime
    _aesgcm: AESGCM | None = attrs.field(default=None, init=False, repr=False, eq=False)
    _derived: dict[str, Any] = attrs.field(factory=dict, init=False, repr=False, eq=False)

    def derived(self, name: str, make: Callable[[FakeKeyVersion], T]) -> T:
        """A value computed from this version once (``make(self)``), then remembered."""
        try:
            value: T = self._derived[name]
        except KeyError:
            value = self._derived[name] = make(self)
        return value

    def aesgcm(self) -> AESGCM:
        """An ``AESGCM`` over this version's material, built once (AES keys only).

        Building one costs about as much as sealing 4 KB with it.
        """
        aead = self._aesgcm
        if aead is None:
            aead = self._aesgcm = AESGCM(self.material)
        return aead


@attrs.define
class FakeKey:
    key_id: str
    spec: KeySpec
    usage: KeyUsage
    origin: str
    state: KeyState
    description: str
    created_at: datetime
    versions: list[FakeKeyVersion] = attrs.field(factory=list)
    primary_index: int = 0
    deletion_date: datetime | None = None
    #: state to return to when an archive is cancelled or a deletion cancelled
    rotation_enabled: bool = False
    rotation_interval_days: int | None = None
    #: Tencent keeps one alias per key as a display name
    display_alias: str | None = None
    last_rotation: datetime | None = None
    #: Alibaba: ``SOFTWARE`` (a software KMS instance, the default) or ``HSM``
    protection_level: str = "SOFTWARE"
    #: Alibaba ``UpdateRotationPolicy``: ``RotationInterval`` in seconds (it takes
    #: ``d``/``h``/``m``/``s`` units, so days alone would lose what was set)
    rotation_interval_seconds: int | None = None
    #: Alibaba resource tags (``TagResource``), TagKey -> TagValue
    tags: dict[str, str] = attrs.field(factory=dict)

    @property
    def primary(self) -> FakeKeyVersion:
        return self.versions[self.primary_index]

    @property
    def initial(self) -> FakeKeyVersion:
        return self.versions[0]

    @property
    def symmetric(self) -> bool:
        return self.spec.symmetric


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _time(value: str | None) -> datetime | None:
    """A seed timestamp; one without a zone is UTC (comparisons need aware datetimes)."""
    if not value:
        return None
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _seed_tags(value: object) -> dict[str, str]:
    """A seed entry's ``tags``: a mapping of str to str (absent: none)."""
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise ValueError("tags must map str to str")
    return dict(value)


def iso_utc(value: datetime | None) -> str | None:
    """A UTC time as the clouds print it (``2026-01-02T03:04:05Z``); ``None`` stays ``None``."""
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


class KeyStore:
    """Keys, versions and aliases of one account, guarded by one lock."""

    def __init__(
        self,
        *,
        account: str,
        region: str,
        new_key_id: Callable[[], str],
        new_version_id: Callable[[str], str],
        clock: Clock = utcnow,
        states: frozenset[KeyState] = frozenset(KeyState),
    ) -> None:
        self.account = account
        #: the key states this dialect's keys can be in; a seed naming another is refused
        self.states = states
        self.region = region
        self.new_key_id = new_key_id
        self.new_version_id = new_version_id
        self.clock = clock
        #: the store's one lock; hold it (and call :meth:`expire`) around any use
        self.lock = threading.RLock()
        self._lock = self.lock
        self._keys: dict[str, FakeKey] = {}
        self._aliases: dict[str, str] = {}
        self._versions: dict[str, tuple[str, int]] = {}
        #: no key's deletion date is earlier than this (``None``: no key is pending)
        self._deadline: datetime | None = None

    @contextmanager
    def locked(self) -> Iterator[KeyStore]:
        with self._lock:
            self.expire()
            yield self

    # -- queries (call under ``locked``) ---------------------------------------
    def get(self, key_id: str) -> FakeKey | None:
        return self._keys.get(key_id)

    def alias_target(self, alias: str) -> str | None:
        return self._aliases.get(alias)

    def aliases(self) -> dict[str, str]:
        return dict(self._aliases)

    def aliases_of(self, key_id: str) -> list[str]:
        return sorted(a for a, k in self._aliases.items() if k == key_id)

    def all_keys(self) -> list[FakeKey]:
        return sorted(self._keys.values(), key=lambda k: (k.created_at, k.key_id))

    def find_version(self, version_id: str) -> tuple[FakeKey, FakeKeyVersion] | None:
        hit = self._versions.get(version_id)
        if hit is None:
            return None
        key = self._keys[hit[0]]
        return key, key.versions[hit[1]]

    # -- changes ----------------------------------------------------------------
    def create_key(
        self,
        *,
        spec: KeySpec,
        usage: KeyUsage,
        origin: str,
        description: str = "",
        state: KeyState | None = None,
        key_id: str | None = None,
        display_alias: str | None = None,
        protection_level: str = "SOFTWARE",
    ) -> FakeKey:
        now = self.clock()
        key = FakeKey(
            protection_level=protection_level,
            key_id=key_id or self.new_key_id(),
            spec=spec,
            usage=usage,
            origin=origin,
            state=state or KeyState.ENABLED,
            description=description,
            created_at=now,
            display_alias=display_alias,
        )
        self._keys[key.key_id] = key
        if state is not KeyState.PENDING_IMPORT:
            self.add_version(key)
        return key

    def add_version(
        self,
        key: FakeKey,
        *,
        material: bytes | None = None,
        version_id: str | None = None,
        created_at: datetime | None = None,
        make_primary: bool = True,
    ) -> FakeKeyVersion:
        """Append a version with real key material (new unless given)."""
        version = FakeKeyVersion(
            version_id=version_id or self.new_version_id(key.key_id),
            material=material if material is not None else new_material(key.spec),
            created_at=created_at or self.clock(),
        )
        key.versions.append(version)
        self._versions[version.version_id] = (key.key_id, len(key.versions) - 1)
        if make_primary:
            key.primary_index = len(key.versions) - 1
            key.last_rotation = version.created_at
        return version

    def set_alias(self, alias: str, key_id: str) -> None:
        self._aliases[alias] = key_id

    def clear(self) -> None:
        """Forget every key, version and alias."""
        with self._lock:
            self._keys.clear()
            self._aliases.clear()
            self._versions.clear()
            self._deadline = None

    def delete_alias(self, alias: str) -> None:
        self._aliases.pop(alias, None)

    def schedule_deletion(self, key: FakeKey, days: int) -> datetime:
        key.state = KeyState.PENDING_DELETION
        date = key.deletion_date = self.clock() + timedelta(days=days)
        if self._deadline is None or date < self._deadline:
            self._deadline = date
        return date

    def expire(self) -> None:
        """Keys whose deletion date has passed are gone, with their aliases.

        Costs nothing while no deletion is due: the store keeps the earliest
        deletion date and only then looks at the keys (a cancelled deletion
        leaves that date early, which costs one needless look, never a miss).
        """
        deadline = self._deadline
        if deadline is None or self.clock() < deadline:
            return
        now = self.clock()
        for key in [k for k in self._keys.values() if k.deletion_date and k.deletion_date <= now]:
            del self._keys[key.key_id]
            for v in key.versions:
                self._versions.pop(v.version_id, None)
            for alias in self.aliases_of(key.key_id):
                del self._aliases[alias]
        self._refresh_deadline()

    def _refresh_deadline(self) -> None:
        pending = [k.deletion_date for k in self._keys.values() if k.deletion_date]
        self._deadline = min(pending) if pending else None

    # -- seed format ----------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The store as a seed-file section (includes key material: keep it safe)."""
        with self.locked():
            return {
                "account": self.account,
                "region": self.region,
                "keys": [
                    {
                        "id": k.key_id,
                        "spec": k.spec.value,
                        "usage": k.usage.value,
                        "origin": k.origin,
                        "state": k.state.value,
                        "description": k.description,
                        "created": iso_utc(k.created_at),
                        "deletion_date": iso_utc(k.deletion_date),
                        "rotation_enabled": k.rotation_enabled,
                        "rotation_interval_days": k.rotation_interval_days,
                        "display_alias": k.display_alias,
                        "protection_level": k.protection_level,
                        "rotation_interval_seconds": k.rotation_interval_seconds,
                        "tags": dict(k.tags),
                        "primary": k.primary.version_id if k.versions else None,
                        "versions": [
                            {
                                "id": v.version_id,
                                "material": _b64(v.material),
                                "created": iso_utc(v.created_at),
                            }
                            for v in k.versions
                        ],
                        "aliases": self.aliases_of(k.key_id),
                    }
                    for k in self.all_keys()
                ],
            }

    def load_dict(self, data: dict[str, Any]) -> None:
        """Add the keys of a seed-file section (format: ``docs/fake.md``).

        The whole section is checked first: a bad entry raises
        :class:`~unikms.errors.InvalidRequestError` (``field="seed"``) and adds nothing.
        """
        entries = data.get("keys", []) if isinstance(data, dict) else None
        if not isinstance(entries, list):
            raise _seed_error("a seed section needs a list of keys")
        scratch = KeyStore(
            account=self.account,
            region=self.region,
            new_key_id=self.new_key_id,
            new_version_id=self.new_version_id,
            clock=self.clock,
            states=self.states,
        )
        for number, entry in enumerate(entries):
            try:
                scratch._load_key(entry)
            except (KeyError, TypeError, ValueError, StopIteration, binascii.Error) as err:
                raise _seed_error(f"key entry {number}: {type(err).__name__}: {err}") from None
        with self.locked():
            self._keys.update(scratch._keys)
            self._aliases.update(scratch._aliases)
            self._versions.update(scratch._versions)
            self._refresh_deadline()

    def _load_key(self, entry: dict[str, Any]) -> None:
        spec = KeySpec(entry.get("spec", "AES_256"))
        key = FakeKey(
            key_id=entry["id"],
            spec=spec,
            usage=KeyUsage(entry.get("usage", KeyUsage.ENCRYPT_DECRYPT.value)),
            origin=entry.get("origin", ""),
            state=KeyState(entry.get("state", "Enabled")),
            description=entry.get("description", ""),
            created_at=_time(entry.get("created")) or self.clock(),
            deletion_date=_time(entry.get("deletion_date")),
            rotation_enabled=bool(entry.get("rotation_enabled", False)),
            rotation_interval_days=entry.get("rotation_interval_days"),
            display_alias=entry.get("display_alias"),
            protection_level=entry.get("protection_level", "SOFTWARE"),
            rotation_interval_seconds=entry.get("rotation_interval_seconds"),
            tags=_seed_tags(entry.get("tags")),
        )
        if key.state not in self.states:
            # loading it would fail later, at the first call that meets the state
            allowed = ", ".join(state.value for state in KeyState if state in self.states)
            raise ValueError(
                f"key {key.key_id!r}: field 'state' is {key.state.value!r}, which keys of this "
                f"account cannot have (one of {allowed})"
            )
        interval = key.rotation_interval_seconds
        if interval is not None and (type(interval) is not int or interval <= 0):
            raise ValueError(
                f"rotation_interval_seconds must be a positive integer, got {interval!r}"
            )
        if key.protection_level not in PROTECTION_LEVELS:
            raise ValueError(
                f"protection_level must be one of {', '.join(PROTECTION_LEVELS)}, "
                f"got {key.protection_level!r}"
            )
        self._keys[key.key_id] = key
        versions = entry.get("versions") or []
        if not versions and key.state is not KeyState.PENDING_IMPORT:
            versions = [{}]
        for v in versions:
            material = base64.b64decode(v["material"], validate=True) if v.get("material") else None
            if material is not None and key.symmetric and len(material) != _MATERIAL_BYTES[spec]:
                raise ValueError(
                    f"{spec.value} material is {_MATERIAL_BYTES[spec]} bytes, not {len(material)}"
                )
            if material is not None and (spec in _RSA_BITS or spec in _EC_CURVES):
                asymmetric_private_key(material, spec)  # PKCS#8, of the spec's size or curve
            self.add_version(
                key,
                material=material,
                version_id=v.get("id"),
                created_at=_time(v.get("created")) or key.created_at,
            )
        primary = entry.get("primary")
        if primary:
            indexes = [i for i, v in enumerate(key.versions) if v.version_id == primary]
            if not indexes:
                raise ValueError(f"primary {primary!r} is none of the key's versions")
            key.primary_index = indexes[0]
        for alias in entry.get("aliases", []):
            self._aliases[alias] = key.key_id
