"""Tencent Cloud KMS 2019-01-18: rules and neutral operations.

Native parameters are those of ``tencentcloud-sdk-python``'s kms models:
Base64 strings for binary data, ``EncryptionContext`` a JSON *string*. Every
error comes back inside an HTTP 200 answer, so ``http_status`` is 200 on all
of them. Sources for every rule are in ``docs/dialects.md``.

Tencent's ``Encrypt`` takes a KeyId only. The neutral client also accepts
``alias/<name>``: it resolves the alias through ``ListKeyDetail`` and keeps the
answer in a small cache (64 entries, 60 seconds).
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Mapping
from typing import Protocol

from unikms import _base64
from unikms.dialects.base import (
    ALIAS_PREFIX,
    DialectOperations,
    DialectRules,
    EncryptOptions,
    ErrorSpec,
    Feature,
    Limits,
    Situation,
    canonical_context_json,
    parse_time,
)
from unikms.dialects.tencent import api
from unikms.errors import (
    InvalidRequestError,
    KeyNotFoundError,
    RotationPolicyRequiredError,
    UnsupportedByDialectError,
)
from unikms.native import Driver, NativeCall, NativeError
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
    PublicKey,
    SigningAlgorithm,
    SignResult,
)

__all__ = [
    "ALIAS_PATTERN",
    "KEY_ID_PATTERN",
    "RULES",
    "STATE_NAMES",
    "TencentOperations",
    "valid_alias_name",
]

_SDK = "TencentCloud/tencentcloud-sdk-python:tencentcloud/kms/v20190118/errorcodes.py"
_GO = "TencentCloud/tencentcloud-sdk-go:tencentcloud/kms/v20190118/client.go"
_COMMON = "https://cloud.tencent.com/document/product/1388/114322 (common error codes)"
_INFER = "inference, see docs/dialects.md"
_RETRYER = "TencentCloud/tencentcloud-sdk-python:tencentcloud/common/retry.py (StandardRetryer)"

MAX_CONTEXT_CHARS = 1024
#: use with ``fullmatch`` (``$`` would let a trailing newline through)
KEY_ID_PATTERN = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
ALIAS_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,59}")
#: CreateKey's Alias: "以 kms- 作为前缀的用于云产品使用" (reserved for cloud products)
RESERVED_ALIAS_PREFIX = "kms-"
DELETION_WINDOW = (7, 30)
#: Decrypt and GenerateDataKey: ``EncryptionAlgorithm``, with which the answer's
#: ``Plaintext`` is encrypted under ``EncryptionPublicKey`` (empty: SM2)
RECIPIENT_ALGORITHMS = (
    "SM2",
    "SM2_C1C3C2_ASN1",
    "RSAES_PKCS1_V1_5",
    "RSAES_OAEP_SHA_1",
    "RSAES_OAEP_SHA_256",
)
DEFAULT_RECIPIENT_ALGORITHM = "SM2"
ROTATE_DAYS = (7, 365)
#: GenerateRandom ``NumberOfBytes`` (SDK model: 1 to 1024)
RANDOM_BYTES = (1, 1024)
#: CreateKey / UpdateKeyDescription ``Description``: at most 1024 bytes
MAX_DESCRIPTION_BYTES = 1024
#: RotateKey: "A key can be rotated once in 24 hours by default" (the
#: ``RequestLimitExceeded.RotateRateLimited`` row below)
MIN_ROTATION_HOURS = 24
#: what separates the three Base64 parts of a ciphertext blob (the fake's blobs keep
#: the shape of Tencent's: docs/ciphertext.md)
BLOB_SEPARATOR = "-k-"


def description_size(description: str) -> int:
    """What ``MAX_DESCRIPTION_BYTES`` counts: UTF-8 bytes, not characters."""
    return len(description.encode("utf-8"))


#: GetServiceStatus ``CmkLimit`` of the fake (a standard account's quota; ours)
CMK_LIMIT = 200
#: ListAlgorithms: each KeyUsage the fake creates keys for, with its ``Algorithm`` name
ALGORITHMS = {
    "ENCRYPT_DECRYPT": "AES_256",
    "ASYMMETRIC_DECRYPT_RSA_2048": "RSA_2048",
    "ASYMMETRIC_DECRYPT_SM2": "SM2",
    "ASYMMETRIC_SIGN_VERIFY_RSA_2048": "RSA_2048",
    "ASYMMETRIC_SIGN_VERIFY_SM2": "SM2",
    "ASYMMETRIC_SIGN_VERIFY_ECC": "ECC",
}


def _row(
    code: str, message: str, kind: str, state: KeyState | None = None, source: str = _SDK
) -> ErrorSpec:
    return ErrorSpec(code, 200, message, kind, state, source)


ERRORS = {
    row.code: row
    for row in (
        _row(
            "MissingParameter",
            "The parameter `{name}` is missing.",
            "invalid_request",
            source=_COMMON,
        ),
        _row(
            "UnknownParameter",
            "The parameter `{name}` is not recognized.",
            "invalid_request",
            source=_COMMON,
        ),
        _row("InvalidParameter", "Invalid parameter: {name}.", "invalid_request"),
        _row("InvalidParameterValue", "Incorrect parameter value.", "invalid_request"),
        _row("InvalidParameterValue.InvalidKeyId", "Invalid `KeyId`.", "key_not_found"),
        _row("InvalidParameterValue.InvalidPlaintext", "Invalid `Plaintext`.", "invalid_request"),
        _row(
            "InvalidParameterValue.InvalidCiphertext",
            "Incorrect ciphertext format",
            "decryption_failed",
        ),
        _row("InvalidParameterValue.InvalidAlias", "Incorrect alias format", "invalid_request"),
        _row(
            "InvalidParameterValue.AliasAlreadyExists",
            "The alias already exists.",
            "already_exists",
        ),
        _row(  # T2: GenerateDataKey's and the asymmetric decrypts' answer to a key of
            # the wrong usage (none of them has a KeyUsage parameter)
            "InvalidParameterValue.InvalidKeyUsage",
            "Incorrect `KeyUsage` parameter.",
            "wrong_key_type",
        ),
        _row("InvalidParameterValue.InvalidType", "Incorrect `Type` parameter.", "invalid_request"),
        _row(
            "InvalidParameter.InvalidPendingWindowInDays",
            "The schedule deletion time parameter is invalid.",
            "invalid_request",
        ),
        _row("ResourceUnavailable.CmkNotFound", "The CMK does not exist.", "key_not_found"),
        _row(
            "ResourceUnavailable.CmkDisabled",
            "The CMK has been disabled.",
            "key_unavailable",
            KeyState.DISABLED,
        ),
        _row(
            "ResourceUnavailable.CmkArchived",
            "The CMK has been archived.",
            "key_unavailable",
            KeyState.ARCHIVED,
        ),
        _row(
            "ResourceUnavailable.KeyPendingDelete",
            "The key is unavailable: it is pending deletion.",
            "key_unavailable",
            KeyState.PENDING_DELETION,
            source=_GO,
        ),
        _row(
            "ResourceUnavailable.CmkStateNotSupport",
            "This operation cannot be performed under the current CMK status.",
            "key_unavailable",
        ),
        _row(
            "ResourceUnavailable.CmkShouldBeDisabled",
            "An enabled CMK cannot be scheduled for deletion.",
            "key_unavailable",
            KeyState.ENABLED,
        ),
        _row(
            "ResourceUnavailable.CmkNotPendingDelete",
            "As the CMK is not scheduled for deletion, you cannot cancel the schedule deletion.",
            "key_unavailable",
        ),
        _row("UnsupportedOperation", "The operation is not supported.", "invalid_request"),
        _row(
            "UnsupportedOperation.ExternalCmkCanNotRotate",
            "External CMKs cannot be rotated.",
            "invalid_request",
        ),
        _row(
            "UnsupportedOperation.RotateNotSupported",
            "The key cannot be rotated.",
            "invalid_request",
        ),
        _row(
            "UnsupportedOperation.UnsupportedKeyUsageInCurrentRegion",
            "The encryption method is not supported in the current region.",
            "wrong_key_type",
        ),
        _row("FailedOperation.DecryptError", "Decryption failed.", "decryption_failed"),
        _row("FailedOperation.EncryptionError", "Encryption failed.", "service_error"),
        _row("FailedOperation", "Operation failed.", "service_error"),
        _row(
            "LimitExceeded.CmkLimitExceeded",
            "The number of CMKs has reached the upper limit.",
            "invalid_request",
        ),
        _row(
            "RequestLimitExceeded",
            "Your request rate exceeds the limit.",
            "throttled",
            source=_COMMON,
        ),
        *(
            _row(code, message, "throttled", source=_COMMON + "; " + _RETRYER)
            for code, message in (
                (
                    "RequestLimitExceeded.UinLimitExceeded",
                    "The number of uin requests exceeds the frequency limit.",
                ),
                (
                    "RequestLimitExceeded.IPLimitExceeded",
                    "The number of ip requests exceeds the frequency limit.",
                ),
                (
                    "RequestLimitExceeded.GlobalRegionUinLimitExceeded",
                    "Uin exceeds the frequency limit.",
                ),
            )
        ),
        _row(
            "RequestLimitExceeded.RotateRateLimited",
            "A key can be rotated once in 24 hours by default.",
            "invalid_request",
        ),
        _row(
            "AuthFailure.SignatureFailure",
            "The provided credentials could not be validated. Please check your signature is "
            "correct.",
            "access_denied",
            source=_COMMON,
        ),
        _row(
            "AuthFailure.SignatureExpire",
            "Signature expired. Timestamp and server time cannot differ by more than 5 minutes.",
            "access_denied",
            source=_COMMON,
        ),
        _row(
            "AuthFailure.SecretIdNotFound",
            "The SecretId is not found.",
            "access_denied",
            source=_COMMON,
        ),
        _row("AuthFailure.TokenFailure", "Token error.", "access_denied", source=_COMMON),
        _row(
            "AuthFailure.InvalidAuthorization",
            "The Authorization header does not conform to the standard.",
            "access_denied",
            source=_COMMON,
        ),
        _row(
            "AuthFailure.UnauthorizedOperation", "The request is not authorized.", "access_denied"
        ),
        _row("UnauthorizedOperation", "Unauthorized operation.", "access_denied"),
        _row(
            "InvalidAction",
            "The action `{name}` does not exist.",
            "invalid_request",
            source=_COMMON,
        ),
        _row("NoSuchVersion", "The API version does not exist.", "invalid_request", source=_COMMON),
        _row("InternalError", "Internal error.", "service_error"),
        _row(
            "DryRunOperation",
            "DryRun operation: the request would have succeeded, but DryRun was set.",
            "dry_run_passed",
            source=_COMMON,
        ),
    )
}

SITUATIONS = {
    Situation.MISSING_PARAMETER: "MissingParameter",
    Situation.INVALID_PARAMETER: "InvalidParameter",
    Situation.INVALID_KEY_ID: "InvalidParameterValue.InvalidKeyId",
    Situation.KEY_NOT_FOUND: "ResourceUnavailable.CmkNotFound",
    Situation.ALIAS_NOT_FOUND: "InvalidParameterValue.InvalidKeyId",
    Situation.ALIAS_EXISTS: "InvalidParameterValue.AliasAlreadyExists",
    Situation.INVALID_ALIAS: "InvalidParameterValue.InvalidAlias",
    Situation.KEY_DISABLED: "ResourceUnavailable.CmkDisabled",
    Situation.KEY_PENDING_DELETION: "ResourceUnavailable.KeyPendingDelete",
    Situation.KEY_PENDING_IMPORT: "ResourceUnavailable.CmkStateNotSupport",
    Situation.KEY_ARCHIVED: "ResourceUnavailable.CmkArchived",
    Situation.INVALID_STATE: "ResourceUnavailable.CmkStateNotSupport",
    Situation.WRONG_KEY_TYPE: "InvalidParameterValue.InvalidKeyUsage",
    Situation.PLAINTEXT_TOO_LARGE: "InvalidParameterValue.InvalidPlaintext",
    Situation.INVALID_PLAINTEXT: "InvalidParameterValue.InvalidPlaintext",
    Situation.CONTEXT_INVALID: "InvalidParameter",
    Situation.CONTEXT_TOO_LARGE: "InvalidParameter",
    Situation.INVALID_CIPHERTEXT: "InvalidParameterValue.InvalidCiphertext",
    Situation.DECRYPT_FAILED: "InvalidParameterValue.InvalidCiphertext",
    Situation.THROTTLED: "RequestLimitExceeded",
    Situation.UNKNOWN_ACTION: "InvalidAction",
    Situation.UNKNOWN_PARAMETER: "UnknownParameter",
    Situation.UNSUPPORTED_OPERATION: "UnsupportedOperation",
    Situation.LIMIT_EXCEEDED: "LimitExceeded.CmkLimitExceeded",
    Situation.ROTATION_TOO_SOON: "RequestLimitExceeded.RotateRateLimited",
    Situation.INVALID_DELETION_WINDOW: "InvalidParameter.InvalidPendingWindowInDays",
    Situation.NOT_PENDING_DELETION: "ResourceUnavailable.CmkNotPendingDelete",
    Situation.SHOULD_BE_DISABLED: "ResourceUnavailable.CmkShouldBeDisabled",
    Situation.INTERNAL: "InternalError",
    # -- situations Tencent's KMS API cannot meet (marked decisions, docs/architecture.md):
    # it has no Algorithm, Iv, PaddingMode or Aad parameter, so no page states a code;
    # the generic parameter code stands in, as for any parameter it does not take
    Situation.INVALID_ALGORITHM: "InvalidParameter",
    Situation.INVALID_IV: "InvalidParameter",
    Situation.INVALID_PADDING: "InvalidParameter",
    Situation.AAD_TOO_LARGE: "InvalidParameter",
    # the emulator's answer to a request body over its limit (wire.py), a decision too
    Situation.BODY_TOO_LARGE: "InvalidParameter",
    # KMS has no DryRun parameter; the API 3.0 common code for a passed dry run is this one
    Situation.DRY_RUN_PASSED: "DryRunOperation",
}

#: request parameters per action, as ``tencentcloud-sdk-python``'s kms models
#: (``<Action>Request``) name them; the common parameters (Action, Version,
#: Region, Timestamp, Nonce, SecretId, Signature, ...) are stripped first
_KEY_ID = frozenset({"KeyId", "MemberAccount"})
KNOWN_PARAMS: dict[str, frozenset[str]] = {
    "Encrypt": frozenset({"KeyId", "Plaintext", "EncryptionContext"}),
    "Decrypt": frozenset(
        {"CiphertextBlob", "EncryptionContext", "EncryptionPublicKey", "EncryptionAlgorithm"}
    ),
    "GenerateDataKey": frozenset(
        {
            "KeyId",
            "KeySpec",
            "NumberOfBytes",
            "EncryptionContext",
            "EncryptionPublicKey",
            "EncryptionAlgorithm",
            "IsHostedByKms",
            "DataKeyName",
            "Description",
            "HsmClusterId",
            "Tags",
        }
    ),
    "CreateKey": frozenset({"Alias", "Description", "KeyUsage", "Type", "Tags", "HsmClusterId"}),
    "DescribeKey": _KEY_ID,
    "DescribeKeys": frozenset({"KeyIds", "MemberAccount"}),
    "ListKeys": frozenset({"Offset", "Limit", "Role", "HsmClusterId"}),
    "ListKeyDetail": frozenset(
        {
            "Offset",
            "Limit",
            "Role",
            "OrderType",
            "KeyState",
            "SearchKeyAlias",
            "Origin",
            "KeyUsage",
            "TagFilters",
            "HsmClusterId",
            "MemberAccounts",
        }
    ),
    "UpdateAlias": _KEY_ID | {"Alias"},
    "EnableKey": _KEY_ID,
    "DisableKey": _KEY_ID,
    "ArchiveKey": _KEY_ID,
    "CancelKeyArchive": _KEY_ID,
    "ScheduleKeyDeletion": _KEY_ID | {"PendingWindowInDays"},
    "CancelKeyDeletion": _KEY_ID,
    "EnableKeyRotation": _KEY_ID | {"RotateDays"},
    "DisableKeyRotation": _KEY_ID,
    "GetKeyRotationStatus": _KEY_ID,
    "RotateKey": _KEY_ID,
    # the asymmetric actions (T3: SignByAsymmetricKeyRequest, VerifyByAsymmetricKeyRequest,
    # GetPublicKeyRequest, AsymmetricRsaDecryptRequest, AsymmetricSm2DecryptRequest)
    "SignByAsymmetricKey": frozenset({"KeyId", "Algorithm", "Message", "MessageType"}),
    "VerifyByAsymmetricKey": frozenset(
        {"KeyId", "SignatureValue", "Message", "Algorithm", "MessageType"}
    ),
    "GetPublicKey": frozenset({"KeyId"}),
    "AsymmetricRsaDecrypt": frozenset({"KeyId", "Ciphertext", "Algorithm"}),
    "AsymmetricSm2Decrypt": frozenset({"KeyId", "Ciphertext"}),
    # the rest the fake answers (T3: ReEncryptRequest, GenerateRandomRequest,
    # UpdateKeyDescriptionRequest; GetRegions, GetServiceStatus, ListAlgorithms take none)
    "ReEncrypt": frozenset(
        {
            "CiphertextBlob",
            "DestinationKeyId",
            "SourceEncryptionContext",
            "DestinationEncryptionContext",
        }
    ),
    "GenerateRandom": frozenset({"NumberOfBytes"}),
    "UpdateKeyDescription": frozenset({"KeyId", "Description", "MemberAccount"}),
    "GetRegions": frozenset(),
    "GetServiceStatus": frozenset(),
    "ListAlgorithms": frozenset(),
}

#: what each asymmetric spec signs with (SignByAsymmetricKey, docs/dialects.md 3.12: T18)
SIGNING_ALGORITHMS = {
    KeySpec.RSA_2048: (SigningAlgorithm.RSA_PSS_SHA_256, SigningAlgorithm.RSA_PKCS1_SHA_256),
    KeySpec.EC_P256: (SigningAlgorithm.ECDSA_SHA_256,),
    KeySpec.EC_SM2: (SigningAlgorithm.SM2DSA,),
}
#: the ``Algorithm`` SignByAsymmetricKey and VerifyByAsymmetricKey take for each (T18)
NATIVE_SIGNING_ALGORITHMS = {
    SigningAlgorithm.RSA_PSS_SHA_256: "RSA_PSS_SHA_256",
    SigningAlgorithm.RSA_PKCS1_SHA_256: "RSA_PKCS1_SHA_256",
    SigningAlgorithm.ECDSA_SHA_256: "ECC_P256_R1",
    SigningAlgorithm.SM2DSA: "SM2DSA",
}
#: what each asymmetric spec decrypts (AsymmetricRsaDecrypt's Algorithm, AsymmetricSm2Decrypt;
#: T3); Tencent has no encrypt action: the public key encrypts (docs/dialects.md 3.12)
ENCRYPTION_ALGORITHMS = {
    KeySpec.RSA_2048: (
        AsymmetricAlgorithm.RSAES_OAEP_SHA_256,
        AsymmetricAlgorithm.RSAES_OAEP_SHA_1,
    ),
    KeySpec.EC_SM2: (AsymmetricAlgorithm.SM2PKE,),
}
#: AsymmetricRsaDecrypt's ``Algorithm``: "当前支持RSAES_PKCS1_V1_5、RSAES_OAEP_SHA_1、
#: RSAES_OAEP_SHA_256" (T3); the neutral API offers the two OAEP ones
RSA_DECRYPT_ALGORITHMS = ("RSAES_PKCS1_V1_5", "RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256")
#: AsymmetricSm2Decrypt: "原始密文长度不能超过256字节" (the raw C1C3C2_ASN1 ciphertext is at
#: most 256 bytes, T3); its DER takes at most 110 bytes beside the plaintext (a 3-byte
#: SEQUENCE header, two 33-byte INTEGERs with their 2-byte headers, C3's 34 bytes, C2's
#: 3-byte header), so 146 plaintext bytes always fit
SM2_MAX_PLAINTEXT = 256 - 110
#: SignByAsymmetricKey: a RAW ``Message`` is at most 4096 bytes, a DIGEST exactly 32 (T18)
MAX_SIGN_MESSAGE = 4096


def rotation_policy_shown(enabled: bool, period_days: int | None) -> dict[str, object]:
    """DescribeKey's ``KeyRotationEnabled`` (and ``RotateDays``) for a policy."""
    if not enabled or period_days is None:
        return {"KeyRotationEnabled": False}
    return {"KeyRotationEnabled": True, "RotateDays": period_days}


