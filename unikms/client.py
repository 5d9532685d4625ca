"""The portable client: one API over every dialect.

:class:`KmsClient` owns what must be the same everywhere: input validation
(before any request), size limits, strict portability checks, closed-state
checks, mapping native errors onto :mod:`unikms.errors`, and logging that never
shows secrets. The dialect's :class:`~unikms.dialects.base.DialectOperations`
does the lowering and lifting; the driver does the I/O.

    >>> import unikms
    >>> kms = unikms.connect("fake://alibaba-classic")
    >>> key = kms.create_key(alias="alias/app").key_id
    >>> sealed = kms.encrypt("alias/app", b"secret", context={"tenant": "42"})
    >>> kms.decrypt(sealed.ciphertext, context={"tenant": "42"}).plaintext
    b'secret'
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from types import TracebackType
from typing import Any, TypeVar

from unikms.dialects import dialect_packages, operations_class, operations_for, rules_for
from unikms.dialects.base import (
    ALIAS_PREFIX,
    DialectOperations,
    EncryptOptions,
    Feature,
    Situation,
    canonical_context_json,
    neutral_alias,
)
from unikms.errors import (
    CiphertextKeyNotFoundError,
    InvalidRequestError,
    KmsError,
    LimitExceededError,
    PortabilityError,
    UnsupportedByDialectError,
)
from unikms.native import Driver, NativeError
from unikms.observe import (
    DEBUG,
    TRACING,
    debug_enabled,
    observe_call,
    observing,
    traced,
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
    KeyUsage,
    KeyVersion,
    PublicKey,
    SigningAlgorithm,
    SignResult,
)

__all__ = ["KmsClient"]

E = TypeVar("E", bound=enum.Enum)

log = logging.getLogger("unikms")

#: the digest every neutral signing algorithm signs (SHA-256, SM3): unikms.asymmetric's,
#: not imported from there so that ``import unikms`` does not load ``cryptography``
DIGEST_BYTES = 32

_PLAIN = EncryptOptions()
_PRIMARY = KeyVersion.PRIMARY


def _valid_unicode(text: str) -> bool:
    """Whether ``text`` encodes as UTF-8 (a lone surrogate does not)."""
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _arn_prefixes() -> tuple[str, ...]:
    """The ARN prefixes of every dialect that has ARNs (``acs:``, ...)."""
    return tuple(p.arn_prefix for p in dialect_packages() if p.arn_prefix)


_STRICT_FORBIDDEN = {
    "iv": Feature.IV,
    "aad": Feature.AAD,
    "algorithm": Feature.ALGORITHM,
    "padding": Feature.PADDING,
    "dry_run": Feature.DRY_RUN,
}


class KmsClient:
    """A KMS client of one dialect. Get one from :func:`unikms.connect`.

    With ``strict_portability=True`` every request is also checked against the
    rules of the other dialects, and anything that would fail there (a larger
    plaintext, a context Tencent cannot carry, an explicit IV, ...) raises
    :class:`~unikms.errors.PortabilityError` before any request.
    """

    def __init__(
        self,
        driver: Driver,
        *,
        strict_portability: bool = False,
        operations: DialectOperations | None = None,
    ) -> None:
        self._driver = driver
        self._ops = operations or operations_for(driver)
        self._rules = self._ops.rules
        self._dialect_name = self._rules.dialect.value
        self.strict_portability = strict_portability
        self._closed = False
        TRACING.refresh()  # spans for the clients made after a tracer provider was set

    def __repr__(self) -> str:
        return f"KmsClient(dialect={self.dialect.value!r}, driver={type(self._driver).__name__})"

    @property
    def dialect(self) -> Dialect:
        """The dialect this client speaks."""
        return self._rules.dialect

    @property
    def driver(self) -> Driver:
        return self._driver

    # -- lifecycle ------------------------------------------------------------
    def close(self) -> None:
        """Close the driver; later calls raise :class:`InvalidRequestError`."""
        if not self._closed:
            self._closed = True
            self._driver.close()

    def __enter__(self) -> KmsClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- crypto ---------------------------------------------------------------
    def encrypt(
        self,
        key: str,
        plaintext: bytes,
        *,
        context: Mapping[str, str] | None = None,
        version: KeyVersion = KeyVersion.PRIMARY,
        algorithm: str | None = None,
        iv: bytes | None = None,
        aad: bytes | None = None,
        padding: str | None = None,
        dry_run: bool = False,
    ) -> EncryptResult:
        """Encrypt up to the dialect's limit of bytes with ``key`` (id, alias or ARN).

        ``context`` is bound to the ciphertext; pass the same one to
        :meth:`decrypt`. ``algorithm``, ``iv``, ``aad`` and ``padding`` exist on
        the Alibaba instance dialect only; ``dry_run`` on Alibaba classic only.

        >>> import unikms
        >>> kms = unikms.connect("fake://tencent")
        >>> key = kms.create_key(alias="alias/orders").key_id
        >>> kms.encrypt(key, b"4111 1111 1111 1111").key_id == key
        True
        """
        if (TRACING.on or debug_enabled(DEBUG)) and not observing():  # unikms.observe
            options: dict[str, Any] = {"context": context, "version": version, "iv": iv}
            options.update(algorithm=algorithm, aad=aad, padding=padding, dry_run=dry_run)
            return observe_call("encrypt", KmsClient.encrypt, self, key, (key, plaintext), options)
        # The hot path (bench/fake_bench.py): the checks below, inlined for the
        # common call (no dialect-specific option, not strict); anything else
        # takes the general checks, which raise the precise error.
        if (
            version is _PRIMARY
            and algorithm is None
            and iv is None
            and aad is None
            and padding is None
            and dry_run is False
            and type(key) is str
            and type(plaintext) is bytes
            and key
            and plaintext
            and key.isascii()  # O(1); anything else is checked for lone surrogates
            and not key[0].isspace()
            and not self._closed
            and not self.strict_portability
        ):
            opts = _PLAIN if context is None else EncryptOptions(self._check_context(context))
            limit = self._ops.max_plaintext(key, opts)
            if len(plaintext) > limit:
                self._check_plaintext(plaintext, limit)  # raises, naming size and limit
            data = plaintext
        else:
            self._check_open()
            key = self._check_key(key)
            data = self._check_bytes("plaintext", plaintext)
            opts = self._options(context, version, algorithm, iv, aad, padding, dry_run)
            self._check_plaintext(data, self._ops.max_plaintext(key, opts))
        log.debug("encrypt dialect=%s key=%s bytes=%d", self._dialect_name, key, len(data))
        try:  # not a context manager: this is the hot path
            return self._ops.encrypt(key, data, opts)
        except NativeError as err:
            raise self._neutral(err) from None

    def decrypt(
        self,
        ciphertext: bytes | str,
        *,
        context: Mapping[str, str] | None = None,
        key: str | None = None,
        algorithm: str | None = None,
        iv: bytes | None = None,
        aad: bytes | None = None,
        padding: str | None = None,
        dry_run: bool = False,
    ) -> DecryptResult:
        """Decrypt what :meth:`encrypt` returned (``bytes``), or a native blob
        string that the provider's own SDK produced (``str``).

        ``key``, ``algorithm``, ``iv`` and ``padding`` are needed only for a
        native Alibaba instance ``Encrypt`` blob, whose IV travels apart.

        >>> import unikms
        >>> kms = unikms.connect("fake://alibaba-instance")
        >>> key = kms.create_key().key_id
        >>> ct = kms.encrypt(key, b"hi").ciphertext
        >>> kms.decrypt(ct).plaintext
        b'hi'
        """
        if (TRACING.on or debug_enabled(DEBUG)) and not observing():  # unikms.observe
            options: dict[str, Any] = {"context": context, "key": key, "iv": iv, "aad": aad}
            options.update(algorithm=algorithm, padding=padding, dry_run=dry_run)
            return observe_call("decrypt", KmsClient.decrypt, self, key, (ciphertext,), options)
        blob: bytes | str
        if (  # the hot path, as in encrypt
            type(ciphertext) is bytes
            and ciphertext
            and key is None
            and algorithm is None
            and iv is None
            and aad is None
            and padding is None
            and dry_run is False
            and not self._closed
            and not self.strict_portability
        ):
            blob = ciphertext
            opts = _PLAIN if context is None else EncryptOptions(self._check_context(context))
        else:
            self._check_open()
            blob = self._check_ciphertext(ciphertext)
            if key is not None:
                key = self._check_key(key)
            opts = self._options(context, _PRIMARY, algorithm, iv, aad, padding, dry_run)
        log.debug("decrypt dialect=%s bytes=%d", self._dialect_name, len(blob))
        try:
            return self._ops.decrypt(blob, opts, key)
        except NativeError as err:
            raise self._neutral(err, decrypting=True) from None

    def generate_data_key(
        self,
        key: str,
        *,
        context: Mapping[str, str] | None = None,
        number_of_bytes: int = 32,
        version: KeyVersion = KeyVersion.PRIMARY,
        dry_run: bool = False,
    ) -> DataKey:
        """A fresh data key: ``plaintext`` to use locally, ``ciphertext`` to store.

        >>> import unikms
        >>> kms = unikms.connect("fake://alibaba-classic")
        >>> key = kms.create_key().key_id
        >>> dk = kms.generate_data_key(key, context={"file": "a.bin"})
        >>> opened = kms.decrypt(dk.ciphertext, context={"file": "a.bin"})
        >>> len(dk.plaintext), opened.plaintext == dk.plaintext
        (32, True)
        """
        if (TRACING.on or debug_enabled(DEBUG)) and not observing():  # unikms.observe
            options: dict[str, Any] = {"context": context, "number_of_bytes": number_of_bytes}
            options.update(version=version, dry_run=dry_run)
            method = KmsClient.generate_data_key
            return observe_call("generate_data_key", method, self, key, (key,), options)
        self._check_open()
        key = self._check_key(key)
        low, high = self._rules.limits.data_key_bytes
        if (
            not isinstance(number_of_bytes, int)
            or isinstance(number_of_bytes, bool)
            or not low <= number_of_bytes <= high
        ):
            raise self._invalid(
                "number_of_bytes",
                f"number_of_bytes must be an integer from {low} to {high}, got {number_of_bytes!r}",
            )
        opts = self._options(context, version, None, None, None, None, dry_run)
        with self._native():
            return self._ops.generate_data_key(key, number_of_bytes, opts)

    # -- key management -------------------------------------------------------
    @traced("create_key")
    def create_key(
        self,
        *,
        spec: KeySpec = KeySpec.AES_256,
        description: str = "",
        alias: str | None = None,
        external: bool = False,
        hsm: bool = False,
        usage: KeyUsage | str | None = None,
    ) -> KeyInfo:
        """Create a key (``external=True``: no material yet, state PendingImport).

        ``alias`` (``alias/<name>``, or the bare name, which means the same) is
        bound to the new key; each dialect gets its own spelling of it and
        :class:`KeyInfo` reports ``alias/<name>`` everywhere. A name the dialect
        cannot hold (or, in strict mode, any dialect) is refused before any
        request. Tencent keys always carry an alias: one is generated there
        when none is given.
        ``hsm=True`` (Alibaba only) makes a hardware key (``ProtectionLevel``
        ``HSM``): on the instance gateway it also encrypts with ``AES_CBC`` and
        ``AES_ECB``, but has no ``AdvanceEncrypt``, so encrypt with
        ``version=KeyVersion.INITIAL``.
        ``usage`` (``"SIGN/VERIFY"`` or ``"ENCRYPT/DECRYPT"``) is for asymmetric specs;
        by default EC keys sign and RSA and SM2 keys encrypt.

        >>> import unikms
        >>> info = unikms.connect("fake://tencent").create_key(alias="orders")
        >>> info.state, info.aliases
        (<KeyState.ENABLED: 'Enabled'>, ('alias/orders',))
        """
        self._check_open()
        spec = self._enum(KeySpec, spec, "spec")
        if not isinstance(description, str) or not _valid_unicode(description):
            raise self._invalid(
                "description", "description must be a string of valid Unicode (no lone surrogates)"
            )
        if alias is not None:
            alias = self._check_alias(alias)
        for name, flag in (("external", external), ("hsm", hsm)):
            if not isinstance(flag, bool):
                raise self._invalid(name, f"{name} must be True or False, got {flag!r}")
        if hsm:
            self._dialect_only(Feature.HSM_KEYS, "hsm", "hsm=True")
        if usage is None:
            with self._native():
                return self._ops.create_key(spec, description, alias, external, hsm)
        chosen = self._enum(KeyUsage, usage, "usage")
        if spec.symmetric and chosen is not KeyUsage.ENCRYPT_DECRYPT:
            raise self._invalid("usage", f"a {spec.value} key is for ENCRYPT/DECRYPT only")
        with self._native():
            return self._ops.create_key(spec, description, alias, external, hsm, usage=chosen)

    @traced("describe_key")
    def describe_key(self, key: str) -> KeyInfo:
        """State, spec, versions and primary version of ``key`` (id, alias or ARN)."""
        self._check_open()
        key = self._check_key(key)
        with self._native():
            return self._ops.describe_key(key)

    @traced("list_keys")
    def list_keys(self) -> list[str]:
        """Ids of every key (all pages)."""
        self._check_open()
        with self._native():
            return self._ops.list_keys()

    @traced("create_alias")
    def create_alias(self, alias: str, key: str) -> None:
        """Bind ``alias`` (``alias/<name>``, or the bare name) to ``key``.

        On Tencent a key has one alias, so this replaces the key's alias.

        >>> import unikms
        >>> kms = unikms.connect("fake://alibaba-classic")
        >>> key = kms.create_key().key_id
        >>> kms.create_alias("billing", key)
        >>> kms.list_aliases() == {"alias/billing": key}
        True
        """
        self._check_open()
        alias = self._check_alias(alias)
        key = self._check_key(key)
        with self._native():
            self._ops.create_alias(alias, key)

    @traced("list_aliases")
    def list_aliases(self) -> dict[str, str]:
        """Every alias with the key id it points at."""
        self._check_open()
        with self._native():
            return self._ops.list_aliases()

    @traced("enable_key")
    def enable_key(self, key: str) -> None:
        self._check_open()
        with self._native():
            self._ops.enable_key(self._check_key(key))

    @traced("disable_key")
    def disable_key(self, key: str) -> None:
        self._check_open()
        with self._native():
            self._ops.disable_key(self._check_key(key))

    @traced("schedule_key_deletion")
    def schedule_key_deletion(self, key: str, days: int) -> None:
        """Schedule deletion after a pending window of ``days`` (dialect's range)."""
        self._check_open()
        if not isinstance(days, int) or isinstance(days, bool):
            raise self._invalid("days", f"days must be an integer, got {days!r}")
        with self._native():
            self._ops.schedule_key_deletion(self._check_key(key), days)

    @traced("cancel_key_deletion")
    def cancel_key_deletion(self, key: str) -> None:
        self._check_open()
        with self._native():
            self._ops.cancel_key_deletion(self._check_key(key))

    @traced("rotate_key")
    def rotate_key(self, key: str) -> str | None:
        """Make new key material the primary version; old ciphertexts still decrypt.

        Returns the new version id where the dialect reports one (Alibaba's
        ``CreateKeyVersion``), ``None`` on Tencent (``RotateKey`` exposes no
        versions). Each dialect limits how often: Alibaba 7 days between
        versions, Tencent once in 24 hours (:class:`InvalidRequestError`).
        Tencent rotates on demand only a key whose rotation policy is on
        (``rules.rotation_needs_policy``): otherwise
        :class:`~unikms.errors.RotationPolicyRequiredError`; turn it on with
        :meth:`set_rotation_policy` first (this method never does).
        """
        self._check_open()
        with self._native():
            return self._ops.rotate_key(self._check_key(key))

    @traced("archive_key")
    def archive_key(self, key: str) -> None:
        """Tencent only: archive a key (it stops encrypting; it still decrypts)."""
        self._check_open()
        with self._native():
            self._ops.archive_key(self._check_key(key))

    @traced("cancel_key_archive")
    def cancel_key_archive(self, key: str) -> None:
        """Tencent only: bring an archived key back (Enabled)."""
        self._check_open()
        with self._native():
            self._ops.cancel_key_archive(self._check_key(key))

    # -- re-encryption and random bytes -----------------------------------------
    @traced("re_encrypt")
    def re_encrypt(
        self,
        ciphertext: bytes | str,
        destination_key: str,
        *,
        source_context: Mapping[str, str] | None = None,
        context: Mapping[str, str] | None = None,
    ) -> EncryptResult:
        """Move a ciphertext under ``destination_key`` without the plaintext leaving the
        service: it is decrypted with ``source_context`` (the context it was made
        with) and encrypted again, bound to ``context``. Alibaba classic
        (``ReEncrypt``) and Tencent (``ReEncrypt``); the instance gateway has none.

        >>> import unikms
        >>> kms = unikms.connect("fake://tencent")
        >>> old, new = kms.create_key().key_id, kms.create_key().key_id
        >>> sealed = kms.encrypt(old, b"pin", context={"user": "7"})
        >>> moved = kms.re_encrypt(sealed.ciphertext, new, source_context={"user": "7"})
        >>> moved.key_id == new, kms.decrypt(moved.ciphertext).plaintext
        (True, b'pin')
        """
        self._check_open()
        self._dialect_only(Feature.RE_ENCRYPT, "re_encrypt", "re_encrypt")
        blob = self._check_ciphertext(ciphertext)
        destination_key = self._check_key(destination_key, "destination_key")
        source = self._check_context(source_context)
        target = self._check_context(context)
        log.debug("re_encrypt dialect=%s key=%s", self._dialect_name, destination_key)
        try:
            return self._ops.re_encrypt(blob, destination_key, source, target)
        except NativeError as err:
            neutral = self._neutral(err, decrypting=True)
            if isinstance(neutral, CiphertextKeyNotFoundError):
                # the code names no side: the ciphertext's key or the destination is missing
                neutral = self._rules.neutral(err)
            raise neutral from None

    @traced("generate_random")
    def generate_random(self, number_of_bytes: int) -> bytes:
        """``number_of_bytes`` random bytes from the service's generator (Tencent's
        ``GenerateRandom``: 1 to 1024; the instance gateway's: 1 to 64). Alibaba
        classic has no such call (``GetRandomPassword`` makes passwords, not bytes).

        >>> import unikms
        >>> len(unikms.connect("fake://tencent").generate_random(16))
        16
        """
        self._check_open()
        self._dialect_only(Feature.RANDOM, "number_of_bytes", "generate_random")
        low, high = self._ops.random_bytes
        self._check_int("number_of_bytes", number_of_bytes, low, high)
        with self._native():
            return self._ops.generate_random(number_of_bytes)

    # -- asymmetric keys ----------------------------------------------------------
    @traced("sign")
    def sign(
        self,
        key: str,
        *,
        message: bytes | None = None,
        digest: bytes | None = None,
        algorithm: SigningAlgorithm | str,
        version_id: str | None = None,
    ) -> SignResult:
        """Sign ``message`` (hashed as ``algorithm`` says, here or by the service) or its
        32-byte ``digest`` with the asymmetric ``key`` (usage ``SIGN/VERIFY``).

        ``version_id`` picks a version of a key that has several (default: the newest);
        the result names the version that signed, for :meth:`verify`.

        >>> import unikms
        >>> kms = unikms.connect("fake://alibaba-classic")
        >>> key = kms.create_key(spec="RSA_2048", usage="SIGN/VERIFY").key_id
        >>> signed = kms.sign(key, message=b"invoice 7", algorithm="RSA_PSS_SHA_256")
        >>> kms.verify(key, signed.signature, message=b"invoice 7", algorithm="RSA_PSS_SHA_256")
        True
        >>> kms.verify(key, signed.signature, message=b"invoice 8", algorithm="RSA_PSS_SHA_256")
        False
        """
        self._check_open()
        self._dialect_only(Feature.ASYMMETRIC_SIGN, "algorithm", "sign")
        key = self._check_key(key)
        chosen = self._signing_algorithm(algorithm)
        data, prehashed = self._message_or_digest(message, digest)
        version = self._check_version_id(version_id)
        log.debug("sign dialect=%s key=%s", self._dialect_name, key)
        with self._native():
            return self._ops.sign(key, data, prehashed, chosen, version)

    @traced("verify")
    def verify(
        self,
        key: str,
        signature: bytes,
        *,
        message: bytes | None = None,
        digest: bytes | None = None,
        algorithm: SigningAlgorithm | str,
        version_id: str | None = None,
    ) -> bool:
        """Whether ``signature`` of ``message`` (or of its ``digest``) verifies under
        ``key``: a signature that does not verify is ``False``, never an error; a key
        that cannot verify (symmetric, or for encryption) raises
        :class:`~unikms.errors.WrongKeyTypeError`."""
        self._check_open()
        self._dialect_only(Feature.ASYMMETRIC_SIGN, "algorithm", "verify")
        key = self._check_key(key)
        signed = self._check_bytes("signature", signature)
        if not signed:
            raise self._invalid("signature", "signature must not be empty")
        chosen = self._signing_algorithm(algorithm)
        data, prehashed = self._message_or_digest(message, digest)
        version = self._check_version_id(version_id)
        with self._native():
            return self._ops.verify(key, signed, data, prehashed, chosen, version)

    @traced("get_public_key")
    def get_public_key(self, key: str, *, version_id: str | None = None) -> PublicKey:
        """The public half of an asymmetric ``key`` (its newest version unless
        ``version_id``): PEM, DER (``SubjectPublicKeyInfo``), spec, usage and algorithms.

        >>> import unikms
        >>> kms = unikms.connect("fake://alibaba-classic")
        >>> key = kms.create_key(spec="RSA_3072").key_id
        >>> public = kms.get_public_key(key)
        >>> public.pem.splitlines()[0], [a.value for a in public.encryption_algorithms]
        ('-----BEGIN PUBLIC KEY-----', ['RSAES_OAEP_SHA_256', 'RSAES_OAEP_SHA_1'])
        """
        self._check_open()
        self._dialect_only(Feature.PUBLIC_KEY, "key", "get_public_key")
        key = self._check_key(key)
        version = self._check_version_id(version_id)
        with self._native():
            return self._ops.get_public_key(key, version)

    @traced("encrypt_asymmetric")
    def encrypt_asymmetric(
        self,
        key: str,
        plaintext: bytes,
        *,
        algorithm: AsymmetricAlgorithm | str,
        version_id: str | None = None,
    ) -> AsymmetricEncryptResult:
        """Encrypt a short ``plaintext`` with the public half of ``key`` (usage
        ``ENCRYPT/DECRYPT``); the size limit is the algorithm's with the key's size
        (RSA_2048 with RSAES_OAEP_SHA_256: 190 bytes), checked before any request.

        >>> import unikms
        >>> kms = unikms.connect("fake://alibaba-classic")
        >>> key = kms.create_key(spec="RSA_2048").key_id
        >>> sealed = kms.encrypt_asymmetric(key, b"pin", algorithm="RSAES_OAEP_SHA_256")
        >>> kms.decrypt_asymmetric(key, sealed.ciphertext, algorithm="RSAES_OAEP_SHA_256",
        ...                        version_id=sealed.key_version_id).plaintext
        b'pin'
        """
        self._check_open()
        self._dialect_only(Feature.ASYMMETRIC_ENCRYPT, "algorithm", "encrypt_asymmetric")
        key = self._check_key(key)
        chosen = self._asymmetric_algorithm(algorithm)
        data = self._check_bytes("plaintext", plaintext)
        if not data:
            raise self._invalid("plaintext", "plaintext must not be empty")
        limit = self._ops.max_asymmetric_plaintext(None, chosen)
        assert limit is not None  # _asymmetric_algorithm checked that a spec has it
        self._check_plaintext(data, limit, portable=False)
        if self.strict_portability:
            for other in Dialect:
                other_limit = operations_class(other).max_asymmetric_plaintext(None, chosen)
                if other_limit is not None and len(data) > other_limit:
                    raise PortabilityError(
                        f"plaintext is {len(data)} bytes; the {other.value} dialect's "
                        f"{chosen.value} takes at most {other_limit}",
                        other=other,
                        field="plaintext",
                        dialect=self.dialect,
                    )
        version = self._check_version_id(version_id)
        with self._native():
            return self._ops.encrypt_asymmetric(key, data, chosen, version)

    @traced("decrypt_asymmetric")
    def decrypt_asymmetric(
        self,
        key: str,
        ciphertext: bytes,
        *,
        algorithm: AsymmetricAlgorithm | str,
        version_id: str | None = None,
    ) -> DecryptResult:
        """Decrypt what :meth:`encrypt_asymmetric` returned, or what anyone encrypted
        with the exported public key, with the private half of ``key`` (the version that
        encrypted: ``version_id``, default the newest)."""
        self._check_open()
        self._dialect_only(Feature.ASYMMETRIC_ENCRYPT, "algorithm", "decrypt_asymmetric")
        key = self._check_key(key)
        chosen = self._asymmetric_algorithm(algorithm)
        blob = self._check_bytes("ciphertext", ciphertext)
        if not blob:
            raise self._invalid("ciphertext", "ciphertext must not be empty")
        version = self._check_version_id(version_id)
        with self._native(decrypting=True):
            return self._ops.decrypt_asymmetric(key, blob, chosen, version)

    def _signing_algorithm(self, algorithm: object) -> SigningAlgorithm:
        chosen = self._enum(SigningAlgorithm, algorithm, "algorithm")
        self._algorithm_offered(chosen, lambda ops: ops.signing_algorithms)
        return chosen

    def _asymmetric_algorithm(self, algorithm: object) -> AsymmetricAlgorithm:
        chosen = self._enum(AsymmetricAlgorithm, algorithm, "algorithm")
        self._algorithm_offered(chosen, lambda ops: ops.encryption_algorithms)
        return chosen

    def _algorithm_offered(
        self,
        algorithm: SigningAlgorithm | AsymmetricAlgorithm,
        table: Callable[[type[DialectOperations]], Mapping[KeySpec, tuple[Any, ...]]],
    ) -> None:
        """``algorithm`` must be one some key spec of this dialect has (and, in strict
        mode, of every dialect that has the feature at all)."""

        def offered(ops: type[DialectOperations]) -> bool:
            return any(algorithm in algorithms for algorithms in table(ops).values())

        if not offered(type(self._ops)):
            raise UnsupportedByDialectError(
                f"the {self.dialect.value} dialect has no {algorithm.value} keys",
                field="algorithm",
                dialect=self.dialect,
            )
        if self.strict_portability:
            for other in Dialect:
                if not offered(operations_class(other)):
                    raise PortabilityError(
                        f"{algorithm.value} is not portable: the {other.value} dialect has "
                        "no such keys",
                        other=other,
                        field="algorithm",
                        dialect=self.dialect,
                    )

    def _message_or_digest(
        self, message: object, digest: object
    ) -> tuple[bytes | None, bytes | None]:
        """Exactly one of ``message`` (bytes) and ``digest`` (32 bytes)."""
        if (message is None) == (digest is None):
            raise self._invalid("message", "pass either message or digest, not both or neither")
        if digest is not None:
            data = self._check_bytes("digest", digest)
            if len(data) != DIGEST_BYTES:
                raise self._invalid(
                    "digest",
                    f"digest must be {DIGEST_BYTES} bytes (SHA-256 or SM3), got {len(data)}",
                )
            return None, data
        data = self._check_bytes("message", message)
        limit = self._ops.max_sign_message
        if limit is not None and len(data) > limit:
            self._check_plaintext(data or b"\0", limit, field="message")
        return data, None

    def _check_version_id(self, version_id: object) -> str | None:
        if version_id is None:
            return None
        return self._check_text(version_id, "version_id")

    # -- descriptions, aliases, rotation policy ---------------------------------
    @traced("update_key_description")
    def update_key_description(self, key: str, description: str) -> None:
        """Replace the description of ``key`` (Alibaba: up to 8192 characters; Tencent:
        up to 1024 bytes as UTF-8; strict mode: the smaller).

        >>> import unikms
        >>> kms = unikms.connect("fake://alibaba-classic")
        >>> key = kms.create_key(description="draft").key_id
        >>> kms.update_key_description(key, "orders, 2026")
        >>> kms.describe_key(key).description
        'orders, 2026'
        """
        self._check_open()
        key = self._check_key(key)
        if not isinstance(description, str) or not _valid_unicode(description):
            raise self._invalid(
                "description", "description must be a string of valid Unicode (no lone surrogates)"
            )
        self._ops.check_description_rules(description)
        if self.strict_portability:
            self._check_portable(
                "description",
                "the description",
                lambda ops: ops.check_description_rules(description),
            )
        with self._native():
            self._ops.update_key_description(key, description)

    @traced("update_alias")
    def update_alias(self, alias: str, key: str) -> None:
        """Point the existing ``alias`` at another ``key`` (Alibaba's ``UpdateAlias``).

        Tencent has no alias apart from its key (a key carries one alias, renamed
        with :meth:`create_alias`): :class:`UnsupportedByDialectError` there.

        >>> import unikms
        >>> kms = unikms.connect("fake://alibaba-classic")
        >>> old, new = kms.create_key(alias="current").key_id, kms.create_key().key_id
        >>> kms.update_alias("current", new)
        >>> kms.list_aliases()["alias/current"] == new
        True
        """
        self._check_open()
        self._dialect_only(Feature.MOVABLE_ALIASES, "alias", "update_alias")
        alias = self._check_alias(alias)
        key = self._check_key(key)
        with self._native():
            self._ops.update_alias(alias, key)

    @traced("delete_alias")
    def delete_alias(self, alias: str) -> None:
        """Delete ``alias`` (the key stays). Alibaba only: a Tencent key always has one.

        >>> import unikms
        >>> kms = unikms.connect("fake://alibaba-classic")
        >>> key = kms.create_key(alias="gone").key_id
        >>> kms.delete_alias("gone")
        >>> kms.list_aliases()
        {}
        """
        self._check_open()
        self._dialect_only(Feature.MOVABLE_ALIASES, "alias", "delete_alias")
        alias = self._check_alias(alias)
        with self._native():
            self._ops.delete_alias(alias)

    @traced("set_rotation_policy")
    def set_rotation_policy(
        self, key: str, *, enabled: bool, period_days: int | None = None
    ) -> None:
        """Turn automatic rotation of ``key`` on (a new version every ``period_days``,
        7 to 365 on each dialect) or off (``period_days`` not given). Alibaba:
        ``UpdateRotationPolicy``; Tencent: ``EnableKeyRotation`` / ``DisableKeyRotation``.

        >>> import unikms
        >>> kms = unikms.connect("fake://tencent")
        >>> key = kms.create_key().key_id
        >>> kms.set_rotation_policy(key, enabled=True, period_days=90)
        >>> kms.describe_key(key).native["RotateDays"]
        90
        """
        self._check_open()
        self._dialect_only(Feature.ROTATION, "enabled", "set_rotation_policy")
        key = self._check_key(key)
        if not isinstance(enabled, bool):
            raise self._invalid("enabled", f"enabled must be True or False, got {enabled!r}")
        if enabled:
            if period_days is None:
                raise self._invalid("period_days", "period_days is needed with enabled=True")
            low, high = self._ops.rotation_period_days
            self._check_int("period_days", period_days, low, high)
        elif period_days is not None:
            raise self._invalid("period_days", "period_days goes only with enabled=True")
        with self._native():
            self._ops.set_rotation_policy(key, enabled, period_days)

    # -- tags -------------------------------------------------------------------
    @traced("tag_key")
    def tag_key(self, key: str, tags: Mapping[str, str]) -> None:
        """Add or replace tags of ``key`` (Alibaba ``TagResource``; Tencent KMS has no
        tag action, its tags belong to the Tag service).

        >>> import unikms
        >>> kms = unikms.connect("fake://alibaba-classic")
        >>> key = kms.create_key().key_id
        >>> kms.tag_key(key, {"team": "payments"})
        >>> kms.list_key_tags(key)
        {'team': 'payments'}
        """
        self._check_open()
        self._dialect_only(Feature.TAGS, "tags", "tag_key")
        key = self._check_key(key)
        if not isinstance(tags, Mapping) or not tags:
            raise self._invalid("tags", "tags must be a non-empty mapping of str to str")
        for name, value in tags.items():
            if not isinstance(name, str) or not isinstance(value, str):
                raise self._invalid("tags", "tags must map str to str")
            if not _valid_unicode(name) or not _valid_unicode(value):
                raise self._invalid("tags", "tags must be valid Unicode (no lone surrogates)")
            self._ops.check_tag_rules(name, value)
        with self._native():
            self._ops.tag_key(key, dict(tags))

    @traced("untag_key")
    def untag_key(self, key: str, names: list[str]) -> None:
        """Remove the tags ``names`` of ``key`` (names it does not have are ignored)."""
        self._check_open()
        self._dialect_only(Feature.TAGS, "tags", "untag_key")
        key = self._check_key(key)
        if isinstance(names, str) or not names:
            raise self._invalid("names", "names must be a non-empty list of tag keys")
        checked = [self._check_text(name, "names") for name in names]
        with self._native():
            self._ops.untag_key(key, checked)

    @traced("list_key_tags")
    def list_key_tags(self, key: str) -> dict[str, str]:
        """Every tag of ``key``, name to value."""
        self._check_open()
        self._dialect_only(Feature.TAGS, "key", "list_key_tags")
        key = self._check_key(key)
        with self._native():
            return self._ops.list_key_tags(key)

    # -- checks -----------------------------------------------------------------
    def _check_int(self, field: str, value: object, low: int, high: int) -> None:
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise self._invalid(
                field, f"{field} must be an integer from {low} to {high}, got {value!r}"
            )

    def _check_ciphertext(self, ciphertext: object) -> bytes | str:
        """What :meth:`encrypt` returned (bytes) or a native blob string, not empty."""
        if isinstance(ciphertext, str):
            blob: bytes | str = ciphertext
        else:
            blob = self._check_bytes("ciphertext", ciphertext)
        if not blob:
            raise self._invalid("ciphertext", "ciphertext must not be empty")
        return blob

    def _check_open(self) -> None:
        if self._closed:
            raise InvalidRequestError("the client is closed", dialect=self.dialect)

    def _invalid(self, field: str, message: str) -> InvalidRequestError:
        spec = self._rules.situation(Situation.INVALID_PARAMETER)
        return InvalidRequestError(
            message, field=field, dialect=self.dialect, code=spec.code, http_status=spec.http_status
        )

    def _enum(self, enum: type[E], value: object, field: str) -> E:
        try:
            return enum(value)
        except ValueError:
            known = ", ".join(str(m.value) for m in enum)
            raise self._invalid(field, f"{field} must be one of {known}, got {value!r}") from None

    def _check_text(self, value: object, field: str) -> str:
        """A non-empty string of valid Unicode (a lone surrogate cannot be sent)."""
        if not isinstance(value, str) or not value.strip():
            raise self._invalid(field, f"{field} must be a non-empty string")
        if not _valid_unicode(value):
            raise self._invalid(field, f"{field} must be valid Unicode (no lone surrogates)")
        return value

    def _check_key(self, key: object, field: str = "key") -> str:
        key = self._check_text(key, field)
        if self.strict_portability:
            if any(key.startswith(prefix) for prefix in _arn_prefixes()):
                for other in Dialect:
                    if Feature.ARN not in rules_for(other).features:
                        raise PortabilityError(
                            f"{field}: an ARN, which the {other.value} dialect does not take",
                            other=other,
                            field=field,
                            dialect=self.dialect,
                        )
            if key.startswith(ALIAS_PREFIX):
                self._check_portable(field, "the alias", lambda ops: ops.check_alias_rules(key))
        return key

    def _check_alias(self, alias: object) -> str:
        """The neutral ``alias/<name>`` (a bare name gets the prefix), checked against
        this dialect's rules and, in strict mode, every other dialect's."""
        name = neutral_alias(self._check_text(alias, "alias"))
        self._ops.check_alias_rules(name)
        if self.strict_portability:
            self._check_portable("alias", "the alias", lambda ops: ops.check_alias_rules(name))
        return name

    def _check_portable(
        self, field: str, what: str, check: Callable[[type[DialectOperations]], None]
    ) -> None:
        """Strict portability: raise :class:`PortabilityError` if ``check`` fails
        for any other dialect's operations."""
        for other in Dialect:
            if other is self.dialect:
                continue
            try:
                check(operations_class(other))
            except KmsError as err:
                raise PortabilityError(
                    f"{what} would be refused by the {other.value} dialect: {err.message}",
                    other=other,
                    field=field,
                    dialect=self.dialect,
                ) from None

    def _check_bytes(self, field: str, value: object) -> bytes:
        if type(value) is bytes:
            return value
        if isinstance(value, (bytes, bytearray, memoryview)):
            return bytes(value)
        raise self._invalid(field, f"{field} must be bytes, got {type(value).__name__}")

    def max_plaintext(
        self,
        key: str = "",
        *,
        context: Mapping[str, str] | None = None,
        algorithm: str | None = None,
        iv: bytes | None = None,
        aad: bytes | None = None,
        padding: str | None = None,
    ) -> int:
        """The most plaintext bytes :meth:`encrypt` accepts with these arguments.

        A fixed number on Alibaba classic (6144) and Tencent (4096); on the
        Alibaba instance gateway what fits in the 3 MB request body beside the
        other fields.

        >>> import unikms
        >>> unikms.connect("fake://tencent").max_plaintext()
        4096
        """
        self._check_open()
        if key:
            key = self._check_key(key)
        elif not isinstance(key, str):
            raise self._invalid("key", "key must be a string")
        opts = self._options(context, KeyVersion.PRIMARY, algorithm, iv, aad, padding, False)
        return self._ops.max_plaintext(key, opts)

    def _check_plaintext(
        self, data: bytes, limit: int, *, field: str = "plaintext", portable: bool = True
    ) -> None:
        if not data:
            raise self._invalid(field, f"{field} must not be empty")
        if len(data) > limit:
            spec = self._rules.situation(Situation.PLAINTEXT_TOO_LARGE)
            raise LimitExceededError(
                f"{field} is {len(data)} bytes; the {self.dialect.value} dialect "
                f"accepts at most {limit}",
                field=field,
                size=len(data),
                limit=limit,
                dialect=self.dialect,
                code=spec.code,
                http_status=spec.http_status,
            )
        if self.strict_portability and portable:
            for other in Dialect:
                other_limit = rules_for(other).limits.max_plaintext
                if len(data) > other_limit:
                    raise PortabilityError(
                        f"plaintext is {len(data)} bytes; the {other.value} dialect "
                        f"accepts at most {other_limit}",
                        other=other,
                        field="plaintext",
                        dialect=self.dialect,
                    )

    def _options(
        self,
        context: Mapping[str, str] | None,
        version: KeyVersion,
        algorithm: str | None,
        iv: bytes | None,
        aad: bytes | None,
        padding: str | None,
        dry_run: bool,
    ) -> EncryptOptions:
        ctx = self._check_context(context)
        version = self._enum(KeyVersion, version, "version")
        given = {
            "iv": iv is not None,
            "aad": aad is not None,
            "algorithm": algorithm is not None,
            "padding": padding is not None,
            "dry_run": bool(dry_run),
        }
        for name, feature in _STRICT_FORBIDDEN.items():
            if given[name]:
                self._dialect_only(feature, name, name)
        if version is KeyVersion.INITIAL:
            self._dialect_only(Feature.INITIAL_VERSION, "version", "version=INITIAL")
        for name, value in (("algorithm", algorithm), ("padding", padding)):
            if value is not None and not isinstance(value, str):
                raise self._invalid(name, f"{name} must be a string, got {type(value).__name__}")
            if value is not None and not _valid_unicode(value):
                raise self._invalid(name, f"{name} must be valid Unicode (no lone surrogates)")
        if iv is not None:
            iv = self._check_bytes("iv", iv)
        if aad is not None:
            aad = self._check_bytes("aad", aad)
            if ctx:
                raise self._invalid("aad", "pass either context or aad, not both")
        return EncryptOptions(
            context=ctx,
            version=version,
            algorithm=algorithm,
            iv=iv,
            aad=aad,
            padding=padding,
            dry_run=bool(dry_run),
        )

    def _dialect_only(self, feature: str, field: str, what: str) -> None:
        """``what`` needs ``feature``: this dialect must have it, and in strict
        portability mode so must every other."""
        self._rules.require(feature, what)
        if self.strict_portability:
            lacking = [d for d in Dialect if feature not in rules_for(d).features]
            if lacking:
                raise PortabilityError(
                    f"{what} is dialect-specific and not portable "
                    f"(the {lacking[0].value} dialect lacks it)",
                    other=lacking[0],
                    field=field,
                    dialect=self.dialect,
                )

    def _check_context(self, context: Mapping[str, str] | None) -> dict[str, str] | None:
        if context is None:
            return None
        if not isinstance(context, Mapping):
            raise self._invalid(
                "context", f"context must be a mapping of str to str, got {type(context).__name__}"
            )
        for k, v in context.items():
            if not isinstance(k, str) or not isinstance(v, str):
                raise self._invalid(
                    "context",
                    f"context must map str to str; entry {k!r} has a {type(v).__name__} value"
                    if isinstance(k, str)
                    else f"context keys must be str, got {type(k).__name__}",
                )
            if not k:
                raise self._invalid("context", "context keys must not be empty")
        ctx = dict(context)
        if not ctx:
            return None
        try:  # one encode of the canonical JSON (which the dialect checks reuse) finds them all
            canonical_context_json(ctx).encode("utf-8")
        except UnicodeEncodeError:
            raise self._invalid(
                "context", "context keys and values must be valid Unicode (no lone surrogates)"
            ) from None
        try:
            self._ops.check_context(ctx)
        except NativeError as err:
            raise self._rules.neutral(err, field="context") from None
        if self.strict_portability:
            self._check_portable("context", "context", lambda ops: ops.check_context_rules(ctx))
        return ctx

    @contextmanager
    def _native(self, *, decrypting: bool = False) -> Iterator[None]:
        try:
            yield
        except NativeError as err:
            raise self._neutral(err, decrypting=decrypting) from None

    def _neutral(self, err: NativeError, *, decrypting: bool = False) -> KmsError:
        """The neutral error for a native one (logged without any secret)."""
        log.debug(
            "dialect=%s error code=%s status=%s request_id=%s",
            self.dialect.value,
            err.code,
            err.http_status,
            err.request_id,
        )
        return self._rules.neutral(err, decrypting=decrypting)
