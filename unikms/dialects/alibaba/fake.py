"""The fake Alibaba Cloud KMS: the classic OpenAPI and the instance gateway.

Both services share one :class:`~unikms.fake.keystore.KeyStore` per account
and region, as Alibaba's two gateways reach the same keys. Management actions
are the classic ones; the instance service answers them too (in Alibaba Cloud
they go through the classic API), so a ``fake://alibaba-instance`` client can
provision its own keys.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import secrets
import string
from collections.abc import Mapping
from datetime import timedelta
from functools import partial
from typing import Any

import attrs
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric import rsa

from unikms import _base64, sm2
from unikms.dialects.alibaba import classic as alibaba_classic
from unikms.dialects.alibaba import instance as alibaba_instance
from unikms.dialects.alibaba.common import (
    ADVANCE_MAGIC,
    AES_GCM_ID,
    IV_LEN,
    KEY_STATES,
    KMS_ARN_PREFIX,
    NO_PADDING_MODE_ID,
    SPEC_NAMES,
    SPECS_BY_NAME,
    VERSION_ID_LEN,
    ClassicBlob,
    gateway_aad_binding,
    parse_key_ref,
    transfer_sdk_advance_aad,
    valid_alias,
)
from unikms.dialects.base import (
    ALIAS_PREFIX,
    KEY_BYTES,
    Feature,
    Situation,
    canonical_context_json,
)
from unikms.errors import UnsupportedByDialectError
from unikms.fake import asymmetric, cipher
from unikms.fake.keystore import (
    PROTECTION_LEVELS,
    FakeKey,
    FakeKeyVersion,
    KeyStore,
    iso_utc,
    rsa_private_key,
)
from unikms.fake.service import FakeService, Throttle
from unikms.native import NativeError, NativeParams, NativeResponse
from unikms.types import AsymmetricAlgorithm, KeySpec, KeyState, KeyUsage, SigningAlgorithm

__all__ = [
    "ALGORITHM_IDS",
    "PADDING_IDS",
    "AdvanceBlob",
    "AlibabaClassicService",
    "AlibabaInstanceService",
    "ClassicSeam",
    "GatewaySeam",
    "new_alibaba_store",
]

_ALNUM = string.ascii_lowercase + string.digits
#: GenerateDataKey ``KeySpec`` values (when no ``NumberOfBytes`` is given)
_DATA_KEY_SPECS = frozenset({KeySpec.AES_256.value, KeySpec.AES_128.value})
MAX_DESCRIPTION = alibaba_classic.MAX_DESCRIPTION
#: GetRandomPassword's character types (the request's Exclude* flags), each with its set
_PASSWORD_GROUPS = (
    ("ExcludeLowercase", string.ascii_lowercase),
    ("ExcludeUppercase", string.ascii_uppercase),
    ("ExcludeNumbers", string.digits),
    ("ExcludePunctuation", string.punctuation),
)
_REGION_CODES = {"cn-hangzhou": "hzz", "cn-shanghai": "shh", "cn-beijing": "bjj"}


#: algorithm byte of the Advance blob. AES_GCM is Alibaba's (transfer SDK
#: ``ALG_AES_GCM``, in ``common``); the others are this fake's own choice.
ALGORITHM_IDS = {
    "AES_GCM": AES_GCM_ID,
    "AES_CBC": 0x03,
    "AES_ECB": 0x04,
    "SM4_GCM": 0x12,
    "SM4_CBC": 0x13,
    "SM4_ECB": 0x14,
}
#: padding nibble of the Advance blob: none (GCM) is Alibaba's, the others the fake's.
PADDING_IDS = {"": NO_PADDING_MODE_ID, "PKCS7_PADDING": 1, "NO_PADDING": 2}


@attrs.frozen
class AdvanceBlob:
    """The instance ``AdvanceEncrypt`` ciphertext (self-describing)."""

    algorithm: str
    padding: str
    version_id: str
    iv: bytes
    body: bytes

    def pack(self) -> bytes:
        return self.pack_fields(self.algorithm, self.padding, self.version_id, self.iv, self.body)

    @staticmethod
    def pack_fields(algorithm: str, padding: str, version_id: str, iv: bytes, body: bytes) -> bytes:
        """:meth:`pack` without building the object first (the fake's hot path)."""
        head = bytes((PADDING_IDS[padding], ALGORITHM_IDS[algorithm]))
        return ADVANCE_MAGIC + head + version_id.encode("ascii") + iv + body

    @classmethod
    def unpack(cls, blob: bytes, iv_length: Mapping[str, int]) -> AdvanceBlob | None:
        """Parse an Advance blob; ``None`` when the header is not one."""
        fields = cls.split(blob, iv_length)
        return None if fields is None else cls(*fields)

    @staticmethod
    def split(
        blob: bytes, iv_length: Mapping[str, int]
    ) -> tuple[str, str, str, bytes, bytes] | None:
        """:meth:`unpack` as a tuple ``(algorithm, padding, version_id, iv, body)``."""
        if len(blob) < 3 + VERSION_ID_LEN or blob[:1] != ADVANCE_MAGIC or blob[1] >> 4:
            return None
        padding = _PADDING_BY_ID.get(blob[1] & 0x0F)
        algorithm = _ALGORITHM_BY_ID.get(blob[2])
        if padding is None or algorithm is None:
            return None
        version_id = blob[3 : 3 + VERSION_ID_LEN].decode("ascii", "replace")
        start = 3 + VERSION_ID_LEN
        n = iv_length[algorithm]
        if len(blob) < start + n:
            return None
        return algorithm, padding, version_id, blob[start : start + n], blob[start + n :]


def _reverse(table: Mapping[str, int]) -> dict[int, str]:
    return {v: k for k, v in table.items()}


_PADDING_BY_ID = _reverse(PADDING_IDS)
_ALGORITHM_BY_ID = _reverse(ALGORITHM_IDS)


def _random(n: int) -> str:
    return "".join(secrets.choice(_ALNUM) for _ in range(n))


def new_alibaba_store(
    account: str = "1234567890123456", region: str = "cn-hangzhou", **kw: Any
) -> KeyStore:
    """A store whose ids look like Alibaba's: ``key-`` + region code + 18 characters
    (25 in all) and version ids of key id + ``-`` + 10 characters (36 in all)."""
    code = _REGION_CODES.get(region) or (region.rsplit("-", maxsplit=1)[-1] + "xxx")[:3]
    return KeyStore(
        account=account,
        region=region,
        new_key_id=lambda: f"key-{code}{_random(18)}",
        new_version_id=lambda key_id: f"{key_id}-{_random(10)}",
        states=KEY_STATES,
        **kw,
    )


def _gcm_for(key: FakeKey) -> str:
    return "SM4_GCM" if key.spec is KeySpec.SM4 else "AES_GCM"


def _rsa(key: FakeKey, version: FakeKeyVersion) -> rsa.RSAPrivateKey:
    """The version's RSA private key, parsed once."""
    return version.derived("rsa-private-key", lambda v: rsa_private_key(v.material, key.spec))


class AlibabaClassicService(FakeService):
    """Native KMS OpenAPI 2016-01-20 actions over the fake store."""

    rules = alibaba_classic.RULES

    def __init__(
        self,
        store: KeyStore,
        *,
        throttle: Throttle | None = None,
        min_rotation_days: int = alibaba_classic.MIN_ROTATION_DAYS,
    ) -> None:
        super().__init__(store, throttle=throttle)
        self.min_rotation_days = min_rotation_days
        #: the typed seam (:class:`~unikms.dialects.alibaba.classic.ClassicCrypto`)
        self.classic_crypto = ClassicSeam(self)

    def call(self, action: str, params: NativeParams) -> NativeResponse:
        """A dry run reports an invalid parameter as ``ValidationError`` (the DryRun
        parameter's documented failure reasons); every other error stays as it is."""
        try:
            return super().call(action, params)
        except NativeError as err:
            if (
                err.code in alibaba_classic.DRY_RUN_VALIDATION_CODES
                and action in alibaba_classic.DRY_RUN_ACTIONS
                and Feature.DRY_RUN in self.rules.features
                and str(params.get("DryRun", "")).lower() == "true"
            ):
                failed = self.rules.error("ValidationError")
                failed.message = f"{failed.message} {err.message}"
                failed.request_id = err.request_id
                raise failed from None
            raise

    # -- resolution -------------------------------------------------------------
    def arn(self, key_id: str) -> str:
        return f"{KMS_ARN_PREFIX}{self.store.region}:{self.store.account}:key/{key_id}"

    def resolve(
        self, params: NativeParams, name: str = "KeyId", *, aliases: bool = True, arns: bool = True
    ) -> FakeKey:
        """Find the key a KeyId parameter names (id, ``alias/...`` or ARN)."""
        ref_text = self.text(params, name)
        assert ref_text is not None
        return self.resolve_ref(ref_text, aliases=aliases, arns=arns)

    def resolve_ref(self, ref_text: str, *, aliases: bool = True, arns: bool = True) -> FakeKey:
        """Find the key ``ref_text`` names (id, ``alias/...`` or ARN)."""
        if not ref_text.startswith((KMS_ARN_PREFIX, ALIAS_PREFIX)):  # a plain id: the common case
            found = self.store.get(ref_text)
            if found is not None:
                return found
        ref = parse_key_ref(ref_text)
        if ref.kind == "invalid" or (ref.region is not None and not arns):
            raise self.fail(Situation.KEY_NOT_FOUND)
        if ref.region is not None and (
            ref.region != self.store.region or ref.account != self.store.account
        ):
            raise self.fail(Situation.KEY_NOT_FOUND)
        if ref.kind == "alias":
            if not aliases:
                raise self.fail(Situation.KEY_NOT_FOUND)
            key_id = self.store.alias_target(ref.value)
            if key_id is None:
                raise self.fail(Situation.ALIAS_NOT_FOUND)
        else:
            key_id = ref.value
        key = self.store.get(key_id)
        if key is None:
            raise self.fail(Situation.KEY_NOT_FOUND)
        return key

    def encryption_key(self, params: NativeParams, *, decrypting: bool = False) -> FakeKey:
        return self.crypto_key(self.resolve(params), decrypting=decrypting)

    def crypto_key(self, key: FakeKey, *, decrypting: bool = False) -> FakeKey:
        """``key`` if its state and type let it encrypt (or decrypt), else the error."""
        self.usable(key, decrypting=decrypting)
        if not key.symmetric:
            raise self.fail(Situation.WRONG_KEY_TYPE, key=key.key_id)
        return key

    def context_aad(self, params: NativeParams, name: str = "EncryptionContext") -> bytes | None:
        """The context parameter ``name`` (a dict, or its JSON text) as the AAD it binds."""
        return self.aad_for(self.context_of(params, name), name)

    def context_of(
        self, params: NativeParams, name: str = "EncryptionContext"
    ) -> Mapping[str, str] | None:
        """The context parameter ``name`` (a dict, or its JSON text), checked; ``None`` when
        empty."""
        raw = params.get(name)
        if raw is None or raw in ("", {}):
            return None
        if isinstance(raw, str):
            try:
                raw = json.loads(raw)
            except ValueError:
                raise self.fail(Situation.CONTEXT_INVALID, name=name) from None
        if not isinstance(raw, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in raw.items()
        ):
            raise self.fail(Situation.CONTEXT_INVALID, name=name)
        return raw

    def aad_for(
        self, context: Mapping[str, str] | None, name: str = "EncryptionContext"
    ) -> bytes | None:
        """The AAD a (checked) context binds, once its canonical JSON is within the limit:
        :func:`~unikms.dialects.alibaba.common.transfer_sdk_advance_aad`
        (``docs/dialects.md`` 1.7)."""
        if not context:
            return None
        text = canonical_context_json(context)
        if len(text) > alibaba_classic.MAX_CONTEXT_CHARS:
            raise self.fail(Situation.CONTEXT_TOO_LARGE, name=name)
        return transfer_sdk_advance_aad(context)

    @staticmethod
    def legacy_aad_for(context: Mapping[str, str] | None) -> bytes | None:
        """What a context bound in blobs this fake made before it bound Alibaba's AAD:
        its canonical JSON. Those blobs still open (``docs/dialects.md`` 1.7)."""
        return canonical_context_json(context).encode("utf-8") if context else None

    def dry_run(self, params: NativeParams) -> None:
        if str(params.get("DryRun", "")).lower() == "true":
            raise self.fail(Situation.DRY_RUN_PASSED)

    # -- crypto -----------------------------------------------------------------
    def seal_classic(self, key: FakeKey, data: bytes, aad: bytes | None) -> tuple[bytes, str]:
        """The classic blob of ``data`` under the key's primary version, and that version."""
        version = key.primary
        iv = os.urandom(IV_LEN)
        if key.spec is KeySpec.SM4:
            body = cipher.seal("SM4_GCM", version.material, data, iv=iv, aad=aad)
        else:
            body = version.aesgcm().encrypt(iv, data, aad)
        return version.version_id.encode("ascii") + iv + body, version.version_id

    def locate_classic(self, raw: bytes) -> tuple[ClassicBlob, FakeKey, FakeKeyVersion]:
        """The parsed blob with the key and version it names (that may decrypt)."""
        parsed = ClassicBlob.unpack(raw)
        if parsed is None:
            raise self.fail(Situation.INVALID_CIPHERTEXT, name="CiphertextBlob")
        hit = self.store.find_version(parsed.version_id)
        if hit is None:
            raise self.fail(Situation.KEY_NOT_FOUND)
        key, version = hit
        self.usable(key, decrypting=True)
        return parsed, key, version

    def open_classic(
        self,
        key: FakeKey,
        version: FakeKeyVersion,
        parsed: ClassicBlob,
        aad: bytes | None,
        legacy: bytes | None = None,
    ) -> bytes:
        """The plaintext of a classic blob bound to ``aad`` (or to ``legacy``, the AAD
        a blob from an older fake bound), else ``DECRYPT_FAILED``."""
        for candidate in (aad, legacy) if legacy is not None else (aad,):
            try:
                if key.spec is KeySpec.SM4:
                    return cipher.open_(
                        "SM4_GCM", version.material, parsed.body, iv=parsed.iv, aad=candidate
                    )
                return version.aesgcm().decrypt(parsed.iv, parsed.body, candidate)
            except (cipher.CipherFailure, InvalidTag):
                continue
        raise self.fail(Situation.DECRYPT_FAILED, name="CiphertextBlob")

    def op_Encrypt(self, params: NativeParams) -> NativeResponse:
        key = self.encryption_key(params)
        text, raw = self.b64(params, "Plaintext", Situation.INVALID_PLAINTEXT)
        if len(raw) > self.rules.limits.max_plaintext:
            raise self.fail(Situation.PLAINTEXT_TOO_LARGE, name="Plaintext")
        aad = self.context_aad(params)
        self.dry_run(params)
        blob, version_id = self.seal_classic(key, text.encode("utf-8"), aad)
        return {
            "CiphertextBlob": _base64.encode(blob),
            "KeyId": key.key_id,
            "KeyVersionId": version_id,
        }

    def op_Decrypt(self, params: NativeParams) -> NativeResponse:
        _, raw = self.b64(params, "CiphertextBlob", Situation.INVALID_CIPHERTEXT)
        parsed, key, version = self.locate_classic(raw)
        context = self.context_of(params)
        aad = self.aad_for(context)
        self.dry_run(params)
        data = self.open_classic(key, version, parsed, aad, self.legacy_aad_for(context))
        return {
            "KeyId": key.key_id,
            "KeyVersionId": version.version_id,
            "Plaintext": data.decode("utf-8", "replace"),
        }

    def op_ReEncrypt(self, params: NativeParams) -> NativeResponse:
        """Decrypt ``CiphertextBlob`` (with ``SourceEncryptionContext``) and encrypt the
        same data under ``DestinationKeyId`` (with ``DestinationEncryptionContext``),
        the plaintext never leaving the service. Symmetric sources only: the
        asymmetric form (``SourceKeyId``, ``SourceKeyVersionId``,
        ``SourceEncryptionAlgorithm``) is not modelled."""
        for name in ("SourceKeyId", "SourceKeyVersionId", "SourceEncryptionAlgorithm"):
            if params.get(name):
                raise self.fail(Situation.UNSUPPORTED_OPERATION, name=name)
        _, raw = self.b64(params, "CiphertextBlob", Situation.INVALID_CIPHERTEXT)
        destination = self.crypto_key(self.resolve(params, "DestinationKeyId"))
        parsed, key, version = self.locate_classic(raw)
        source = self.context_of(params, "SourceEncryptionContext")
        source_aad = self.aad_for(source, "SourceEncryptionContext")
        aad = self.context_aad(params, "DestinationEncryptionContext")
        self.dry_run(params)
        data = self.open_classic(key, version, parsed, source_aad, self.legacy_aad_for(source))
        blob, version_id = self.seal_classic(destination, data, aad)
        return {
            "CiphertextBlob": _base64.encode(blob),
            "KeyId": destination.key_id,
            "KeyVersionId": version_id,
        }

    # -- the typed seam's steps (ClassicSeam): what the native actions do, typed
    def encrypt_text(
        self, ref: str, text: bytes, context: Mapping[str, str] | None, dry_run: bool = False
    ) -> tuple[bytes, str, str]:
        """Encrypt's work on a checked request: (blob, key id, version id)."""
        key = self.crypto_key(self.resolve_ref(ref))
        aad = self.aad_for(context)
        if dry_run:
            raise self.fail(Situation.DRY_RUN_PASSED)
        blob, version_id = self.seal_classic(key, text, aad)
        return blob, key.key_id, version_id

    def decrypt_blob(
        self, ciphertext: bytes | str, context: Mapping[str, str] | None, dry_run: bool = False
    ) -> tuple[bytes, str, str]:
        """Decrypt's work on a checked request (a blob, or its Base64 text): (the text
        Encrypt was given, key id, version id)."""
        if isinstance(ciphertext, str):
            try:
                ciphertext = _base64.decode(ciphertext)
            except (binascii.Error, ValueError):
                raise self.fail(Situation.INVALID_CIPHERTEXT, name="CiphertextBlob") from None
        parsed, key, version = self.locate_classic(ciphertext)
        aad, legacy = self.aad_for(context), self.legacy_aad_for(context)
        if dry_run:
            raise self.fail(Situation.DRY_RUN_PASSED)
        data = self.open_classic(key, version, parsed, aad, legacy)
        return data, key.key_id, version.version_id

    def data_key_size(self, params: NativeParams) -> int:
        n = self.integer(params, "NumberOfBytes", *self.rules.limits.data_key_bytes)
        if n is not None:
            return n
        spec = params.get("KeySpec") or KeySpec.AES_256.value
        if spec not in _DATA_KEY_SPECS:
            raise self.fail(Situation.INVALID_PARAMETER, name="KeySpec")
        return KEY_BYTES[KeySpec(spec)]

    def op_GenerateDataKey(self, params: NativeParams) -> NativeResponse:
        key = self.encryption_key(params)
        size = self.data_key_size(params)
        aad = self.context_aad(params)
        self.dry_run(params)
        plain = base64.b64encode(os.urandom(size)).decode()
        blob, version_id = self.seal_classic(key, plain.encode(), aad)
        return {
            "CiphertextBlob": _base64.encode(blob),
            "KeyId": key.key_id,
            "KeyVersionId": version_id,
            "Plaintext": plain,
        }

    def op_GenerateDataKeyWithoutPlaintext(self, params: NativeParams) -> NativeResponse:
        r = self.op_GenerateDataKey(params)
        del r["Plaintext"]
        return r

    # -- key management -----------------------------------------------------------
    def metadata(self, key: FakeKey) -> dict[str, Any]:
        meta: dict[str, Any] = {
            "KeyId": key.key_id,
            "Arn": self.arn(key.key_id),
            "KeyState": key.state.value,
            "KeySpec": SPEC_NAMES[key.spec],
            "KeyUsage": key.usage.value,
            "Origin": key.origin,
            "Description": key.description,
            "CreationDate": iso_utc(key.created_at),
            "Creator": self.store.account,
            "ProtectionLevel": key.protection_level,
            "AutomaticRotation": "Enabled" if key.rotation_enabled else "Disabled",
            "MaterialExpireTime": "",
            "DeleteDate": iso_utc(key.deletion_date)
            if key.state is KeyState.PENDING_DELETION
            else "",
        }
        if key.rotation_enabled and key.rotation_interval_seconds and key.versions:
            meta["RotationInterval"] = f"{key.rotation_interval_seconds}s"
            due = key.primary.created_at + timedelta(seconds=key.rotation_interval_seconds)
            meta["NextRotationDate"] = iso_utc(due)
        if key.symmetric and key.versions:
            meta["PrimaryKeyVersion"] = key.primary.version_id
            meta["LastRotationDate"] = iso_utc(key.primary.created_at)
        return meta

    def op_CreateKey(self, params: NativeParams) -> NativeResponse:
        spec_name = params.get("KeySpec") or "Aliyun_AES_256"
        spec = SPECS_BY_NAME.get(spec_name)
        if spec is None:
            raise self.fail(Situation.INVALID_PARAMETER, name="KeySpec")
        usage_name = params.get("KeyUsage") or alibaba_classic.native_default_usage(spec)
        try:
            usage = KeyUsage(usage_name)
        except ValueError:
            raise self.fail(Situation.INVALID_PARAMETER, name="KeyUsage") from None
        if usage not in alibaba_classic.USAGES[spec]:  # EC_P256 signs only, AES encrypts only
            raise self.fail(Situation.INVALID_PARAMETER, name="KeyUsage")
        origin = params.get("Origin") or "Aliyun_KMS"
        if origin not in ("Aliyun_KMS", "EXTERNAL") or (
            origin == "EXTERNAL" and not spec.symmetric
        ):
            raise self.fail(Situation.INVALID_PARAMETER, name="Origin")
        description = params.get("Description") or ""
        if len(description) > MAX_DESCRIPTION:
            raise self.fail(Situation.INVALID_PARAMETER, name="Description")
        protection = params.get("ProtectionLevel") or "SOFTWARE"
        if protection not in PROTECTION_LEVELS:
            raise self.fail(Situation.INVALID_PARAMETER, name="ProtectionLevel")
        key = self.store.create_key(
            spec=spec,
            usage=usage,
            origin=origin,
            description=description,
            state=KeyState.PENDING_IMPORT if origin == "EXTERNAL" else KeyState.ENABLED,
            protection_level=protection,
        )
        if params.get("EnableAutomaticRotation") in (True, "true"):
            key.rotation_enabled = True
        return {"KeyMetadata": self.metadata(key)}

    def op_DescribeKey(self, params: NativeParams) -> NativeResponse:
        return {"KeyMetadata": self.metadata(self.resolve(params))}

    def op_UpdateKeyDescription(self, params: NativeParams) -> NativeResponse:
        key = self.resolve(params)
        description = params.get("Description")
        if description is None:
            raise self.fail(Situation.MISSING_PARAMETER, name="Description")
        if not isinstance(description, str) or len(description) > MAX_DESCRIPTION:
            raise self.fail(Situation.INVALID_PARAMETER, name="Description")
        key.description = description
        return {}

    def op_UpdateRotationPolicy(self, params: NativeParams) -> NativeResponse:
        key = self.resolve(params)
        flag = str(params.get("EnableAutomaticRotation", "")).lower()
        if flag not in ("true", "false"):
            if flag in ("", "none"):
                raise self.fail(Situation.MISSING_PARAMETER, name="EnableAutomaticRotation")
            raise self.fail(Situation.INVALID_PARAMETER, name="EnableAutomaticRotation")
        interval = None
        if flag == "true":
            text = self.text(params, "RotationInterval")
            assert text is not None
            interval = alibaba_classic.rotation_interval_seconds(text)
            if interval is None:
                raise self.fail(Situation.INVALID_PARAMETER, name="RotationInterval")
        if not key.symmetric or key.origin == "EXTERNAL" or key.state is not KeyState.ENABLED:
            raise self.rules.error("Rejected.UnsupportedOperation")
        key.rotation_enabled = interval is not None
        if interval is not None:
            key.rotation_interval_seconds = interval
        return {}

    def op_DescribeRegions(self, params: NativeParams) -> NativeResponse:
        return {"Regions": {"Region": [{"RegionId": self.store.region}]}}

    def op_GetRandomPassword(self, params: NativeParams) -> NativeResponse:
        low, high = alibaba_classic.PASSWORD_LENGTH
        length = self.integer(params, "PasswordLength", low, high) or 32
        flags = {
            name: str(params.get(name, "false")).lower() == "true"
            for name in (
                "ExcludeLowercase",
                "ExcludeUppercase",
                "ExcludeNumbers",
                "ExcludePunctuation",
                "RequireEachIncludedType",
            )
        }
        excluded = params.get("ExcludeCharacters") or ""
        if not isinstance(excluded, str):
            raise self.fail(Situation.INVALID_PARAMETER, name="ExcludeCharacters")
        groups = [
            "".join(c for c in group if c not in excluded)
            for name, group in _PASSWORD_GROUPS
            if not flags[name]
        ]
        groups = [g for g in groups if g]
        if not groups or (flags["RequireEachIncludedType"] and len(groups) > length):
            raise self.fail(Situation.INVALID_PARAMETER, name="PasswordLength")
        alphabet = "".join(groups)
        while True:
            password = "".join(secrets.choice(alphabet) for _ in range(length))
            if not flags["RequireEachIncludedType"] or all(
                any(c in g for c in password) for g in groups
            ):
                return {"RandomPassword": password}

    # -- tags ---------------------------------------------------------------------
    def tagged_key(self, params: NativeParams) -> FakeKey:
        """The key a tag action names; secrets and certificates are not modelled."""
        for name in ("SecretName", "CertificateId"):
            if params.get(name):
                raise self.fail(Situation.UNSUPPORTED_OPERATION, name=name)
        return self.resolve(params, aliases=False, arns=False)

    def json_list(self, params: NativeParams, name: str) -> list[Any]:
        raw = params.get(name)
        if raw in (None, "", []):
            raise self.fail(Situation.MISSING_PARAMETER, name=name)
        if isinstance(raw, str):
            try:
                raw = json.loads(raw)
            except ValueError:
                raise self.fail(Situation.INVALID_PARAMETER, name=name) from None
        if not isinstance(raw, list) or not raw:
            raise self.fail(Situation.INVALID_PARAMETER, name=name)
        return raw

    def op_TagResource(self, params: NativeParams) -> NativeResponse:
        key = self.tagged_key(params)
        tags: dict[str, str] = {}
        for tag in self.json_list(params, "Tags"):
            tag_key = tag.get("TagKey") if isinstance(tag, dict) else None
            value = tag.get("TagValue", "") if isinstance(tag, dict) else None
            if not alibaba_classic.valid_tag(tag_key, value):
                raise self.fail(Situation.INVALID_PARAMETER, name="Tags")
            assert isinstance(tag_key, str) and isinstance(value, str)
            tags[tag_key] = value
        if len(key.tags.keys() | tags.keys()) > alibaba_classic.MAX_TAGS:
            raise self.fail(Situation.LIMIT_EXCEEDED)
        key.tags.update(tags)
        return {}

    def op_UntagResource(self, params: NativeParams) -> NativeResponse:
        key = self.tagged_key(params)
        names = self.json_list(params, "TagKeys")
        if not all(isinstance(n, str) and n for n in names):
            raise self.fail(Situation.INVALID_PARAMETER, name="TagKeys")
        for tag_key in names:
            key.tags.pop(tag_key, None)
        return {}

    def op_ListResourceTags(self, params: NativeParams) -> NativeResponse:
        key = self.resolve(params, aliases=False, arns=False)
        tags = [
            {"KeyId": key.key_id, "TagKey": k, "TagValue": v} for k, v in sorted(key.tags.items())
        ]
        return {"Tags": {"Tag": tags}}

    def page(
        self, params: NativeParams, items: list[Any], outer: str, inner: str
    ) -> NativeResponse:
        number = self.integer(params, "PageNumber", 1, 10**9) or 1
        size = self.integer(params, "PageSize", 1, 100) or 10
        start = (number - 1) * size
        return {
            outer: {inner: items[start : start + size]},
            "TotalCount": len(items),
            "PageNumber": number,
            "PageSize": size,
        }

    def op_ListKeys(self, params: NativeParams) -> NativeResponse:
        keys = [{"KeyId": k.key_id, "KeyArn": self.arn(k.key_id)} for k in self.store.all_keys()]
        return self.page(params, keys, "Keys", "Key")

    def alias_entry(self, alias: str, key_id: str) -> dict[str, str]:
        arn = f"{KMS_ARN_PREFIX}{self.store.region}:{self.store.account}:{alias}"
        return {"AliasName": alias, "AliasArn": arn, "KeyId": key_id}

    def op_CreateAlias(self, params: NativeParams) -> NativeResponse:
        alias = self.text(params, "AliasName")
        assert alias is not None
        if not valid_alias(alias):
            raise self.fail(Situation.INVALID_ALIAS, name="AliasName")
        key = self.resolve(params, aliases=False, arns=False)
        if key.state is KeyState.PENDING_DELETION:
            raise self.fail(Situation.INVALID_STATE)
        if self.store.alias_target(alias) is not None:
            raise self.fail(Situation.ALIAS_EXISTS)
        self.store.set_alias(alias, key.key_id)
        return {}

    def op_UpdateAlias(self, params: NativeParams) -> NativeResponse:
        alias = self.text(params, "AliasName")
        assert alias is not None
        if self.store.alias_target(alias) is None:
            raise self.fail(Situation.ALIAS_NOT_FOUND)
        key = self.resolve(params, aliases=False, arns=False)
        if key.state is KeyState.PENDING_DELETION:
            raise self.fail(Situation.KEY_PENDING_DELETION)
        self.store.set_alias(alias, key.key_id)
        return {}

    def op_DeleteAlias(self, params: NativeParams) -> NativeResponse:
        alias = self.text(params, "AliasName")
        assert alias is not None
        if self.store.alias_target(alias) is None:
            raise self.fail(Situation.ALIAS_NOT_FOUND)
        self.store.delete_alias(alias)
        return {}

    def op_ListAliases(self, params: NativeParams) -> NativeResponse:
        items = [self.alias_entry(a, k) for a, k in sorted(self.store.aliases().items())]
        return self.page(params, items, "Aliases", "Alias")

    def op_ListAliasesByKeyId(self, params: NativeParams) -> NativeResponse:
        key = self.resolve(params, aliases=False, arns=False)
        items = [self.alias_entry(a, key.key_id) for a in self.store.aliases_of(key.key_id)]
        return self.page(params, items, "Aliases", "Alias")

    def set_state(self, params: NativeParams, state: KeyState) -> NativeResponse:
        key = self.resolve(params, aliases=False)
        if key.state not in (KeyState.ENABLED, KeyState.DISABLED):
            raise self.fail(Situation.INVALID_STATE)
        key.state = state
        return {}

    def op_EnableKey(self, params: NativeParams) -> NativeResponse:
        return self.set_state(params, KeyState.ENABLED)

    def op_DisableKey(self, params: NativeParams) -> NativeResponse:
        return self.set_state(params, KeyState.DISABLED)

    def op_ScheduleKeyDeletion(self, params: NativeParams) -> NativeResponse:
        key = self.resolve(params, aliases=False)
        low, high = alibaba_classic.DELETION_WINDOW
        if params.get("PendingWindowInDays") in (None, ""):
            raise self.fail(Situation.MISSING_PARAMETER, name="PendingWindowInDays")
        days = self.integer(
            params, "PendingWindowInDays", low, high, situation=Situation.INVALID_DELETION_WINDOW
        )
        assert days is not None
        if key.state is KeyState.PENDING_DELETION:
            raise self.fail(Situation.INVALID_STATE)
        self.store.schedule_deletion(key, days)
        return {}

    def op_CancelKeyDeletion(self, params: NativeParams) -> NativeResponse:
        key = self.resolve(params, aliases=False)
        if key.state is not KeyState.PENDING_DELETION:
            raise self.fail(Situation.NOT_PENDING_DELETION)
        key.state = KeyState.ENABLED
        key.deletion_date = None
        return {}

    def version_entry(self, key: FakeKey, version: FakeKeyVersion) -> dict[str, str | None]:
        return {
            "KeyId": key.key_id,
            "KeyVersionId": version.version_id,
            "CreationDate": iso_utc(version.created_at),
        }

    def op_CreateKeyVersion(self, params: NativeParams) -> NativeResponse:
        key = self.resolve(params, arns=False)
        if key.origin == "EXTERNAL":  # imported material has one version
            raise self.fail(Situation.UNSUPPORTED_OPERATION)
        self.usable(key)  # an asymmetric key gets a new key pair (manual rotation only)
        last = key.versions[-1].created_at
        if self.store.clock() < last + timedelta(days=self.min_rotation_days):
            raise self.fail(Situation.ROTATION_TOO_SOON)
        if len(key.versions) >= alibaba_classic.MAX_VERSIONS:
            raise self.fail(Situation.LIMIT_EXCEEDED)
        version = self.store.add_version(key)
        return {"KeyVersion": self.version_entry(key, version)}

    def op_ListKeyVersions(self, params: NativeParams) -> NativeResponse:
        key = self.resolve(params)
        items = [self.version_entry(key, v) for v in key.versions]
        return self.page(params, items, "KeyVersions", "KeyVersion")

    def op_DescribeKeyVersion(self, params: NativeParams) -> NativeResponse:
        key = self.resolve(params)
        wanted = self.text(params, "KeyVersionId")
        for v in key.versions:
            if v.version_id == wanted:
                return {"KeyVersion": self.version_entry(key, v)}
        raise self.rules.error("Forbidden.KeyVersionNotFound")

    # -- asymmetric keys (docs/dialects.md 1.10) ----------------------------------
    def asymmetric_version(
        self, params: NativeParams, usage: KeyUsage
    ) -> tuple[FakeKey, FakeKeyVersion]:
        """The Enabled asymmetric key of ``usage`` and the version ``KeyVersionId`` names."""
        key = self.resolve(params)
        self.usable(key)
        if key.symmetric or key.usage is not usage:
            raise self.fail(Situation.WRONG_KEY_TYPE, key=key.key_id)
        wanted = self.text(params, "KeyVersionId")
        for version in key.versions:
            if version.version_id == wanted:
                return key, version
        raise self.rules.error("Forbidden.KeyVersionNotFound")

    def private_key(self, key: FakeKey, version: FakeKeyVersion) -> asymmetric.PrivateKey:
        """The version's private key; an SM2 key without ``gmalg`` is refused naming the
        extra (:class:`UnsupportedByDialectError`, field ``spec``)."""
        try:
            return asymmetric.private_key(key, version)
        except sm2.Sm2Unavailable as err:
            raise UnsupportedByDialectError(
                f"the fake does SM2 ({key.spec.value} keys) only with the optional SM2 "
                f"library: {err}",
                field="spec",
                dialect=self.rules.dialect,
            ) from None

    def signing_algorithm(self, params: NativeParams, key: FakeKey) -> SigningAlgorithm:
        name = self.text(params, "Algorithm")
        for algorithm in alibaba_classic.SIGNING_ALGORITHMS.get(key.spec, ()):
            if algorithm.value == name:
                return algorithm
        raise self.fail(Situation.INVALID_ALGORITHM, name="Algorithm")

    def encryption_algorithm(self, params: NativeParams, key: FakeKey) -> AsymmetricAlgorithm:
        name = self.text(params, "Algorithm")
        for algorithm in alibaba_classic.ENCRYPTION_ALGORITHMS.get(key.spec, ()):
            if algorithm.value == name:
                return algorithm
        raise self.fail(Situation.INVALID_ALGORITHM, name="Algorithm")

    def digest(self, params: NativeParams) -> bytes:
        _, digest = self.b64(params, "Digest", Situation.INVALID_PARAMETER)
        if len(digest) != 32:  # SHA-256 (or SM3): 32 bytes
            raise self.fail(Situation.INVALID_PARAMETER, name="Digest")
        return digest

    def op_AsymmetricSign(self, params: NativeParams) -> NativeResponse:
        key, version = self.asymmetric_version(params, KeyUsage.SIGN_VERIFY)
        algorithm = self.signing_algorithm(params, key)
        digest = self.digest(params)
        self.dry_run(params)
        private = self.private_key(key, version)
        value = asymmetric.sign_digest(private, algorithm, digest)
        return {
            "KeyId": key.key_id,
            "KeyVersionId": version.version_id,
            "Value": _base64.encode(value),
        }

    def op_AsymmetricVerify(self, params: NativeParams) -> NativeResponse:
        key, version = self.asymmetric_version(params, KeyUsage.SIGN_VERIFY)
        algorithm = self.signing_algorithm(params, key)
        digest = self.digest(params)
        _, signature = self.b64(params, "Value", Situation.INVALID_PARAMETER)
        self.dry_run(params)
        private = self.private_key(key, version)
        return {
            "KeyId": key.key_id,
            "KeyVersionId": version.version_id,
            "Value": asymmetric.verify_digest(private, algorithm, digest, signature),
        }

    def op_AsymmetricEncrypt(self, params: NativeParams) -> NativeResponse:
        key, version = self.asymmetric_version(params, KeyUsage.ENCRYPT_DECRYPT)
        algorithm = self.encryption_algorithm(params, key)
        _, data = self.b64(params, "Plaintext", Situation.INVALID_PLAINTEXT)
        self.dry_run(params)
        private = self.private_key(key, version)
        try:
            if algorithm is AsymmetricAlgorithm.SM2PKE:
                if len(data) > alibaba_classic.SM2_MAX_PLAINTEXT:
                    raise cipher.CipherFailure("longer than SM2PKE takes")
                blob = asymmetric.sm2_encrypt(private, data)
            else:
                blob = asymmetric.oaep_encrypt(private, algorithm.value, data)
        except cipher.CipherFailure:  # longer than OAEP (or SM2PKE) takes with this key
            raise self.fail(Situation.PLAINTEXT_TOO_LARGE, name="Plaintext") from None
        return {
            "KeyId": key.key_id,
            "KeyVersionId": version.version_id,
            "CiphertextBlob": _base64.encode(blob),
        }

    def op_AsymmetricDecrypt(self, params: NativeParams) -> NativeResponse:
        key, version = self.asymmetric_version(params, KeyUsage.ENCRYPT_DECRYPT)
        algorithm = self.encryption_algorithm(params, key)
        _, blob = self.b64(params, "CiphertextBlob", Situation.INVALID_CIPHERTEXT)
        if params.get("Recipient"):
            raise self.fail(Situation.UNSUPPORTED_OPERATION, name="Recipient")
        self.dry_run(params)
        private = self.private_key(key, version)
        try:
            if algorithm is AsymmetricAlgorithm.SM2PKE:
                data = asymmetric.sm2_decrypt(private, blob)
            else:
                data = asymmetric.oaep_decrypt(private, algorithm.value, blob)
        except cipher.CipherFailure:
            raise self.fail(Situation.DECRYPT_FAILED, name="CiphertextBlob") from None
        return {
            "KeyId": key.key_id,
            "KeyVersionId": version.version_id,
            "Plaintext": _base64.encode(data),
        }

    def op_GetPublicKey(self, params: NativeParams) -> NativeResponse:
        key = self.resolve(params)
        if key.symmetric:
            raise self.fail(Situation.WRONG_KEY_TYPE, key=key.key_id)
        self.usable(key)
        wanted = self.text(params, "KeyVersionId")
        for version in key.versions:
            if version.version_id == wanted:
                self.dry_run(params)
                pem = asymmetric.public_pem(self.private_key(key, version))
                return {"KeyId": key.key_id, "KeyVersionId": version.version_id, "PublicKey": pem}
        raise self.rules.error("Forbidden.KeyVersionNotFound")


class AlibabaInstanceService(AlibabaClassicService):
    """Native KMS instance gateway actions (``dkms-gcs-0.2``) over the same store."""

    rules = alibaba_instance.RULES
    #: classic crypto the gateway has no operation for (its key management stays: see above)
    excluded_actions = frozenset({"GenerateDataKeyWithoutPlaintext", "ReEncrypt"})

    def __init__(
        self,
        store: KeyStore,
        *,
        throttle: Throttle | None = None,
        min_rotation_days: int = alibaba_classic.MIN_ROTATION_DAYS,
    ) -> None:
        super().__init__(store, throttle=throttle, min_rotation_days=min_rotation_days)
        #: key management is the classic API's, over the same keys: it answers those
        #: actions with its own error table, as in Alibaba Cloud (and as the adapter,
        #: which sends them to an ``alibaba-kms://`` URL, sees them)
        self.management = AlibabaClassicService(
            store, throttle=throttle, min_rotation_days=min_rotation_days
        )
        #: the typed seam (:class:`~unikms.dialects.alibaba.instance.GatewayCrypto`)
        self.gateway_crypto = GatewaySeam(self)

    def call(self, action: str, params: NativeParams) -> NativeResponse:
        if not alibaba_instance.gateway_serves(action, params):
            if action in self._handlers:  # management (unknown actions: the gateway's code)
                return self.management.call(action, params)
            return super().call(action, params)
        if alibaba_instance.encoded_size(params) > alibaba_instance.MAX_BODY:
            raise self.fail(Situation.BODY_TOO_LARGE)
        return super().call(action, params)

    # -- parameter checks -------------------------------------------------------
    def gateway_key(
        self, params: NativeParams, *, advance: bool, decrypting: bool = False
    ) -> FakeKey:
        ref = self.text(params, "KeyId")
        assert ref is not None
        return self.gateway_key_ref(ref, advance=advance, decrypting=decrypting)

    def gateway_key_ref(self, ref: str, *, advance: bool, decrypting: bool = False) -> FakeKey:
        key = self.resolve_ref(ref, arns=False)
        if (
            key.state is KeyState.ENABLED
            and key.spec.value in _SYMMETRIC
            and key.protection_level == "SOFTWARE"
        ):
            return key  # the common case, without the calls below
        self.usable(key, decrypting=decrypting)
        if not key.symmetric:
            if advance:
                raise self.fail(Situation.WRONG_KEY_TYPE, key=key.key_id)
            if (
                key.spec not in alibaba_instance.RSA_SPECS
                or key.usage is not KeyUsage.ENCRYPT_DECRYPT
            ):
                raise self.fail(Situation.INVALID_ALGORITHM, name="Algorithm")
        if (
            advance
            and not decrypting
            and not alibaba_instance.advance_allowed(key.protection_level)
        ):
            raise self.fail(Situation.UNSUPPORTED_OPERATION)
        return key

    def algorithm(self, params: NativeParams, key: FakeKey) -> str:
        name = params.get("Algorithm") or alibaba_instance.default_algorithm(key.spec)
        return self.check_algorithm(key, str(name))

    def check_algorithm(self, key: FakeKey, name: str) -> str:
        """``name`` if ``key`` may use it on the gateway, else ``InvalidParameter``: the one
        rule for an ``Algorithm`` parameter and for an Advance blob's algorithm byte."""
        allowed = alibaba_instance.allowed_algorithms(
            key.spec, key.protection_level, key.origin == "EXTERNAL"
        )
        if name not in allowed:
            raise self.fail(Situation.INVALID_ALGORITHM, name="Algorithm")
        return name

    def blob_mode(self, key: FakeKey, algorithm: str, padding: str) -> str:
        """The algorithm an Advance blob's header names, held to the rules a ``Decrypt``
        request's parameters are held to: one the key may use, with a padding that
        algorithm takes (a GCM blob relabelled as CBC or ECB is refused, never opened)."""
        if algorithm == "AES_GCM" and not padding and key.spec in _AES_SPECS:
            return algorithm  # every AES key may use AES_GCM, which takes no padding
        if key.spec is KeySpec.SM4 and algorithm.startswith("AES_"):
            # the transfer SDK writes 0x02 (AES_GCM) for every key; read it in the key's family
            algorithm = "SM4_" + algorithm[4:]
        self.check_algorithm(key, algorithm)
        if padding not in alibaba_instance.allowed_paddings(algorithm):
            raise self.fail(Situation.INVALID_PADDING, name="PaddingMode")
        return algorithm

    def options(
        self, params: NativeParams, algorithm: str, *, encrypting: bool
    ) -> tuple[bytes | None, bytes | None, str]:
        """Validated ``(iv, aad, padding)`` for ``algorithm``."""
        if algorithm.startswith("RSAES_"):  # OAEP: no IV, no AAD, its own padding
            for name, situation in (
                ("Iv", Situation.INVALID_IV),
                ("Aad", Situation.INVALID_PARAMETER),
                ("PaddingMode", Situation.INVALID_PADDING),
            ):
                if params.get(name):
                    raise self.fail(situation, name=name)
            return None, None, ""
        gcm = algorithm.endswith("_GCM")
        n = cipher.iv_length(algorithm)
        iv = params.get("Iv") or None
        if iv is None:
            if n and not encrypting:
                raise self.fail(Situation.INVALID_IV, name="Iv")
            iv = os.urandom(n) if n else None
        elif len(iv) != n:
            raise self.fail(Situation.INVALID_IV, name="Iv")
        aad = params.get("Aad") or None
        if aad is not None and not gcm:
            raise self.fail(Situation.INVALID_PARAMETER, name="Aad")
        self.check_aad(aad, algorithm)
        padding = params.get("PaddingMode") or alibaba_instance.default_padding(algorithm)
        if padding not in alibaba_instance.allowed_paddings(algorithm):
            raise self.fail(Situation.INVALID_PADDING, name="PaddingMode")
        return iv, aad, padding

    def check_aad(self, aad: bytes | None, algorithm: str) -> bytes | None:
        """``aad`` if ``algorithm`` takes it and it is within the limit."""
        if aad is not None:
            if len(aad) > alibaba_instance.MAX_AAD:
                raise self.fail(Situation.AAD_TOO_LARGE, name="Aad")
            if not algorithm.endswith("_GCM"):
                raise self.fail(Situation.INVALID_PARAMETER, name="Aad")
        return aad

    def plaintext(self, params: NativeParams, padding: str) -> bytes:
        data = params.get("Plaintext")
        if not isinstance(data, (bytes, bytearray)) or not data:
            raise self.fail(Situation.INVALID_PARAMETER, name="Plaintext")
        if padding == cipher.NO_PADDING and len(data) % cipher.BLOCK:
            raise self.fail(Situation.INVALID_PADDING, name="PaddingMode")
        return bytes(data)

    def _seal(
        self, params: NativeParams, key: FakeKey, version: FakeKeyVersion
    ) -> tuple[str, bytes | None, str, bytes]:
        algorithm = self.algorithm(params, key)
        iv, aad, padding = self.options(params, algorithm, encrypting=True)
        data = self.plaintext(params, padding)
        if algorithm.startswith("RSAES_"):
            try:
                return (
                    algorithm,
                    iv,
                    padding,
                    cipher.rsa_encrypt(_rsa(key, version), algorithm, data),
                )
            except cipher.CipherFailure:  # longer than OAEP takes with this key
                raise self.fail(Situation.INVALID_PARAMETER, name="Plaintext") from None
        return algorithm, iv, padding, self.seal_with(algorithm, version, data, iv, aad, padding)

    @staticmethod
    def seal_with(
        algorithm: str,
        version: FakeKeyVersion,
        data: bytes,
        iv: bytes | None,
        aad: bytes | None,
        padding: str,
    ) -> bytes:
        """``data`` sealed; an ``aad`` binds as
        :func:`~unikms.dialects.alibaba.common.gateway_aad_binding` says."""
        if aad is not None:
            aad = gateway_aad_binding(aad)
        if algorithm == "AES_GCM" and iv is not None:
            return version.aesgcm().encrypt(iv, data, aad)
        return cipher.seal(
            algorithm,
            version.material,
            data,
            iv=iv,
            aad=aad,
            padding=padding or cipher.PKCS7_PADDING,
        )

    def _open(
        self,
        key: FakeKey,
        version: FakeKeyVersion,
        algorithm: str,
        body: bytes,
        iv: bytes | None,
        aad: bytes | None,
        padding: str,
    ) -> bytes:
        """The plaintext of ``body``, else ``DECRYPT_FAILED``. An ``aad`` is tried as
        :func:`~unikms.dialects.alibaba.common.gateway_aad_binding` binds it, then (when that
        differs) as the bytes themselves, which blobs from an older fake bound."""
        bound = gateway_aad_binding(aad) if aad is not None else None
        for candidate in (bound, aad) if bound != aad else (aad,):
            try:
                if algorithm == "AES_GCM" and iv is not None:
                    return version.aesgcm().decrypt(iv, body, candidate)
                if algorithm.startswith("RSAES_"):
                    return cipher.rsa_decrypt(_rsa(key, version), algorithm, body)
                return cipher.open_(
                    algorithm,
                    version.material,
                    body,
                    iv=iv,
                    aad=candidate,
                    padding=padding or cipher.PKCS7_PADDING,
                )
            except (cipher.CipherFailure, InvalidTag, ValueError):
                continue
        raise self.fail(Situation.DECRYPT_FAILED, name="CiphertextBlob")

    # -- gateway actions ----------------------------------------------------------
    def op_Encrypt(self, params: NativeParams) -> NativeResponse:
        key = self.gateway_key(params, advance=False)
        algorithm, iv, padding, body = self._seal(params, key, key.initial)
        return {
            "KeyId": key.key_id,
            "CiphertextBlob": body,
            "Iv": iv or b"",
            "Algorithm": algorithm,
            "PaddingMode": padding,
        }

    def op_AdvanceEncrypt(self, params: NativeParams) -> NativeResponse:
        key = self.gateway_key(params, advance=True)
        version = key.primary
        algorithm, iv, padding, body = self._seal(params, key, version)
        blob = AdvanceBlob(algorithm, padding, version.version_id, iv or b"", body).pack()
        return {
            "KeyId": key.key_id,
            "CiphertextBlob": blob,
            "Iv": iv or b"",
            "Algorithm": algorithm,
            "PaddingMode": padding,
            "KeyVersionId": version.version_id,
        }

    def decrypt_version(self, params: NativeParams) -> tuple[FakeKey, FakeKeyVersion]:
        """The key and version a ``Decrypt`` opens with: the initial one, or the version
        the ``x-kms-migrationkeyversionid`` request header names (the transfer SDK's
        low-version ``Decrypt`` sends it and no ``KeyId``; a ``KeyId`` sent too must
        name that version's key)."""
        named = params.get(alibaba_instance.MIGRATION_VERSION_PARAM)
        if not named:
            key = self.gateway_key(params, advance=False, decrypting=True)
            return key, key.initial
        hit = self.store.find_version(str(named))
        if hit is None:
            raise self.fail(Situation.KEY_NOT_FOUND)
        key = self.gateway_key_ref(hit[0].key_id, advance=False, decrypting=True)
        if (
            params.get("KeyId")
            and self.gateway_key(params, advance=False, decrypting=True) is not key
        ):
            raise self.fail(Situation.KEY_NOT_FOUND)
        return key, hit[1]

    def _decrypt_initial(self, params: NativeParams) -> NativeResponse:
        key, version = self.decrypt_version(params)
        algorithm = self.algorithm(params, key)
        iv, aad, padding = self.options(params, algorithm, encrypting=False)
        body = params.get("CiphertextBlob") or b""
        if not body:
            raise self.fail(Situation.MISSING_PARAMETER, name="CiphertextBlob")
        data = self._open(key, version, algorithm, body, iv, aad, padding)
        return {
            "KeyId": key.key_id,
            "Plaintext": data,
            "Algorithm": algorithm,
            "PaddingMode": padding,
            "KeyVersionId": version.version_id,
        }

    def op_Decrypt(self, params: NativeParams) -> NativeResponse:
        r = self._decrypt_initial(params)
        del r["KeyVersionId"]
        return r

    def op_AdvanceDecrypt(self, params: NativeParams) -> NativeResponse:
        blob = params.get("CiphertextBlob") or b""
        if not blob:
            raise self.fail(Situation.MISSING_PARAMETER, name="CiphertextBlob")
        parsed = AdvanceBlob.unpack(blob, _IV_LENGTHS)
        if parsed is None:
            if params.get("KeyId"):  # an Encrypt blob with its KeyId, Algorithm and Iv
                return self._decrypt_initial(params)
            raise self.fail(Situation.INVALID_CIPHERTEXT, name="CiphertextBlob")
        data, key_id, version_id, algorithm = self.open_advance(
            parsed.algorithm,
            parsed.padding,
            parsed.version_id,
            parsed.iv,
            parsed.body,
            params.get("Aad") or None,
        )
        return {
            "KeyId": key_id,
            "Plaintext": data,
            "Algorithm": algorithm,
            "PaddingMode": parsed.padding,
            "KeyVersionId": version_id,
        }

    def open_advance(
        self,
        algorithm: str,
        padding: str,
        version_id: str,
        iv: bytes,
        body: bytes,
        aad: bytes | None,
    ) -> tuple[bytes, str, str, str]:
        """AdvanceDecrypt's work on a parsed blob: (plaintext, key id, version id, algorithm)."""
        hit = self.store.find_version(version_id)
        if hit is None:
            raise self.fail(Situation.KEY_NOT_FOUND)
        key, version = hit
        if key.state is not KeyState.ENABLED:
            self.usable(key, decrypting=True)
        algorithm = self.blob_mode(key, algorithm, padding)
        if aad is not None:
            self.check_aad(aad, algorithm)
        data = self._open(key, version, algorithm, body, iv or None, aad, padding)
        return data, key.key_id, version_id, algorithm

    # -- the typed seam's steps (GatewaySeam): what the native actions do, typed
    def advance_encrypt(
        self, ref: str, data: bytes, aad: bytes | None
    ) -> tuple[bytes, str, str, str, bytes]:
        """AdvanceEncrypt with the key's own GCM and a fresh IV, on a checked request:
        (blob, key id, version id, algorithm, iv)."""
        key = self.gateway_key_ref(ref, advance=True)
        version = key.versions[key.primary_index]
        algorithm = "SM4_GCM" if key.spec is KeySpec.SM4 else "AES_GCM"
        if aad is not None:
            self.check_aad(aad, algorithm)
        iv = os.urandom(IV_LEN)
        body = self.seal_with(algorithm, version, data, iv, aad, "")
        version_id = version.version_id
        blob = AdvanceBlob.pack_fields(algorithm, "", version_id, iv, body)
        return blob, key.key_id, version_id, algorithm, iv

    def advance_decrypt(self, blob: bytes, aad: bytes | None) -> tuple[bytes, str, str, str]:
        """AdvanceDecrypt of a blob without KeyId: (plaintext, key id, version id, algorithm)."""
        fields = AdvanceBlob.split(blob, _IV_LENGTHS)
        if fields is None:
            raise self.fail(Situation.INVALID_CIPHERTEXT, name="CiphertextBlob")
        return self.open_advance(*fields, aad)

    def _data_key(
        self, params: NativeParams, key: FakeKey, version: FakeKeyVersion
    ) -> tuple[bytes, bytes, bytes]:
        # I7, I6: NumberOfBytes is required (the transfer SDK computes it client-side,
        # I10); proto3 sends 0 as no field, so 0 is missing too.
        size = self.integer(params, "NumberOfBytes", *self.rules.limits.data_key_bytes)
        if size is None:
            raise self.fail(Situation.MISSING_PARAMETER, name="NumberOfBytes")
        aad = params.get("Aad") or None
        if aad is not None:
            if len(aad) > alibaba_instance.MAX_AAD:
                raise self.fail(Situation.AAD_TOO_LARGE, name="Aad")
            aad = gateway_aad_binding(aad)
        plain = os.urandom(size)
        iv = os.urandom(IV_LEN)
        return plain, iv, cipher.seal(_gcm_for(key), version.material, plain, iv=iv, aad=aad)

    def op_GenerateDataKey(self, params: NativeParams) -> NativeResponse:
        key = self.gateway_key(params, advance=False)
        if not key.symmetric:  # data keys come from symmetric keys only
            raise self.fail(Situation.INVALID_ALGORITHM, name="Algorithm")
        algorithm = params.get("Algorithm") or _gcm_for(key)
        if algorithm != _gcm_for(key):
            raise self.fail(Situation.INVALID_ALGORITHM, name="Algorithm")
        plain, iv, body = self._data_key(params, key, key.initial)
        return {
            "KeyId": key.key_id,
            "Iv": iv,
            "Plaintext": plain,
            "CiphertextBlob": body,
            "Algorithm": algorithm,
        }

    def op_AdvanceGenerateDataKey(self, params: NativeParams) -> NativeResponse:
        key = self.gateway_key(params, advance=True)
        version = key.primary
        plain, iv, body = self._data_key(params, key, version)
        blob = AdvanceBlob(_gcm_for(key), "", version.version_id, iv, body).pack()
        return {
            "KeyId": key.key_id,
            "Iv": iv,
            "Plaintext": plain,
            "CiphertextBlob": blob,
            "Algorithm": _gcm_for(key),
            "KeyVersionId": version.version_id,
        }

    # -- Sign, Verify, GetPublicKey (docs/dialects.md 2.12) ------------------------
    def gateway_asymmetric(
        self, params: NativeParams, usage: KeyUsage | None
    ) -> tuple[FakeKey, FakeKeyVersion]:
        """The Enabled asymmetric key ``KeyId`` names (of ``usage``, unless ``None``) and
        the version the gateway uses: the requests name none, so the key's primary one,
        which for an asymmetric key is its newest (``CreateKeyVersion`` makes the new
        version primary). A symmetric key, or one of the other usage: ``UnsupportedOperation``."""
        key = self.resolve(params, arns=False)
        self.usable(key)
        if key.symmetric or (usage is not None and key.usage is not usage):
            raise self.fail(Situation.UNSUPPORTED_OPERATION, key=key.key_id)
        return key, key.primary

    def gateway_digest(
        self, params: NativeParams, private: asymmetric.PrivateKey
    ) -> tuple[bytes, str]:
        """(digest, ``MessageType``) of a Sign or Verify request: ``Message`` hashed as the
        algorithm says when ``MessageType`` is ``RAW`` (the default), or taken as the
        digest when ``DIGEST`` (32 bytes: SHA-256, or SM3 for SM2DSA)."""
        kind = self.text(params, "MessageType", required=False) or "RAW"
        data = params.get("Message")
        if not isinstance(data, (bytes, bytearray)) or not data:
            raise self.fail(Situation.MISSING_PARAMETER, name="Message")
        if kind == "DIGEST":
            if len(data) != alibaba_instance.SIGN_DIGEST_BYTES:
                raise self.fail(Situation.INVALID_PARAMETER, name="Message")
            return bytes(data), kind
        if kind != "RAW":
            raise self.fail(Situation.INVALID_PARAMETER, name="MessageType")
        return asymmetric.message_digest(private, bytes(data)), kind

    def op_Sign(self, params: NativeParams) -> NativeResponse:
        key, version = self.gateway_asymmetric(params, KeyUsage.SIGN_VERIFY)
        algorithm = self.signing_algorithm(params, key)
        private = self.private_key(key, version)
        digest, kind = self.gateway_digest(params, private)
        return {
            "KeyId": key.key_id,
            "Signature": asymmetric.sign_digest(private, algorithm, digest),
            "Algorithm": algorithm.value,
            "MessageType": kind,
        }

    def op_Verify(self, params: NativeParams) -> NativeResponse:
        key, version = self.gateway_asymmetric(params, KeyUsage.SIGN_VERIFY)
        algorithm = self.signing_algorithm(params, key)
        private = self.private_key(key, version)
        digest, kind = self.gateway_digest(params, private)
        signature = params.get("Signature")
        if not isinstance(signature, (bytes, bytearray)) or not signature:
            raise self.fail(Situation.MISSING_PARAMETER, name="Signature")
        return {
            "KeyId": key.key_id,
            "Value": asymmetric.verify_digest(private, algorithm, digest, bytes(signature)),
            "Algorithm": algorithm.value,
            "MessageType": kind,
        }

    def op_GetPublicKey(self, params: NativeParams) -> NativeResponse:
        key, version = self.gateway_asymmetric(params, None)
        return {
            "KeyId": key.key_id,
            "PublicKey": asymmetric.public_pem(self.private_key(key, version)),
        }

    def op_GenerateRandom(self, params: NativeParams) -> NativeResponse:
        """``Length`` random bytes (``Random``); no key is involved."""
        if params.get("Length") in (None, "", 0):
            raise self.fail(Situation.MISSING_PARAMETER, name="Length")
        low, high = alibaba_instance.RANDOM_LENGTH
        length = self.integer(params, "Length", low, high)
        assert length is not None
        return {"Random": os.urandom(length)}


_IV_LENGTHS = {a: cipher.iv_length(a) for a in cipher.ALGORITHMS}
_SYMMETRIC = frozenset(spec.value for spec in KeySpec if spec.symmetric)
_AES_SPECS = frozenset({KeySpec.AES_128, KeySpec.AES_256})


class ClassicSeam:
    """A classic service as :class:`~unikms.dialects.alibaba.classic.ClassicCrypto`: the
    steps its native ``Encrypt`` and ``Decrypt`` take, each run as one request, for the
    neutral operations of a ``fake://`` client (no Base64 round trips)."""

    def __init__(self, service: AlibabaClassicService) -> None:
        self.encrypt = partial(service.run, "Encrypt", service.encrypt_text)
        self.decrypt = partial(service.run, "Decrypt", service.decrypt_blob)


class GatewaySeam:
    """An instance service as :class:`~unikms.dialects.alibaba.instance.GatewayCrypto`:
    the steps its native ``AdvanceEncrypt`` and ``AdvanceDecrypt`` take, each run as one
    request, for the neutral operations of a ``fake://`` client."""

    def __init__(self, service: AlibabaInstanceService) -> None:
        self.advance_encrypt = partial(service.run, "AdvanceEncrypt", service.advance_encrypt)
        self.advance_decrypt = partial(service.run, "AdvanceDecrypt", service.advance_decrypt)