RULES = DialectRules(
    dialect=Dialect.TENCENT,
    limits=Limits(
        max_plaintext=4096,
        max_context_chars=MAX_CONTEXT_CHARS,
        max_aad=None,
        max_body=None,
        data_key_bytes=(1, 1024),
        action_qps={"Encrypt": 300, "Decrypt": 300, "GenerateDataKey": 100},
    ),
    features=frozenset(
        {
            Feature.ROTATION,
            Feature.ARCHIVE,
            Feature.RE_ENCRYPT,
            Feature.RANDOM,
            Feature.ASYMMETRIC_SIGN,
            Feature.ASYMMETRIC_ENCRYPT,
            Feature.PUBLIC_KEY,
        }
    ),
    errors=ERRORS,
    situations=SITUATIONS,
    decrypt_failure_codes=frozenset({"InvalidParameterValue.InvalidCiphertext"}),
    known_params=KNOWN_PARAMS,
    # RotateKey: at most once in 24 hours (the first rotation may come at once)
    rotation_min_days=1,
    # RotateKey refuses a key whose rotation is not enabled: T1 describes
    # UnsupportedOperation.RotateNotSupported as "不支持轮转", with the causes
    # "未开启轮转、外部密钥、副本密钥" (rotation not enabled, an external key, a replica
    # key); T2 lists it for RotateKey
    rotation_needs_policy=True,
    # CancelKeyDeletion leaves the key Disabled (docs/dialects.md, the state table)
    state_after_cancel_deletion=KeyState.DISABLED,
    max_description=MAX_DESCRIPTION_BYTES,
    description_measure="bytes",
    rotation_policy_shown=rotation_policy_shown,
)

