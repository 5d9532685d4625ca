"""Tink on any unikms key: a ``tink.aead.Aead`` and a Tink ``KmsClient`` (extra ``unikms[tink]``).

Tink supports AWS, Google Cloud and HashiCorp Vault keys; this module lets its
``KmsEnvelopeAead``, its KMS key templates and its keyset encryption use a key on
any unikms dialect (Alibaba classic and instance, Tencent, every registered one),
through the fake, the emulator or the real cloud. ``docs/tink.md`` has the guide.

* :class:`UnikmsAead` is a Tink AEAD over one key of one :class:`~unikms.KmsClient`.
* :class:`UnikmsKmsClient` is what Tink looks key URIs up in
  (``tink.register_kms_client``); a key URI is ``unikms+<unikms URL>#<key>``
  (:func:`key_uri`), e.g. ``unikms+tencent-kms://ap-guangzhou#<key id>`` or
  ``unikms+fake://alibaba-classic#alias/orders``: the URL :func:`unikms.connect`
  takes, with ``unikms+`` in front, and the key after ``#`` (percent-encoded where
  it holds ``#`` or ``%``) as ``unikms rewrap --add`` spells a key.

Associated data is lowered as Tink's own AWS KMS client lowers it
(``tink/integration/awskms/_aws_kms_client.py`` in tink-crypto/tink-py,
``_encryption_context``): non-empty associated data becomes the encryption context
``{"associatedData": <lower-case hex>}``, empty associated data no context at all.
Each dialect then lowers that context as it lowers any (``docs/api.md``): Alibaba
classic's ``EncryptionContext``, Tencent's JSON string, the instance gateway's
``Aad``. A ciphertext opens only with the same associated data and under the key
the AEAD was made for.

    >>> import tink
    >>> from tink import aead
    >>> import unikms
    >>> from unikms.tink import UnikmsAead
    >>> aead.register()
    >>> kms = unikms.connect("fake://tencent")
    >>> key = kms.create_key(alias="alias/tink").key_id
    >>> envelope = aead.KmsEnvelopeAead(aead.aead_key_templates.AES256_GCM, UnikmsAead(kms, key))
    >>> sealed = envelope.encrypt(b"a large record", b"row 7")
    >>> envelope.decrypt(sealed, b"row 7")
    b'a large record'
"""

from __future__ import annotations

import binascii
import threading
from collections.abc import Mapping
from urllib.parse import quote, unquote

import tink
from tink import aead

from unikms.client import KmsClient
from unikms.errors import KmsError
from unikms.registry import connect

__all__ = [
    "ASSOCIATED_DATA_KEY",
    "KEY_URI_PREFIX",
    "UnikmsAead",
    "UnikmsKmsClient",
    "encryption_context",
    "key_uri",
    "parse_key_uri",
    "register",
]

#: the context key that carries Tink's associated data (Tink's AWS client's name)
ASSOCIATED_DATA_KEY = "associatedData"
#: what every unikms key URI starts with; the unikms URL follows
KEY_URI_PREFIX = "unikms+"


def encryption_context(associated_data: bytes) -> dict[str, str]:
    """The context that carries ``associated_data``, as Tink's AWS client builds it.

    >>> encryption_context(b"row 7")
    {'associatedData': '726f772037'}
    >>> encryption_context(b"")
    {}
    """
    if not associated_data:
        return {}
    return {ASSOCIATED_DATA_KEY: binascii.hexlify(associated_data).decode("ascii")}


def key_uri(url: str, key: str) -> str:
    """The Tink key URI of ``key`` (id, ``alias/<name>`` or ARN) at the unikms ``url``.

    >>> key_uri("tencent-kms://ap-guangzhou", "alias/orders")
    'unikms+tencent-kms://ap-guangzhou#alias/orders'
    """
    if "#" in url:
        raise ValueError(f"a unikms URL has no fragment: {url!r}")
    return f"{KEY_URI_PREFIX}{url}#{quote(key, safe='/:@+=,._-')}"


def parse_key_uri(uri: str) -> tuple[str, str]:
    """``(unikms URL, key)`` of a key URI; :class:`tink.TinkError` if it is not one.

    >>> parse_key_uri("unikms+fake://alibaba-classic?region=cn-shanghai#alias/orders")
    ('fake://alibaba-classic?region=cn-shanghai', 'alias/orders')
    """
    if not uri.startswith(KEY_URI_PREFIX):
        raise tink.TinkError(f"not a unikms key URI (unikms+<URL>#<key>): {uri!r}")
    url, hash_sign, key = uri[len(KEY_URI_PREFIX) :].partition("#")
    if not hash_sign or "://" not in url or not key:
        raise tink.TinkError(f"not a unikms key URI (unikms+<URL>#<key>): {uri!r}")
    return url, unquote(key)


