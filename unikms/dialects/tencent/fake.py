"""The fake Tencent Cloud KMS (2019-01-18).

Ciphertext: Tencent publishes only its shape, three Base64 segments joined by
``-k-`` (64 bytes, 16 bytes, body). The fake keeps that shape with contents of
its own::

    segment 1 (64 bytes): KeyId (36 ASCII) || version index (uint32 BE)
                          || HMAC-SHA256(version key, KeyId || index)[:24]
    segment 2 (16 bytes): AES-GCM nonce
    segment 3:            AES-GCM ciphertext || tag, AAD = segment 1 || context JSON
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct
import uuid
from collections.abc import Mapping
from datetime import timedelta
from functools import partial
from typing import Any

from cryptography.exceptions import InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from unikms import _base64
from unikms.dialects.base import KEY_BYTES, Situation, canonical_context_json
from unikms.dialects.tencent import rules as tencent
from unikms.dialects.tencent import sm2
from unikms.errors import UnsupportedByDialectError
from unikms.fake import asymmetric, cipher
from unikms.fake.keystore import FakeKey, FakeKeyVersion, KeyStore
from unikms.fake.service import FakeService, Throttle, seconds
from unikms.native import NativeError, NativeParams, NativeResponse
from unikms.types import KeySpec, KeyState, KeyUsage, SigningAlgorithm

__all__ = ["TencentSeam", "TencentService", "new_tencent_store"]

SEPARATOR = tencent.BLOB_SEPARATOR
MAX_DESCRIPTION = tencent.MAX_DESCRIPTION_BYTES
_HEADER = struct.Struct(">36sI")
#: GenerateDataKey ``KeySpec`` values (when no ``NumberOfBytes`` is given)
_DATA_KEY_SPECS = frozenset({KeySpec.AES_128.value, KeySpec.AES_256.value})
_SPEC_FOR_USAGE = tencent.SPEC_FOR_USAGE
#: where the separators sit in a blob that seal wrote (Base64 of 64 and 16 bytes)
_SEPARATOR_BYTES = SEPARATOR.encode("ascii")
_SEP1 = slice(88, 88 + len(SEPARATOR))
_SEP2 = slice(_SEP1.stop + 24, _SEP1.stop + 24 + len(SEPARATOR))


def new_tencent_store(
    account: str = "100000000001", region: str = "ap-guangzhou", **kw: Any
) -> KeyStore:
    """A store with Tencent-style ids: time-based UUIDs (``uuid1``)."""
    return KeyStore(
        account=account,
        region=region,
        new_key_id=lambda: str(uuid.uuid1()),
        new_version_id=lambda key_id: f"{key_id}#{uuid.uuid4().hex[:8]}",
        **kw,
    )


def _segment1(key: FakeKey, index: int) -> bytes:
    return key.versions[index].derived("tencent-segment1", lambda v: _make_segment1(key, index, v))


def _make_segment1(key: FakeKey, index: int, version: FakeKeyVersion) -> bytes:
    head = _HEADER.pack(key.key_id.encode("ascii"), index)
    return head + hmac.new(version.material, head, hashlib.sha256).digest()[:24]


class TencentService(FakeService):
    """Native Tencent KMS actions over the fake store."""

    rules = tencent.RULES

    def __init__(
        self,
        store: KeyStore,
        *,
        throttle: Throttle | None = None,
        min_rotation_hours: int = tencent.MIN_ROTATION_HOURS,
    ) -> None:
        super().__init__(store, throttle=throttle)
        self.min_rotation_hours = min_rotation_hours
        #: the typed seam (:class:`~unikms.dialects.tencent.rules.TencentCrypto`)
        self.tencent_crypto = TencentSeam(self)

    # -- helpers ----------------------------------------------------------------
    def resolve(self, params: NativeParams) -> FakeKey:
        key_id = self.text(params, "KeyId")
        assert key_id is not None
        return self.resolve_id(key_id)

    def resolve_id(self, key_id: str) -> FakeKey:
        if not tencent.KEY_ID_PATTERN.fullmatch(key_id):
            raise self.fail(Situation.INVALID_KEY_ID)
        key = self.store.get(key_id)
        if key is None:
            raise self.fail(Situation.KEY_NOT_FOUND)
        return key

    def encryption_key(self, params: NativeParams) -> FakeKey:
        return self.crypto_key(self.resolve(params))

    def crypto_key(self, key: FakeKey) -> FakeKey:
        if key.state is KeyState.ENABLED and key.spec.symmetric:
            return key
        self.usable(key)
        if not key.symmetric:
            raise self.fail(Situation.WRONG_KEY_TYPE)
        return key

    def context_aad(self, params: NativeParams, name: str = "EncryptionContext") -> bytes:
        raw = params.get(name)
        if raw in (None, ""):
            return b""
        if not isinstance(raw, str) or len(raw) > tencent.MAX_CONTEXT_CHARS:
            raise self.fail(Situation.CONTEXT_TOO_LARGE, name=name)
        parsed = tencent.parse_context(raw)
        if parsed is None:
            raise self.fail(Situation.CONTEXT_INVALID, name=name)
        return self.aad_for(parsed)

    @staticmethod
    def aad_for(context: Mapping[str, str] | None) -> bytes:
        """The AAD a (checked) context binds: its canonical JSON."""
        return canonical_context_json(context).encode("utf-8") if context else b""

    def seal(self, key: FakeKey, data: bytes, context: bytes) -> str:
        return self.seal_bytes(key, data, context).decode("ascii")

    def seal_bytes(self, key: FakeKey, data: bytes, context: bytes) -> bytes:
        """The ciphertext blob as ASCII bytes (what the in-process path returns)."""
        index = key.primary_index
        head = _segment1(key, index)
        nonce = os.urandom(16)
        body = key.versions[index].aesgcm().encrypt(nonce, data, head + context)
        encode = _base64.encode_bytes
        return encode(head) + _SEPARATOR_BYTES + encode(nonce) + _SEPARATOR_BYTES + encode(body)

    def unseal(self, blob: str | bytes, context: bytes) -> tuple[FakeKey, bytes]:
        """Open a blob (its text, or that text's ASCII bytes)."""
        # the layout seal writes (64- and 16-byte segments) is sliced, ten times
        # cheaper than splitting 5 KB; any other text is split and fails alike
        parts: list[str] | list[bytes]
        if isinstance(blob, str):
            if blob[_SEP1] == SEPARATOR and blob[_SEP2] == SEPARATOR:
                parts = [blob[: _SEP1.start], blob[_SEP1.stop : _SEP2.start], blob[_SEP2.stop :]]
            else:
                parts = blob.split(SEPARATOR)
        elif blob[_SEP1] == _SEPARATOR_BYTES and blob[_SEP2] == _SEPARATOR_BYTES:
            parts = [blob[: _SEP1.start], blob[_SEP1.stop : _SEP2.start], blob[_SEP2.stop :]]
        else:
            parts = blob.split(_SEPARATOR_BYTES)
        try:
            head, nonce, body = (_base64.decode(p) for p in parts)
        except (ValueError, binascii.Error):
            raise self.fail(Situation.INVALID_CIPHERTEXT) from None
        if len(head) != 64 or len(nonce) != 16:
            raise self.fail(Situation.INVALID_CIPHERTEXT)
        key_id_raw, index = _HEADER.unpack(head[: _HEADER.size])
        key = self.store.get(key_id_raw.decode("ascii", "replace"))
        if key is None:
            raise self.fail(Situation.KEY_NOT_FOUND)
        if index >= len(key.versions) or not hmac.compare_digest(head, _segment1(key, index)):
            raise self.fail(Situation.INVALID_CIPHERTEXT)
        if key.state is not KeyState.ENABLED:
            self.usable(key, decrypting=True)
        try:
            return key, key.versions[index].aesgcm().decrypt(nonce, body, head + context)
        except InvalidTag:
            raise self.fail(Situation.DECRYPT_FAILED) from None

    def plaintext_field(self, params: NativeParams, data: bytes) -> str:
        """The answer's ``Plaintext``: Base64 of ``data``, or, with ``EncryptionPublicKey``,
        Base64 of ``data`` encrypted under that PEM key with ``EncryptionAlgorithm``."""
        pem = params.get("EncryptionPublicKey")
        if pem in (None, ""):
            return base64.b64encode(data).decode()
        algorithm = params.get("EncryptionAlgorithm") or tencent.DEFAULT_RECIPIENT_ALGORITHM
        if algorithm not in tencent.RECIPIENT_ALGORITHMS:
            raise self.fail(Situation.INVALID_PARAMETER, name="EncryptionAlgorithm")
        if algorithm.startswith("SM2"):
            return base64.b64encode(self.sm2_seal(str(pem), algorithm, data)).decode()
        try:
            public_key = load_pem_public_key(str(pem).encode("utf-8"))
        except (ValueError, TypeError, UnicodeError, UnsupportedAlgorithm):
            public_key = None  # UnsupportedAlgorithm: an SM2 key given with an RSA algorithm
        if not isinstance(public_key, rsa.RSAPublicKey) or public_key.key_size != 2048:
            raise self.fail(Situation.INVALID_PARAMETER, name="EncryptionPublicKey")
        try:
            sealed = cipher.public_encrypt(public_key, algorithm, data)
        except cipher.CipherFailure:  # longer than the padding takes with a 2048-bit key
            raise self.fail(Situation.INVALID_PARAMETER, name="EncryptionPublicKey") from None
        return base64.b64encode(sealed).decode()

    def sm2_seal(self, pem: str, algorithm: str, data: bytes) -> bytes:
        """``data`` encrypted for an SM2 ``EncryptionPublicKey`` (``SM2``: C1C3C2,
        ``SM2_C1C3C2_ASN1``: its DER form); a PEM that is not an SM2 public key →
        ``InvalidParameter`` (``EncryptionPublicKey``), as for a bad RSA key."""
        try:
            point = sm2.load_public_key(pem)
            return sm2.encrypt(point, data, asn1=algorithm == "SM2_C1C3C2_ASN1")
        except sm2.NotAnSm2Key:
            raise self.fail(Situation.INVALID_PARAMETER, name="EncryptionPublicKey") from None
        except sm2.Sm2Unavailable as err:
            raise UnsupportedByDialectError(
                f"the fake encrypts the plaintext for an SM2 key ({algorithm}, the default "
                f"EncryptionAlgorithm) only with the optional SM2 library: {err}; or pass an "
                "RSA 2048 EncryptionPublicKey with RSAES_OAEP_SHA_256, RSAES_OAEP_SHA_1 or "
                "RSAES_PKCS1_V1_5",
                field="EncryptionAlgorithm",
                dialect=self.dialect,
            ) from None

    # -- the typed seam's steps (TencentSeam): what the native actions do, typed
    def encrypt_data(
        self, key_id: str, data: bytes, context: Mapping[str, str] | None
    ) -> tuple[bytes, str]:
        """Encrypt's work on a checked request: (blob as ASCII bytes, key id)."""
        key = self.crypto_key(self.resolve_id(key_id))
        return self.seal_bytes(key, data, self.aad_for(context)), key.key_id

    def decrypt_data(
        self, blob: str | bytes, context: Mapping[str, str] | None
    ) -> tuple[bytes, str]:
        """Decrypt's work on a checked request: (plaintext, key id)."""
        key, data = self.unseal(blob, self.aad_for(context))
        return data, key.key_id

    # -- crypto -----------------------------------------------------------------
    def op_Encrypt(self, params: NativeParams) -> NativeResponse:
        key = self.encryption_key(params)
        _, data = self.b64(params, "Plaintext", Situation.INVALID_PLAINTEXT)
        if not data or len(data) > self.rules.limits.max_plaintext:
            raise self.fail(Situation.PLAINTEXT_TOO_LARGE)
        blob = self.seal(key, data, self.context_aad(params))
        return {"CiphertextBlob": blob, "KeyId": key.key_id}

    def op_Decrypt(self, params: NativeParams) -> NativeResponse:
        blob = self.text(params, "CiphertextBlob")
        assert blob is not None
        key, data = self.unseal(blob, self.context_aad(params))
        return {"KeyId": key.key_id, "Plaintext": self.plaintext_field(params, data)}

    def op_GenerateDataKey(self, params: NativeParams) -> NativeResponse:
        key = self.resolve(params)
        if key.state is KeyState.ARCHIVED:
            raise self.fail(Situation.KEY_ARCHIVED)
        self.usable(key)
        if not key.symmetric:
            raise self.fail(Situation.WRONG_KEY_TYPE)
        size = self.integer(params, "NumberOfBytes", *self.rules.limits.data_key_bytes)
        if size is None:
            spec = params.get("KeySpec")
            if spec not in _DATA_KEY_SPECS:
                raise self.fail(Situation.INVALID_PARAMETER, name="KeySpec")
            size = KEY_BYTES[KeySpec(spec)]
        data = os.urandom(size)
        blob = self.seal(key, data, self.context_aad(params))
        return {
            "KeyId": key.key_id,
            "Plaintext": self.plaintext_field(params, data),
            "CiphertextBlob": blob,
        }

    def op_ReEncrypt(self, params: NativeParams) -> NativeResponse:
        """Open ``CiphertextBlob`` (with ``SourceEncryptionContext``) and seal it under
        ``DestinationKeyId`` (default: the blob's own key) with
        ``DestinationEncryptionContext``. As the API reference states, a blob already
        under its key's current version comes back unchanged (``ReEncrypted``
        false) when the key stays; so does it here only when the context stays too."""
        blob = self.text(params, "CiphertextBlob")
        assert blob is not None
        source_aad = self.context_aad(params, "SourceEncryptionContext")
        aad = self.context_aad(params, "DestinationEncryptionContext")
        destination_id = self.text(params, "DestinationKeyId", required=False)
        destination = self.crypto_key(self.resolve_id(destination_id)) if destination_id else None
        key, data = self.unseal(blob, source_aad)
        target = destination or self.crypto_key(key)
        if (
            target is key
            and aad == source_aad
            and _base64.decode(blob.split(SEPARATOR, 1)[0])[: _HEADER.size]
            == _HEADER.pack(key.key_id.encode("ascii"), key.primary_index)
        ):
            return {
                "CiphertextBlob": blob,
                "KeyId": key.key_id,
                "SourceKeyId": key.key_id,
                "ReEncrypted": False,
            }
        return {
            "CiphertextBlob": self.seal(target, data, aad),
            "KeyId": target.key_id,
            "SourceKeyId": key.key_id,
            "ReEncrypted": True,
        }

    def op_GenerateRandom(self, params: NativeParams) -> NativeResponse:
        if params.get("NumberOfBytes") in (None, ""):
            raise self.fail(Situation.MISSING_PARAMETER, name="NumberOfBytes")
        low, high = tencent.RANDOM_BYTES
        size = self.integer(params, "NumberOfBytes", low, high)
        assert size is not None
        return {"Plaintext": base64.b64encode(os.urandom(size)).decode()}

    # -- service ------------------------------------------------------------------
    def op_GetServiceStatus(self, params: NativeParams) -> NativeResponse:
        """The service is on (``InvalidType`` 1: normal), the standard edition
        (``UserLevel`` 0), with no HSM clusters, data-key hosting or sync tasks."""
        return {
            "ServiceEnabled": True,
            "InvalidType": 1,
            "UserLevel": 0,
            "ProExpireTime": 0,
            "ProRenewFlag": 0,
            "ProResourceId": "",
            "ExclusiveVSMEnabled": False,
            "ExclusiveHSMEnabled": False,
            "SubscriptionInfo": "",
            "CmkUserCount": len(self.store.all_keys()),
            "CmkLimit": tencent.CMK_LIMIT,
            "ExclusiveHSMList": [],
            "IsAllowedDataKeyHosted": False,
            "DataKeyLimit": 0,
            "FreeDataKeyLimit": 0,
            "DataKeyUsedCount": 0,
            "SyncTaskList": [],
            "IsAllowedSync": False,
        }

    def op_GetRegions(self, params: NativeParams) -> NativeResponse:
        return {"Regions": [self.store.region]}

    def op_ListAlgorithms(self, params: NativeParams) -> NativeResponse:
        """The key usages CreateKey takes here, each with its algorithm."""
        groups: dict[str, list[dict[str, str]]] = {
            "SymmetricAlgorithms": [],
            "AsymmetricAlgorithms": [],
            "AsymmetricSignVerifyAlgorithms": [],
        }
        for usage, algorithm in tencent.ALGORITHMS.items():
            group = (
                "SymmetricAlgorithms"
                if usage == "ENCRYPT_DECRYPT"
                else "AsymmetricSignVerifyAlgorithms"
                if "SIGN" in usage
                else "AsymmetricAlgorithms"
            )
            groups[group].append({"KeyUsage": usage, "Algorithm": algorithm})
        return dict(groups)

    # -- key management -----------------------------------------------------------
    def op_UpdateKeyDescription(self, params: NativeParams) -> NativeResponse:
        key = self.resolve(params)
        description = params.get("Description")
        if description is None:
            raise self.fail(Situation.MISSING_PARAMETER, name="Description")
        if not isinstance(description, str) or tencent.description_size(description) > (
            MAX_DESCRIPTION
        ):
            raise self.fail(Situation.INVALID_PARAMETER, name="Description")
        key.description = description
        return {}

    @staticmethod
    def key_usage(key: FakeKey) -> str:
        """The key's Tencent ``KeyUsage`` (``ASYMMETRIC_SIGN_VERIFY_*`` for a signing key)."""
        kind = "SIGN" if key.usage is KeyUsage.SIGN_VERIFY else "DECRYPT"
        return next(
            (u for u, s in _SPEC_FOR_USAGE.items() if s is key.spec and kind in u),
            "ENCRYPT_DECRYPT",
        )

    def metadata(self, key: FakeKey) -> dict[str, Any]:
        """``KeyMetadata`` (T3's model): ``Type`` is the key's standard, 4 for the SM
        family and 2 (FIPS 140-2) otherwise; ``NextRotateTime`` is set only while rotation
        is on (0 otherwise), the last rotation (else the creation) plus ``RotateDays``."""
        created = seconds(key.created_at)
        usage = self.key_usage(key)
        rotate_days = key.rotation_interval_days or 365
        next_rotation = (
            (seconds(key.last_rotation) or created) + rotate_days * 86400
            if key.rotation_enabled
            else 0
        )
        return {
            "KeyId": key.key_id,
            "Alias": key.display_alias or "",
            "CreateTime": created,
            "Description": key.description,
            "KeyState": _STATE_STRINGS[key.state],
            "KeyUsage": usage,
            "Type": 4 if "SM2" in usage or key.spec is KeySpec.SM4 else 2,
            "CreatorUin": int(self.store.account) if self.store.account.isdigit() else 0,
            "KeyRotationEnabled": key.rotation_enabled,
            "Owner": "user",
            "NextRotateTime": next_rotation,
            "DeletionDate": seconds(key.deletion_date),
            "Origin": key.origin,
            "ValidTo": 0,
            "ResourceId": f"creatorUin/{self.store.account}/{key.key_id}",
            "RotateDays": rotate_days,
            "LastRotateTime": seconds(key.last_rotation),
        }

    def check_alias(self, alias: str | None) -> str:
        if alias is None or not tencent.valid_alias_name(alias):
            raise self.fail(Situation.INVALID_ALIAS)
        if any(k.display_alias == alias for k in self.store.all_keys()):
            raise self.fail(Situation.ALIAS_EXISTS)
        return alias

    def op_CreateKey(self, params: NativeParams) -> NativeResponse:
        alias = self.check_alias(self.text(params, "Alias"))
        usage = params.get("KeyUsage") or "ENCRYPT_DECRYPT"
        spec = _SPEC_FOR_USAGE.get(usage)
        if spec is None:
            raise self.rules.error("InvalidParameterValue.InvalidKeyUsage")
        try:  # T1: InvalidType is "Type参数错误", a wrong Type (T2 lists it for CreateKey)
            key_type = self.integer(params, "Type", 1, 2) or 1
        except NativeError:
            raise self.rules.error("InvalidParameterValue.InvalidType") from None
        if key_type == 2 and not spec.symmetric:
            raise self.rules.error("InvalidParameterValue.InvalidType")
        description = self.text(params, "Description", required=False) or ""
        if tencent.description_size(description) > MAX_DESCRIPTION:
            raise self.fail(Situation.INVALID_PARAMETER, name="Description")
        key = self.store.create_key(
            spec=spec,
            usage=KeyUsage.SIGN_VERIFY if "SIGN" in usage else KeyUsage.ENCRYPT_DECRYPT,
            origin="EXTERNAL" if key_type == 2 else "TENCENT_KMS",
            description=description,
            state=KeyState.PENDING_IMPORT if key_type == 2 else KeyState.ENABLED,
            display_alias=alias,
        )
        meta = self.metadata(key)
        return {
            k: meta[k]
            for k in ("KeyId", "Alias", "CreateTime", "Description", "KeyState", "KeyUsage")
        } | {"TagCode": 0, "TagMsg": "ok"}

    def op_DescribeKey(self, params: NativeParams) -> NativeResponse:
        return {"KeyMetadata": self.metadata(self.resolve(params))}

    def op_DescribeKeys(self, params: NativeParams) -> NativeResponse:
        ids = params.get("KeyIds")
        if (
            not isinstance(ids, list)
            or not ids
            or len(ids) > 100
            or not all(isinstance(i, str) for i in ids)
        ):
            raise self.fail(Situation.INVALID_PARAMETER, name="KeyIds")
        if len(set(ids)) != len(ids):
            raise self.rules.error("InvalidParameterValue.InvalidKeyId")
        return {"KeyMetadatas": [self.metadata(self.resolve({"KeyId": i})) for i in ids]}

    def _window(self, params: NativeParams) -> tuple[int, int]:
        offset = self.integer(params, "Offset", 0, 10**9) or 0
        limit = self.integer(params, "Limit", 1, 200) or 10
        return offset, limit

    def op_ListKeys(self, params: NativeParams) -> NativeResponse:
        listed = [
            k
            for k in self.store.all_keys()
            if k.state in (KeyState.ENABLED, KeyState.DISABLED, KeyState.PENDING_IMPORT)
        ]
        offset, limit = self._window(params)
        return {
            "Keys": [{"KeyId": k.key_id} for k in listed[offset : offset + limit]],
            "TotalCount": len(listed),
        }

    def op_ListKeyDetail(self, params: NativeParams) -> NativeResponse:
        keys = list(reversed(self.store.all_keys()))  # CreateTime descending by default
        if params.get("OrderType") in (1, "1"):
            keys.reverse()
        search = self.text(params, "SearchKeyAlias", required=False)
        if search:
            keys = [k for k in keys if search in k.key_id or search in (k.display_alias or "")]
        state = self.integer(params, "KeyState", 0, 5) or 0
        if state:
            keys = [k for k in keys if _STATE_FILTER[state] is k.state]
        # "为空则默认筛选ENCRYPT_DECRYPT类型": no KeyUsage lists the symmetric keys only
        usage = params.get("KeyUsage") or "ENCRYPT_DECRYPT"
        if usage != "ALL":
            keys = [k for k in keys if self.key_usage(k) == usage]
        origin = params.get("Origin") or "ALL"
        if origin != "ALL":
            keys = [k for k in keys if k.origin == origin]
        offset, limit = self._window(params)
        return {
            "TotalCount": len(keys),
            "KeyMetadatas": [self.metadata(k) for k in keys[offset : offset + limit]],
        }

    def op_UpdateAlias(self, params: NativeParams) -> NativeResponse:
        key = self.resolve(params)
        if key.state is KeyState.PENDING_DELETION:
            raise self.fail(Situation.INVALID_STATE)
        alias = self.text(params, "Alias")
        if alias != key.display_alias:
            key.display_alias = self.check_alias(alias)
        return {}

    def _transition(
        self, params: NativeParams, allowed: tuple[KeyState, ...], target: KeyState
    ) -> FakeKey:
        key = self.resolve(params)
        if key.state not in allowed:
            raise self.fail(Situation.INVALID_STATE)
        key.state = target
        return key

    def op_EnableKey(self, params: NativeParams) -> NativeResponse:
        self._transition(params, (KeyState.ENABLED, KeyState.DISABLED), KeyState.ENABLED)
        return {}

    def op_DisableKey(self, params: NativeParams) -> NativeResponse:
        self._transition(params, (KeyState.ENABLED, KeyState.DISABLED), KeyState.DISABLED)
        return {}

    def op_ArchiveKey(self, params: NativeParams) -> NativeResponse:
        self._transition(params, (KeyState.ENABLED,), KeyState.ARCHIVED)
        return {}

    def op_CancelKeyArchive(self, params: NativeParams) -> NativeResponse:
        self._transition(params, (KeyState.ARCHIVED,), KeyState.ENABLED)
        return {}

    def op_ScheduleKeyDeletion(self, params: NativeParams) -> NativeResponse:
        key = self.resolve(params)
        low, high = tencent.DELETION_WINDOW
        if params.get("PendingWindowInDays") in (None, ""):
            raise self.fail(Situation.MISSING_PARAMETER, name="PendingWindowInDays")
        days = self.integer(
            params, "PendingWindowInDays", low, high, situation=Situation.INVALID_DELETION_WINDOW
        )
        assert days is not None
        if key.state is KeyState.ENABLED:
            raise self.fail(Situation.SHOULD_BE_DISABLED)
        if key.state not in (KeyState.DISABLED, KeyState.PENDING_IMPORT):
            raise self.fail(Situation.INVALID_STATE)
        date = self.store.schedule_deletion(key, days)
        return {"DeletionDate": seconds(date), "KeyId": key.key_id}

    def op_CancelKeyDeletion(self, params: NativeParams) -> NativeResponse:
        key = self.resolve(params)
        if key.state is not KeyState.PENDING_DELETION:
            raise self.fail(Situation.NOT_PENDING_DELETION)
        key.state = KeyState.DISABLED
        key.deletion_date = None
        return {"KeyId": key.key_id}

    def op_EnableKeyRotation(self, params: NativeParams) -> NativeResponse:
        key = self.resolve(params)
        if key.origin == "EXTERNAL":
            raise self.rules.error("UnsupportedOperation.ExternalCmkCanNotRotate")
        if key.state is not KeyState.ENABLED:
            raise self.fail(Situation.INVALID_STATE)
        low, high = tencent.ROTATE_DAYS
        key.rotation_interval_days = self.integer(params, "RotateDays", low, high) or 365
        key.rotation_enabled = True
        return {}

    def op_DisableKeyRotation(self, params: NativeParams) -> NativeResponse:
        self.resolve(params).rotation_enabled = False
        return {}

    def op_GetKeyRotationStatus(self, params: NativeParams) -> NativeResponse:
        return {"KeyRotationEnabled": self.resolve(params).rotation_enabled}

    def op_RotateKey(self, params: NativeParams) -> NativeResponse:
        key = self.resolve(params)
        if key.origin == "EXTERNAL" or not key.symmetric:
            raise self.rules.error("UnsupportedOperation.RotateNotSupported")
        if key.state is not KeyState.ENABLED:
            raise self.fail(Situation.INVALID_STATE)
        if not key.rotation_enabled:
            # T1: RotateNotSupported is "不支持轮转", with the causes
            # "未开启轮转、外部密钥、副本密钥", rotation not enabled the first; T2 lists it
            # for RotateKey. After the state
            # check (ours): a policy can be turned on only for an Enabled key.
            raise self.rules.error("UnsupportedOperation.RotateNotSupported")
        last = key.last_rotation or key.created_at
        if len(key.versions) > 1 and self.store.clock() < last + timedelta(
            hours=self.min_rotation_hours
        ):
            raise self.fail(Situation.ROTATION_TOO_SOON)
        self.store.add_version(key)
        return {"TaskId": uuid.uuid4().hex}

    # -- asymmetric keys (docs/dialects.md 3.12) --------------------------------------
    def asymmetric_key(self, params: NativeParams, usage: KeyUsage) -> FakeKey:
        """The Enabled asymmetric key of ``usage`` that ``KeyId`` names ("处于Enabled 状态的
        非对称密钥才能进行解密操作", T3). A key of another usage answers
        ``InvalidParameterValue.InvalidKeyUsage``: the decrypts list it (T2); for the
        signing actions, whose lists do not, it is *ours*."""
        key = self.resolve(params)
        self.usable(key)
        if key.symmetric or key.usage is not usage:
            raise self.fail(Situation.WRONG_KEY_TYPE)
        if key.spec is KeySpec.EC_SM2:
            raise UnsupportedByDialectError(
                "the fake Tencent service does no SM2 signing or decryption (its EC_SM2 keys "
                "hold no SM2 key pair; docs/dialects.md 3.12)",
                field="KeyId",
                dialect=self.dialect,
            )
        return key

    def signing_algorithm(self, params: NativeParams, key: FakeKey) -> SigningAlgorithm:
        name = self.text(params, "Algorithm")
        for algorithm in tencent.SIGNING_ALGORITHMS.get(key.spec, ()):
            if tencent.NATIVE_SIGNING_ALGORITHMS[algorithm] == name:
                return algorithm
        raise self.fail(Situation.INVALID_ALGORITHM, name="Algorithm")

    def signed_digest(self, params: NativeParams) -> bytes:
        """The digest to sign: SHA-256 of a RAW ``Message`` (at most 4096 bytes), or a
        DIGEST ``Message`` of exactly 32 bytes (T18)."""
        _, message = self.b64(params, "Message", Situation.INVALID_PARAMETER)
        kind = params.get("MessageType") or "RAW"
        if kind == "DIGEST":
            if len(message) != 32:
                raise self.fail(Situation.INVALID_PARAMETER, name="Message")
            return message
        if kind != "RAW" or len(message) > tencent.MAX_SIGN_MESSAGE:
            raise self.fail(
                Situation.INVALID_PARAMETER, name="MessageType" if kind != "RAW" else "Message"
            )
        return hashlib.sha256(message).digest()

    def op_SignByAsymmetricKey(self, params: NativeParams) -> NativeResponse:
        key = self.asymmetric_key(params, KeyUsage.SIGN_VERIFY)
        algorithm = self.signing_algorithm(params, key)
        digest = self.signed_digest(params)
        private = asymmetric.private_key(key, key.primary)
        signature = asymmetric.sign_digest(private, algorithm, digest)
        return {"Signature": base64.b64encode(signature).decode()}

    def op_VerifyByAsymmetricKey(self, params: NativeParams) -> NativeResponse:
        key = self.asymmetric_key(params, KeyUsage.SIGN_VERIFY)
        algorithm = self.signing_algorithm(params, key)
        digest = self.signed_digest(params)
        _, signature = self.b64(params, "SignatureValue", Situation.INVALID_PARAMETER)
        private = asymmetric.private_key(key, key.primary)
        return {"SignatureValid": asymmetric.verify_digest(private, algorithm, digest, signature)}

    def op_GetPublicKey(self, params: NativeParams) -> NativeResponse:
        key = self.resolve(params)
        self.usable(key)
        if key.symmetric:
            raise self.fail(Situation.WRONG_KEY_TYPE)
        key = self.asymmetric_key(params, key.usage)
        private = asymmetric.private_key(key, key.primary)
        der = asymmetric.public_der(private)
        return {
            "KeyId": key.key_id,
            "PublicKey": base64.b64encode(der).decode(),
            "PublicKeyPem": asymmetric.public_pem(private),
        }

    def op_AsymmetricRsaDecrypt(self, params: NativeParams) -> NativeResponse:
        key = self.asymmetric_key(params, KeyUsage.ENCRYPT_DECRYPT)
        if key.spec is not KeySpec.RSA_2048:
            raise self.fail(Situation.WRONG_KEY_TYPE)
        algorithm = self.text(params, "Algorithm")
        if algorithm not in tencent.RSA_DECRYPT_ALGORITHMS:
            raise self.fail(Situation.INVALID_PARAMETER, name="Algorithm")
        _, blob = self.b64(params, "Ciphertext", Situation.INVALID_PARAMETER)
        try:
            private = asymmetric.private_key(key, key.primary)
            if algorithm == "RSAES_PKCS1_V1_5":
                assert isinstance(private, rsa.RSAPrivateKey)
                data = private.decrypt(blob, padding.PKCS1v15())
            else:
                data = asymmetric.oaep_decrypt(private, algorithm, blob)
        except (cipher.CipherFailure, ValueError):
            raise self.rules.error("FailedOperation.DecryptError") from None
        return {"KeyId": key.key_id, "Plaintext": base64.b64encode(data).decode()}

    def op_AsymmetricSm2Decrypt(self, params: NativeParams) -> NativeResponse:
        key = self.asymmetric_key(params, KeyUsage.ENCRYPT_DECRYPT)
        raise self.fail(Situation.WRONG_KEY_TYPE, key=key.key_id)  # an RSA key: SM2's above


_STATE_STRINGS = {v: k for k, v in tencent.STATE_NAMES.items()}
_STATE_FILTER = {
    1: KeyState.ENABLED,
    2: KeyState.DISABLED,
    3: KeyState.PENDING_DELETION,
    4: KeyState.PENDING_IMPORT,
    5: KeyState.ARCHIVED,
}


class TencentSeam:
    """A Tencent service as :class:`~unikms.dialects.tencent.rules.TencentCrypto`: the
    steps its native ``Encrypt`` and ``Decrypt`` take, each run as one request, for the
    neutral operations of a ``fake://`` client (no Base64 round trips)."""

    def __init__(self, service: TencentService) -> None:
        self.encrypt = partial(service.run, "Encrypt", service.encrypt_data)
        self.decrypt = partial(service.run, "Decrypt", service.decrypt_data)