#: Tencent ``KeyState`` strings -> neutral states
STATE_NAMES = {
    "Enabled": KeyState.ENABLED,
    "Disabled": KeyState.DISABLED,
    "PendingDelete": KeyState.PENDING_DELETION,
    "PendingImport": KeyState.PENDING_IMPORT,
    "Archived": KeyState.ARCHIVED,
}
#: Tencent ``KeyUsage`` for the neutral specs it has
USAGE_FOR_SPEC = {
    KeySpec.AES_256: "ENCRYPT_DECRYPT",
    KeySpec.RSA_2048: "ASYMMETRIC_DECRYPT_RSA_2048",
    KeySpec.EC_SM2: "ASYMMETRIC_DECRYPT_SM2",
}
SPEC_FOR_USAGE = {
    "ENCRYPT_DECRYPT": KeySpec.AES_256,
    "ASYMMETRIC_DECRYPT_RSA_2048": KeySpec.RSA_2048,
    "ASYMMETRIC_DECRYPT_SM2": KeySpec.EC_SM2,
    "ASYMMETRIC_SIGN_VERIFY_RSA_2048": KeySpec.RSA_2048,
    "ASYMMETRIC_SIGN_VERIFY_SM2": KeySpec.EC_SM2,
    "ASYMMETRIC_SIGN_VERIFY_ECC": KeySpec.EC_P256,
}
#: Tencent ``KeyUsage`` of a signing key of each neutral spec (CreateKey's KeyUsage values)
SIGNING_USAGE_FOR_SPEC = {
    KeySpec.RSA_2048: "ASYMMETRIC_SIGN_VERIFY_RSA_2048",
    KeySpec.EC_SM2: "ASYMMETRIC_SIGN_VERIFY_SM2",
    KeySpec.EC_P256: "ASYMMETRIC_SIGN_VERIFY_ECC",
}