class UnikmsAead(aead.Aead):  # type: ignore[misc]  # tink has no type information
    """A Tink AEAD whose every call is one KMS ``encrypt`` or ``decrypt`` with ``key``.

    What one call may carry is the dialect's own limit (4096 bytes on Tencent); the
    associated data must fit the dialect's context (``{"associatedData": hex}``:
    about 500 bytes on Tencent), and the plaintext must not be empty (no dialect
    encrypts nothing). Tink's ``KmsEnvelopeAead`` sends only its 16- or 32-byte data
    keys here, so data of any size goes through it.

    Decrypt also checks that the ciphertext belongs to ``key`` (Tink's AWS client
    passes ``KeyId`` for the same reason): the key's id is learnt from the first
    encrypt, or from one ``describe_key``. Every failure is a :class:`tink.TinkError`
    whose ``__cause__`` is the :class:`~unikms.KmsError`.
    """

    def __init__(self, client: KmsClient, key: str) -> None:
        if not key:
            raise ValueError("UnikmsAead needs a key (id, alias/<name> or ARN)")
        self.client = client
        self.key = key
        self._key_id: str | None = None

    def __repr__(self) -> str:
        return f"UnikmsAead(dialect={self.client.dialect.value!r}, key={self.key!r})"

    def encrypt(self, plaintext: bytes, associated_data: bytes) -> bytes:
        """Encrypt ``plaintext`` under the key, bound to ``associated_data``."""
        context = encryption_context(associated_data)
        try:
            result = self.client.encrypt(self.key, plaintext, context=context or None)
        except KmsError as err:
            raise tink.TinkError(f"unikms encrypt failed: {err}") from err
        self._key_id = result.key_id
        return result.ciphertext

    def decrypt(self, ciphertext: bytes, associated_data: bytes) -> bytes:
        """Decrypt what :meth:`encrypt` returned with the same ``associated_data``."""
        context = encryption_context(associated_data)
        try:
            result = self.client.decrypt(ciphertext, context=context or None)
            expected = self._expected_key_id()
        except KmsError as err:
            raise tink.TinkError(f"unikms decrypt failed: {err}") from err
        if result.key_id != expected:
            raise tink.TinkError(
                f"the ciphertext belongs to the key {result.key_id!r}, not to {self.key!r}"
            )
        return result.plaintext

    def _expected_key_id(self) -> str:
        if self._key_id is None:
            self._key_id = self.client.describe_key(self.key).key_id
        return self._key_id


class UnikmsKmsClient(tink.KmsClient):  # type: ignore[misc]  # tink has no type information
    """Tink's ``KmsClient`` for ``unikms+<URL>#<key>`` key URIs.

    ``key_uri`` binds the client to that one key URI (as Tink's own clients do);
    without it the client serves every unikms key URI. Each URL is opened once with
    :func:`unikms.connect` (and kept); ``clients`` gives clients already open, by URL,
    for the URLs that must not be opened again (a ``fake://`` URL opens a new, empty
    fake each time).
    """

    def __init__(
        self, key_uri: str | None = None, *, clients: Mapping[str, KmsClient] | None = None
    ) -> None:
        if key_uri:
            parse_key_uri(key_uri)
        self._key_uri = key_uri or None
        self._clients: dict[str, KmsClient] = dict(clients or {})
        self._lock = threading.Lock()

    def does_support(self, key_uri: str) -> bool:
        """Whether ``key_uri`` is a unikms key URI this client serves."""
        try:
            parse_key_uri(key_uri)
        except tink.TinkError:
            return False
        return self._key_uri is None or key_uri == self._key_uri

    def get_aead(self, key_uri: str) -> aead.Aead:
        """The :class:`UnikmsAead` of ``key_uri``."""
        if not self.does_support(key_uri):
            if self._key_uri is not None:
                raise tink.TinkError(
                    f"this client is bound to {self._key_uri!r} and cannot use key {key_uri!r}"
                )
            raise tink.TinkError(f"this client does not support key {key_uri!r}")
        url, key = parse_key_uri(key_uri)
        return UnikmsAead(self._client(url), key)

    def _client(self, url: str) -> KmsClient:
        with self._lock:
            client = self._clients.get(url)
            if client is None:
                try:
                    client = connect(url)
                except KmsError as err:
                    raise tink.TinkError(f"cannot open {url!r}: {err}") from err
                self._clients[url] = client
            return client


def register(
    key_uri: str | None = None, *, clients: Mapping[str, KmsClient] | None = None
) -> UnikmsKmsClient:
    """Register a :class:`UnikmsKmsClient` with Tink (``tink.register_kms_client``).

    Call it once at start-up; Tink's KMS key templates
    (``aead_key_templates.create_kms_envelope_aead_key_template``) then find it.
    """
    client = UnikmsKmsClient(key_uri, clients=clients)
    tink.register_kms_client(client)
    return client
