"""Credentials the emulator knows, and the client keys it issues.

Every request's signature is checked against these. Each account family declares
its documented local default (``docs/emulator.md``) and the field names of its
entries; a JSON file, one section per family, replaces them::

    {"alibaba": [{"access_key_id": "...", "access_key_secret": "...",
                  "security_token": null}],
     "tencent": [{"secret_id": "...", "secret_key": "...", "token": null}]}

For the Alibaba instance gateway the emulator issues client keys as KMS does
through ``CreateClientKey``: a JSON file ``{"KeyId": "KAAP.<uuid>",
"PrivateKeyData": "<base64 PKCS#12>"}`` and a password; it keeps the public key.
"""

from __future__ import annotations

import base64
import datetime
import json
import os
import secrets
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import attrs
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from unikms.dialects import families
from unikms.types import redacted

__all__ = [
    "AccessKey",
    "EmulatorCredentials",
    "IssuedClientKey",
    "private_directory",
]


@attrs.frozen
class AccessKey:
    """One access key of an account family: its id, secret and optional session token."""

    key_id: str
    secret: str = attrs.field(repr=redacted)
    token: str | None = attrs.field(default=None, repr=redacted)


@attrs.frozen
class IssuedClientKey:
    """A client key file written for the gateway SDK, and its password."""

    key_id: str
    path: Path
    password: str = attrs.field(repr=redacted)


def private_directory(directory: str | Path) -> Path:
    """``directory``, created (with its parents) for its owner only: mode 0700.

    An existing directory is narrowed to 0700 too when it belongs to this user
    and holds nothing but client keys; any other (``/tmp``, a project folder)
    keeps its mode (the key files in it are 0600 regardless).
    """
    path = Path(directory)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        path.mkdir(mode=0o700)
    except FileExistsError:
        if not path.is_dir():
            raise
        getuid = getattr(os, "getuid", None)
        ours = getuid is not None and path.stat().st_uid == getuid()
        if ours and all(p.name.startswith("clientKey_") for p in path.iterdir()):
            path.chmod(0o700)
    else:
        path.chmod(0o700)  # in case the umask took the owner's own bits
    return path


class EmulatorCredentials:
    """Access keys per account family (every registered dialect's) and the gateway
    client keys. A family given no keys accepts its documented local default.

    >>> creds = EmulatorCredentials({"tencent": [AccessKey("id", "secret")]})
    >>> creds.access_key("tencent", "id").secret, creds.access_key("tencent", "other")
    ('secret', None)
    """

    def __init__(self, access_keys: Mapping[str, Iterable[AccessKey]] | None = None) -> None:
        given = dict(access_keys or {})
        known = families()
        unknown = sorted(set(given) - set(known))
        if unknown:
            raise ValueError(f"no account family {unknown[0]!r}; known: {', '.join(sorted(known))}")
        self._keys: dict[str, dict[str, AccessKey]] = {}
        for name, family in sorted(known.items()):
            keys = list(given.get(name, ()))
            if not keys and family.credentials is not None:
                spec = family.credentials
                keys = [AccessKey(spec.default_id, spec.default_secret)]
            self._keys[name] = {k.key_id: k for k in keys}
        self.client_keys: dict[str, rsa.RSAPublicKey] = {}

    def __repr__(self) -> str:
        keys = ", ".join(f"{name}={sorted(keys)}" for name, keys in self._keys.items())
        return f"EmulatorCredentials({keys}, client_keys={sorted(self.client_keys)})"

    def access_key(self, family: str, key_id: str) -> AccessKey | None:
        """The access key ``key_id`` of ``family``, or ``None``."""
        return self._keys.get(family, {}).get(key_id)

    @classmethod
    def load(cls, path: str | Path) -> EmulatorCredentials:
        """Read a credentials JSON file (format in the module docstring)."""
        data: dict[str, Any] = json.loads(Path(path).read_text("utf-8"))
        known = families()
        given: dict[str, list[AccessKey]] = {}
        for name, entries in data.items():
            spec = known[name].credentials if name in known else None
            if spec is None:
                raise ValueError(f"the credentials file names {name!r}, which takes no access keys")
            given[name] = [
                AccessKey(e[spec.id_field], e[spec.secret_field], e.get(spec.token_field))
                for e in entries
            ]
        return cls(given)

    def add_client_key(self, key_id: str, public_key_pem: bytes) -> None:
        key = serialization.load_pem_public_key(public_key_pem)
        if not isinstance(key, rsa.RSAPublicKey):
            raise ValueError("client keys are RSA keys")
        self.client_keys[key_id] = key

    def public_key_pem(self, key_id: str) -> bytes:
        return self.client_keys[key_id].public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def issue_client_key(self, directory: str | Path) -> IssuedClientKey:
        """Make a client key as ``CreateClientKey`` does; write its file and password."""
        key_id = f"KAAP.{uuid.uuid4()}"
        password = secrets.token_urlsafe(18)
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, key_id)])
        now = datetime.datetime.now(datetime.timezone.utc)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(private.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=3650))
            .sign(private, hashes.SHA256())
        )
        p12 = pkcs12.serialize_key_and_certificates(
            key_id.encode(),
            private,
            cert,
            None,
            serialization.BestAvailableEncryption(password.encode()),
        )
        directory = private_directory(directory)
        path = directory / f"clientKey_{key_id}.json"
        doc = {"KeyId": key_id, "PrivateKeyData": base64.b64encode(p12).decode()}
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(doc, fh)
        password_path = directory / f"clientKey_{key_id}_Password.txt"
        fd = os.open(password_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(password)
        self.client_keys[key_id] = private.public_key()
        return IssuedClientKey(key_id, path, password)