def valid_alias_name(name: str) -> bool:
    """A Tencent ``Alias``: 1 to 60 of ``[A-Za-z0-9_-]``, first a letter or digit,
    not ``kms-...`` in any case (CreateKeyRequest.Alias, docs/dialects.md).

    >>> valid_alias_name("orders"), valid_alias_name("KMS-x"), valid_alias_name("a/b")
    (True, False, False)
    """
    return bool(ALIAS_PATTERN.fullmatch(name)) and not name.lower().startswith(
        RESERVED_ALIAS_PREFIX
    )


def lower_context(context: Mapping[str, str] | None) -> str | None:
    """``EncryptionContext``: the canonical JSON string (sorted, compact)."""
    return canonical_context_json(context) if context else None


def parse_context(text: str) -> dict[str, str] | None:
    """Parse an ``EncryptionContext`` string; ``None`` when it is not a JSON object of strings."""
    try:
        value = json.loads(text)
    except ValueError:
        return None
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        return None
    return value


def blob_text(ciphertext: bytes | str) -> str:
    """The ``CiphertextBlob`` text of a ciphertext (ASCII bytes from ``encrypt``, or text)."""
    if isinstance(ciphertext, str):
        return ciphertext
    try:
        return ciphertext.decode("ascii")
    except UnicodeDecodeError:
        raise RULES.fail(Situation.INVALID_CIPHERTEXT) from None


def _b64(data: bytes) -> str:
    return _base64.encode(data)


class _AliasCache:
    def __init__(self, size: int = 64, ttl: float = 60.0) -> None:
        self._items: OrderedDict[str, tuple[float, str]] = OrderedDict()
        self._size, self._ttl = size, ttl
        self._lock = threading.Lock()

    def get(self, alias: str) -> str | None:
        with self._lock:
            hit = self._items.get(alias)
            if hit is None or hit[0] < time.monotonic():
                self._items.pop(alias, None)
                return None
            return hit[1]

    def put(self, alias: str, key_id: str) -> None:
        with self._lock:
            self._items[alias] = (time.monotonic() + self._ttl, key_id)
            self._items.move_to_end(alias)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


class TencentCrypto(Protocol):
    """The typed seam of Tencent's crypto calls: what :class:`TencentOperations` asks
    of a driver, in the API's terms (bytes, not Base64; the context as a map, which
    the API carries as its canonical JSON). The fake offers it (``tencent_crypto``);
    any driver of the native API gets it through :class:`NativeTencentCrypto`. Each
    call returns ``(answer, request id)``.
    """

    def encrypt(
        self, key_id: str, plaintext: bytes, context: Mapping[str, str] | None, /
    ) -> tuple[tuple[bytes, str], str]:
        """``Encrypt``: ((the ``CiphertextBlob`` as ASCII bytes, ``KeyId``), request id)."""
        ...

    def decrypt(
        self, ciphertext: bytes | str, context: Mapping[str, str] | None, /
    ) -> tuple[tuple[bytes, str], str]:
        """``Decrypt``: ((the plaintext, ``KeyId``), request id)."""
        ...


class NativeTencentCrypto:
    """:class:`TencentCrypto` over a driver's native ``call``: the requests and answers
    exactly as the API and its SDKs model them."""

    def __init__(self, call: NativeCall) -> None:
        self.call = call

    def encrypt(
        self, key_id: str, plaintext: bytes, context: Mapping[str, str] | None, /
    ) -> tuple[tuple[bytes, str], str]:
        r = self.call(
            api.ENCRYPT,
            KeyId=key_id,
            Plaintext=_b64(plaintext),
            EncryptionContext=lower_context(context),
        )
        return (r["CiphertextBlob"].encode("ascii"), r["KeyId"]), r["RequestId"]

    def decrypt(
        self, ciphertext: bytes | str, context: Mapping[str, str] | None, /
    ) -> tuple[tuple[bytes, str], str]:
        r = self.call(
            api.DECRYPT,
            CiphertextBlob=blob_text(ciphertext),
            EncryptionContext=lower_context(context),
        )
        return (base64.b64decode(r["Plaintext"]), r["KeyId"]), r["RequestId"]


class TencentOperations(DialectOperations):
    """Neutral operations over Tencent KMS."""

    rules = RULES
    actions = api.ACTIONS

    def __init__(self, driver: Driver) -> None:
        super().__init__(driver)
        self._aliases = _AliasCache()
        offered: TencentCrypto | None = getattr(driver, "tencent_crypto", None)
        self.crypto: TencentCrypto = offered or NativeTencentCrypto(self.call)

    @classmethod
    def check_context_rules(cls, context: Mapping[str, str]) -> None:
        cls.rules.check_context_size(context, MAX_CONTEXT_CHARS)

    @classmethod
    def check_alias_rules(cls, alias: str) -> None:
        """Tencent holds ``alias/<name>`` as ``<name>``: 1 to 60 of ``[A-Za-z0-9_-]``,
        first a letter or digit, not ``kms-...`` (reserved); no ``/``."""
        if alias.startswith(ALIAS_PREFIX) and valid_alias_name(cls.native_alias(alias)):
            return
        row = cls.rules.situation(Situation.INVALID_ALIAS)
        raise InvalidRequestError(
            f"a {cls.rules.dialect} alias is alias/ followed by 1 to 60 of A-Z a-z 0-9 _ - (no "
            f"/), starting with a letter or digit and not with kms- (reserved), got {alias!r}",
            field="alias",
            dialect=cls.rules.dialect,
            code=row.code,
            http_status=row.http_status,
        )

    @staticmethod
    def native_alias(alias: str) -> str:
        """``alias/<name>`` -> ``<name>``, Tencent's ``Alias`` parameter."""
        return alias[len(ALIAS_PREFIX) :] if alias.startswith(ALIAS_PREFIX) else alias

    def key_id(self, key: str) -> str:
        """``alias/<name>`` -> KeyId through ``ListKeyDetail`` (cached); ids pass through."""
        if not key.startswith(ALIAS_PREFIX):
            return key
        name = self.native_alias(key)
        cached = self._aliases.get(name)
        if cached:
            return cached
        offset = 0
        while True:
            r = self.call(
                api.LIST_KEY_DETAIL,
                Offset=offset,
                Limit=200,
                SearchKeyAlias=name,
                KeyUsage="ALL",
            )
            metas = r.get("KeyMetadatas") or []
            for meta in metas:
                if meta.get("Alias") == name:
                    self._aliases.put(name, meta["KeyId"])
                    return str(meta["KeyId"])
            offset += len(metas)
            if not metas or offset >= int(r.get("TotalCount", 0)):
                raise KeyNotFoundError(
                    f"no Tencent key has the alias {name!r}",
                    dialect=self.rules.dialect,
                    code="ResourceUnavailable.CmkNotFound",
                    http_status=200,
                    request_id=r.get("RequestId"),
                )

    def encrypt(self, key: str, plaintext: bytes, opts: EncryptOptions) -> EncryptResult:
        (blob, key_id), request_id = self.crypto.encrypt(self.key_id(key), plaintext, opts.context)
        return EncryptResult(  # positional: keywords cost 0.3 us here
            blob, key_id, None, None, None, request_id, self.rules.dialect
        )

    def sealed(self, r: api.EncryptAnswer) -> EncryptResult:
        """The result of an ``Encrypt`` or ``ReEncrypt`` answer."""
        return EncryptResult(
            ciphertext=r["CiphertextBlob"].encode("ascii"),
            key_id=r["KeyId"],
            key_version_id=None,
            algorithm=None,
            iv=None,
            request_id=r["RequestId"],
            dialect=self.rules.dialect,
        )

    def decrypt(
        self, ciphertext: bytes | str, opts: EncryptOptions, key: str | None
    ) -> DecryptResult:
        if key is not None:
            self.rules.require(Feature.IV, "key= on decrypt")
        if type(ciphertext) is bytes and not ciphertext.isascii():
            blob_text(ciphertext)  # refused before any request, as the SDK cannot send it
        (data, key_id), request_id = self.crypto.decrypt(ciphertext, opts.context)
        return DecryptResult(  # positional: keywords cost 0.3 us here
            data, key_id, None, None, request_id, self.rules.dialect
        )

    def generate_data_key(self, key: str, number_of_bytes: int, opts: EncryptOptions) -> DataKey:
        r = self.call(
            api.GENERATE_DATA_KEY,
            KeyId=self.key_id(key),
            NumberOfBytes=number_of_bytes,
            EncryptionContext=lower_context(opts.context),
        )
        return DataKey(
            plaintext=base64.b64decode(r["Plaintext"]),
            ciphertext=r["CiphertextBlob"].encode("ascii"),
            key_id=r["KeyId"],
            key_version_id=None,
            algorithm=None,
            request_id=r["RequestId"],
            dialect=self.rules.dialect,
        )

    # -- key management -------------------------------------------------------
    def create_key(
        self,
        spec: KeySpec,
        description: str,
        alias: str | None,
        origin_external: bool,
        hsm: bool = False,
        usage: KeyUsage | None = None,
    ) -> KeyInfo:
        if hsm:
            self.rules.require(Feature.HSM_KEYS, "hsm")
        # no usage: the spec's encryption usage, or its signing one when it has no other
        # (EC_P256 is ASYMMETRIC_SIGN_VERIFY_ECC only)
        signing = usage is KeyUsage.SIGN_VERIFY or (usage is None and spec not in USAGE_FOR_SPEC)
        table = SIGNING_USAGE_FOR_SPEC if signing else USAGE_FOR_SPEC
        native_usage = table.get(spec)
        if native_usage is None:
            # Tencent's CreateKey does not choose the symmetric algorithm (the region and the
            # HSM type do: KeyMetadata.Type 4 is the SM family), has no secp256k1 or RSA 3072
            # usage, and ASYMMETRIC_SIGN_VERIFY_ECC keys only sign (T3)
            usages = sorted({*USAGE_FOR_SPEC.values(), *SIGNING_USAGE_FOR_SPEC.values()})
            raise UnsupportedByDialectError(
                f"the tencent dialect cannot create a {spec.value} key"
                + (f" for {usage.value}" if usage else "")
                + f" through CreateKey (KeyUsage values: {', '.join(usages)})",
                field="spec",
                dialect=self.rules.dialect,
            )
        r = self.call(
            api.CREATE_KEY,
            Alias=self.native_alias(alias) if alias else f"unikms-{uuid.uuid4().hex[:16]}",
            Description=description or None,
            KeyUsage=native_usage,
            Type=2 if origin_external else 1,
        )
        return self.describe_key(r["KeyId"])

    def describe_key(self, key: str) -> KeyInfo:
        r = self.call(api.DESCRIBE_KEY, KeyId=self.key_id(key))
        meta = r["KeyMetadata"]
        return KeyInfo(
            key_id=meta["KeyId"],
            arn=None,
            state=STATE_NAMES[meta["KeyState"]],
            spec=SPEC_FOR_USAGE.get(meta.get("KeyUsage", ""), KeySpec.AES_256),
            usage=KeyUsage.SIGN_VERIFY
            if "SIGN" in meta.get("KeyUsage", "")
            else KeyUsage.ENCRYPT_DECRYPT,
            origin=meta.get("Origin", ""),
            description=meta.get("Description") or "",
            created_at=parse_time(meta.get("CreateTime")),
            deletion_date=parse_time(meta.get("DeletionDate")),
            primary_version_id=None,
            versions=(),
            aliases=(ALIAS_PREFIX + meta["Alias"],) if meta.get("Alias") else (),
            request_id=r["RequestId"],
            dialect=self.rules.dialect,
            native=meta,
        )

    def list_keys(self) -> list[str]:
        ids: list[str] = []
        while True:
            r = self.call(api.LIST_KEYS, Offset=len(ids), Limit=200)
            batch = [k["KeyId"] for k in r.get("Keys") or []]
            ids.extend(batch)
            if not batch or len(ids) >= int(r.get("TotalCount", 0)):
                return ids

    def create_alias(self, alias: str, key: str) -> None:
        self.call(api.UPDATE_ALIAS, Alias=self.native_alias(alias), KeyId=self.key_id(key))
        self._aliases.clear()

    def list_aliases(self) -> dict[str, str]:
        out: dict[str, str] = {}
        offset = 0
        while True:
            r = self.call(
                api.LIST_KEY_DETAIL, Offset=offset, Limit=200, KeyUsage="ALL", SearchKeyAlias=None
            )
            metas = r.get("KeyMetadatas") or []
            out.update({ALIAS_PREFIX + m["Alias"]: m["KeyId"] for m in metas if m.get("Alias")})
            offset += len(metas)
            if not metas or offset >= int(r.get("TotalCount", 0)):
                return out

    def enable_key(self, key: str) -> None:
        self.call(api.ENABLE_KEY, KeyId=self.key_id(key))

    def disable_key(self, key: str) -> None:
        self.call(api.DISABLE_KEY, KeyId=self.key_id(key))

    def schedule_key_deletion(self, key: str, days: int) -> None:
        self.call(api.SCHEDULE_KEY_DELETION, KeyId=self.key_id(key), PendingWindowInDays=days)

    def cancel_key_deletion(self, key: str) -> None:
        self.call(api.CANCEL_KEY_DELETION, KeyId=self.key_id(key))

    def rotate_key(self, key: str) -> str | None:
        """``RotateKey``: new key material; Tencent exposes no version id, so ``None``.

        Tencent rotates on demand only a key whose rotation is enabled: otherwise
        ``UnsupportedOperation.RotateNotSupported`` (T1: "未开启轮转、外部密钥、副本密钥",
        rotation not enabled, an external key, a replica key). That code names three
        causes, so on it ``DescribeKey`` tells them apart, and a KMS-made symmetric
        primary key without ``KeyRotationEnabled`` raises
        :class:`RotationPolicyRequiredError`, which says how to turn rotation on. The
        client never turns it on itself: that would start automatic rotation as a side
        effect.
        """
        key_id = self.key_id(key)
        try:
            self.call(api.ROTATE_KEY, KeyId=key_id)
        except NativeError as err:
            if err.code == "UnsupportedOperation.RotateNotSupported" and self.needs_policy(key_id):
                raise RotationPolicyRequiredError(
                    f"Tencent rotates on demand only a key whose rotation policy is enabled, "
                    f"and key {key_id} has it off; turn it on first with "
                    f"set_rotation_policy(key, enabled=True, period_days=N) (N from 7 to 365 "
                    f"days; Tencent then also rotates the key every N days), then call "
                    f"rotate_key again",
                    field="key",
                    dialect=self.rules.dialect,
                    code=err.code,
                    http_status=err.http_status,
                    request_id=err.request_id,
                    native_message=err.message,
                ) from None
            raise
        return None

    def needs_policy(self, key_id: str) -> bool:
        """Whether ``key_id`` could rotate but for its rotation policy: made by KMS, a
        symmetric key, not a replica, ``KeyRotationEnabled`` false (``DescribeKey``; if
        that fails too, the original answer stands)."""
        try:
            meta = self.call(api.DESCRIBE_KEY, KeyId=key_id)["KeyMetadata"]
        except NativeError:
            return False
        return (
            meta.get("KeyRotationEnabled") is False
            and meta.get("Origin", "TENCENT_KMS") == "TENCENT_KMS"
            and meta.get("KeyUsage", "ENCRYPT_DECRYPT") == "ENCRYPT_DECRYPT"
            and not meta.get("IsSyncReplica")
        )

    def archive_key(self, key: str) -> None:
        self.call(api.ARCHIVE_KEY, KeyId=self.key_id(key))

    def cancel_key_archive(self, key: str) -> None:
        self.call(api.CANCEL_KEY_ARCHIVE, KeyId=self.key_id(key))

    # -- re-encryption, random bytes, descriptions, rotation ------------------
    rotation_period_days = ROTATE_DAYS
    random_bytes = RANDOM_BYTES

    @classmethod
    def check_description_rules(cls, description: str) -> None:
        size = description_size(description)
        if size > MAX_DESCRIPTION_BYTES:
            raise cls.rules.too_large(
                Situation.INVALID_PARAMETER,
                "description",
                size,
                MAX_DESCRIPTION_BYTES,
                "bytes as UTF-8",
            )

    def re_encrypt(
        self,
        ciphertext: bytes | str,
        destination_key: str,
        source_context: Mapping[str, str] | None,
        context: Mapping[str, str] | None,
    ) -> EncryptResult:
        r = self.call(
            api.RE_ENCRYPT,
            CiphertextBlob=blob_text(ciphertext),
            DestinationKeyId=self.key_id(destination_key),
            SourceEncryptionContext=lower_context(source_context),
            DestinationEncryptionContext=lower_context(context),
        )
        return self.sealed(r)

    def generate_random(self, number_of_bytes: int) -> bytes:
        r = self.call(api.GENERATE_RANDOM, NumberOfBytes=number_of_bytes)
        return base64.b64decode(r["Plaintext"])

    def update_key_description(self, key: str, description: str) -> None:
        self.call(api.UPDATE_KEY_DESCRIPTION, KeyId=self.key_id(key), Description=description)

    def set_rotation_policy(self, key: str, enabled: bool, period_days: int | None) -> None:
        if enabled:
            self.call(api.ENABLE_KEY_ROTATION, KeyId=self.key_id(key), RotateDays=period_days)
        else:
            self.call(api.DISABLE_KEY_ROTATION, KeyId=self.key_id(key))

    # -- asymmetric keys (docs/dialects.md 3.12) ----------------------------------------
    signing_algorithms = SIGNING_ALGORITHMS
    encryption_algorithms = ENCRYPTION_ALGORITHMS
    sm2_max_plaintext = SM2_MAX_PLAINTEXT
    max_sign_message = MAX_SIGN_MESSAGE

    def asymmetric_key(self, key: str, version_id: str | None) -> tuple[str, KeySpec, KeyUsage]:
        """(key id, spec, usage) of ``key``, from DescribeKey. Tencent's keys have no
        versions a request can name (T3), so a ``version_id`` is refused."""
        if version_id is not None:
            raise UnsupportedByDialectError(
                "the tencent dialect has no key versions to name: its asymmetric actions "
                "take KeyId only",
                field="version_id",
                dialect=self.rules.dialect,
            )
        meta = self.call(api.DESCRIBE_KEY, KeyId=self.key_id(key))["KeyMetadata"]
        usage = str(meta.get("KeyUsage") or "ENCRYPT_DECRYPT")
        spec = SPEC_FOR_USAGE.get(usage, KeySpec.AES_256)
        kind = KeyUsage.SIGN_VERIFY if "SIGN" in usage else KeyUsage.ENCRYPT_DECRYPT
        return str(meta["KeyId"]), spec, kind

    def sign(
        self,
        key: str,
        message: bytes | None,
        digest: bytes | None,
        algorithm: SigningAlgorithm,
        version_id: str | None,
    ) -> SignResult:
        key_id, spec, usage = self.asymmetric_key(key, version_id)
        self.check_asymmetric_key(key_id, spec, usage, algorithm)
        r = self.call(
            api.SIGN_BY_ASYMMETRIC_KEY,
            KeyId=key_id,
            Algorithm=NATIVE_SIGNING_ALGORITHMS[algorithm],
            **self.raw_or_digest(message, digest),
        )
        return SignResult(
            signature=base64.b64decode(r["Signature"]),
            key_id=key_id,
            key_version_id=None,
            algorithm=algorithm,
            request_id=r["RequestId"],
            dialect=self.rules.dialect,
        )

    def verify(
        self,
        key: str,
        signature: bytes,
        message: bytes | None,
        digest: bytes | None,
        algorithm: SigningAlgorithm,
        version_id: str | None,
    ) -> bool:
        key_id, spec, usage = self.asymmetric_key(key, version_id)
        self.check_asymmetric_key(key_id, spec, usage, algorithm)
        r = self.call(
            api.VERIFY_BY_ASYMMETRIC_KEY,
            KeyId=key_id,
            Algorithm=NATIVE_SIGNING_ALGORITHMS[algorithm],
            SignatureValue=_b64(signature),
            **self.raw_or_digest(message, digest),
        )
        return r["SignatureValid"]

    def get_public_key(self, key: str, version_id: str | None) -> PublicKey:
        key_id, spec, usage = self.asymmetric_key(key, version_id)
        self.check_asymmetric_key(key_id, spec, usage, None)
        r = self.call(api.GET_PUBLIC_KEY, KeyId=key_id)
        der = base64.b64decode(r["PublicKey"])
        return self.public_key_of(
            der, r["KeyId"], spec, usage, r["RequestId"], pem=str(r["PublicKeyPem"])
        )

    def encrypt_asymmetric(
        self,
        key: str,
        plaintext: bytes,
        algorithm: AsymmetricAlgorithm,
        version_id: str | None,
    ) -> AsymmetricEncryptResult:
        """Tencent has no asymmetric encrypt action (T3: only AsymmetricRsaDecrypt and
        AsymmetricSm2Decrypt; "密文必须是使用对应公钥加密的", the ciphertext must be made with
        the matching public key): the lowering is GetPublicKey, then RSAES-OAEP here with
        ``cryptography`` or SM2 (C1C3C2_ASN1, as AsymmetricSm2Decrypt takes it) with
        ``gmalg``. The result's ``request_id`` is GetPublicKey's."""
        public = self.get_public_key(key, version_id)
        self.check_asymmetric_key(public.key_id, public.spec, public.usage, algorithm)
        self.check_asymmetric_plaintext(public.spec, algorithm, len(plaintext))
        if algorithm is AsymmetricAlgorithm.SM2PKE:
            from unikms.dialects.tencent import sm2

            try:
                sealed = sm2.encrypt(sm2.load_public_key(public.pem), plaintext, asn1=True)
            except sm2.Sm2Unavailable as err:
                raise UnsupportedByDialectError(
                    f"SM2PKE on the tencent dialect encrypts here with the public key: {err}",
                    field="algorithm",
                    dialect=self.rules.dialect,
                ) from None
        else:
            from unikms.asymmetric import encrypt_locally

            sealed = encrypt_locally(public.der, plaintext, algorithm)
        return AsymmetricEncryptResult(
            ciphertext=sealed,
            key_id=public.key_id,
            key_version_id=None,
            algorithm=algorithm,
            request_id=public.request_id,
            dialect=self.rules.dialect,
        )

    def decrypt_asymmetric(
        self,
        key: str,
        ciphertext: bytes,
        algorithm: AsymmetricAlgorithm,
        version_id: str | None,
    ) -> DecryptResult:
        key_id, spec, usage = self.asymmetric_key(key, version_id)
        self.check_asymmetric_key(key_id, spec, usage, algorithm)
        if algorithm is AsymmetricAlgorithm.SM2PKE:
            r = self.call(api.ASYMMETRIC_SM2_DECRYPT, KeyId=key_id, Ciphertext=_b64(ciphertext))
        else:
            r = self.call(
                api.ASYMMETRIC_RSA_DECRYPT,
                KeyId=key_id,
                Ciphertext=_b64(ciphertext),
                Algorithm=algorithm.value,
            )
        return DecryptResult(
            plaintext=base64.b64decode(r["Plaintext"]),
            key_id=r["KeyId"],
            key_version_id=None,
            algorithm=algorithm.value,
            request_id=r["RequestId"],
            dialect=self.rules.dialect,
        )
