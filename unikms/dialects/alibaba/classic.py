"""Alibaba Cloud KMS classic OpenAPI 2016-01-20: rules and neutral operations.

Native parameters are those of ``alibabacloud-kms20160120`` request models:
``Plaintext`` and ``CiphertextBlob`` are Base64 strings, ``EncryptionContext``
a ``dict``, ``DryRun`` the string ``"true"``. Sources for every rule are in
``docs/dialects.md``.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Mapping
from typing import Any, Protocol, TypeAlias, TypeVar

from unikms import _base64
from unikms.dialects.alibaba import classic_api as api
from unikms.dialects.alibaba import gateway_api
from unikms.dialects.alibaba.common import (
    ADVANCE_MAGIC,
    ARN_PREFIX,
    CLASSIC_GCM_HEADER,
    SPEC_NAMES,
    SPECS_BY_NAME,
    parse_key_ref,
    valid_alias,
)
from unikms.dialects.base import (
    DialectOperations,
    DialectRules,
    EncryptOptions,
    ErrorSpec,
    Feature,
    Limits,
    Situation,
    parse_time,
)
from unikms.errors import InvalidRequestError, KmsError, UnsupportedByDialectError
from unikms.native import Action, Driver, NativeCall, NativeError
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
    KeyVersionInfo,
    PublicKey,
    SigningAlgorithm,
    SignResult,
)

__all__ = ["RULES", "AlibabaClassicOperations", "errors_table"]

_COMMON = "https://www.alibabacloud.com/help/en/kms/key-management-service/support/sample-responses"
_STATES = (
    "https://www.alibabacloud.com/help/en/kms/key-management-service/developer-reference/"
    "impact-of-cmk-status-on-api-operations"
)
_LIMITS = "https://alibabacloud.com/help/en/kms/key-management-service/support/limits"
_VERSION = "https://www.alibabacloud.com/help/doc-detail/133838.htm"
_DRYRUN = "alibabacloud-go/kms-20160120:client/encrypt_request_model.go (DryRun)"
_INFER = "inference, see docs/dialects.md"
#: the OpenAPI gateway's own flow-control codes, which answer for every product behind it
_POP_THROTTLING = (
    "https://help.aliyun.com/zh/ecs/developer-reference/api-throttling; "
    "https://help.aliyun.com/document_detail/149360.htm (Throttling.User); "
    "https://developer.aliyun.com/ask/635553 (Throttling.Api)"
)
#: the OpenAPI gateway's common client errors, as other products publish them (no KMS page)
_OPENAPI_COMMON = "https://help.aliyun.com/document_detail/51132.html (decision, docs/dialects.md)"
#: the OpenAPI gateway's common errors ("管控OpenAPI的客户端公用错误码")
_GATEWAY_COMMON = "https://developer.aliyun.com/ask/278265 ; docs/dialects.md (C27)"


def errors_table(*rows: ErrorSpec) -> dict[str, ErrorSpec]:
    return {row.code: row for row in rows}


ERRORS = errors_table(
    ErrorSpec(
        "MissingParameter",
        400,
        'The parameter "{name}" is needed but not provided.',
        "invalid_request",
        source=_COMMON,
    ),
    ErrorSpec(
        "InvalidParameter",
        400,
        'The specified parameter "{name}" is not valid.',
        "invalid_request",
        source=_COMMON,
    ),
    ErrorSpec(
        "UnsupportedParameter",
        400,
        'The parameter "{name}" is not supported.',
        "invalid_request",
        source=_OPENAPI_COMMON,
    ),
    ErrorSpec(
        "Forbidden.KeyNotFound",
        404,
        "The specified Key is not found.",
        "key_not_found",
        source=_COMMON,
    ),
    ErrorSpec(
        "Forbidden.KeyVersionNotFound",
        404,
        "The specified Key version is not found.",
        "key_not_found",
        source=_COMMON,
    ),
    ErrorSpec(
        "Forbidden.AliasNotFound",
        404,
        "The specified Alias is not found.",
        "key_not_found",
        source=_COMMON,
    ),
    ErrorSpec(
        "AliasAlreadyExists", 400, "AliasName Already Exists.", "already_exists", source=_COMMON
    ),
    ErrorSpec(
        "Rejected.Disabled",
        409,
        "The request was rejected because the key state is Disabled.",
        "key_unavailable",
        KeyState.DISABLED,
        source=_STATES,
    ),
    ErrorSpec(
        "Rejected.PendingDeletion",
        409,
        "The request was rejected because the key state is PendingDeletion.",
        "key_unavailable",
        KeyState.PENDING_DELETION,
        source=_STATES,
    ),
    ErrorSpec(
        "Rejected.PendingImport",
        409,
        "The request was rejected because the key state is PendingImport.",
        "key_unavailable",
        KeyState.PENDING_IMPORT,
        source=_STATES,
    ),
    ErrorSpec(
        "Rejected.StateModifiedFailed",
        409,
        "Keystate modified failed.",
        "key_unavailable",
        source=_STATES,
    ),
    ErrorSpec(
        "Rejected.Unavailable",
        409,
        "The request was rejected because the key state is Unavailable.",
        "key_unavailable",
        source=_COMMON,
    ),
    ErrorSpec(
        "UnsupportedOperation",
        400,
        "This action is not supported.",
        "wrong_key_type",
        source=_INFER,
    ),
    ErrorSpec(
        "Rejected.UnsupportedOperation",
        400,
        "Unsupported operation.",
        "invalid_request",
        source=_VERSION,
    ),
    ErrorSpec(
        "Rejected.LimitExceeded",
        400,
        "The request was rejected because user create resource limit was exceeded.",
        "invalid_request",
        source=_COMMON,
    ),
    ErrorSpec(
        "DryRunOperationError",
        400,
        "Request validation has been passed with DryRun flag set.",
        "dry_run_passed",
        source=_DRYRUN,
    ),
    ErrorSpec(
        "ValidationError",
        400,
        "The request parameters are not valid.",
        "invalid_request",
        source=_DRYRUN,
    ),
    ErrorSpec("AccessDeniedError", 403, "Access denied.", "access_denied", source=_DRYRUN),
    ErrorSpec("Rejected.Throttling", 429, "QPS Limit Exceeded", "throttled", source=_LIMITS),
    ErrorSpec(
        "Throttling",
        400,
        "Request was denied due to request throttling.",
        "throttled",
        source=_COMMON,
    ),
    ErrorSpec(
        "Throttling.User",
        400,
        "Request was denied due to user flow control.",
        "throttled",
        source=_POP_THROTTLING,
    ),
    ErrorSpec(
        "Throttling.Api",
        400,
        "Request was denied due to api flow control.",
        "throttled",
        source=_POP_THROTTLING,
    ),
    ErrorSpec(
        "InvalidAccessKeyId.NotFound",
        404,
        "The AccessKey ID provided does not exist in our records.",
        "access_denied",
        source=_COMMON,
    ),
    ErrorSpec(
        "Forbidden.NoPermission",
        403,
        "This operation is forbidden by permission system.",
        "access_denied",
        source=_COMMON,
    ),
    ErrorSpec(
        "IncompleteSignature",
        400,
        "The request signature does not conform to Alibaba Cloud standards.",
        "access_denied",
        source=_COMMON,
    ),
    ErrorSpec(
        "SignatureDoesNotMatch",
        400,
        "Specified signature is not matched with our calculation.",
        "access_denied",
        source="shared/docs/wire-protocols.md 1.5.1",
    ),
    ErrorSpec(
        "IllegalTimestamp",
        400,
        'The input parameter "Timestamp" that is required for processing this request '
        "is not supplied.",
        "access_denied",
        source=_COMMON,
    ),
    ErrorSpec(
        "InvalidTimeStamp.Expired",
        400,
        "Specified time stamp or date value is expired.",
        "access_denied",
        source="shared/docs/wire-protocols.md 1.5.1",
    ),
    ErrorSpec(
        "SignatureNonceUsed",
        400,
        "Specified signature nonce was used already.",
        "access_denied",
        source="shared/docs/wire-protocols.md 1.5.1",
    ),
    ErrorSpec(
        "InvalidVersion",
        400,
        "Specified parameter Version is not valid.",
        "invalid_request",
        source=_INFER,
    ),
    ErrorSpec(
        "InvalidSecurityToken.MismatchWithAccessKey",
        400,
        "Specified SecurityToken is mismatch with the AccessKeyId.",
        "access_denied",
        source=_GATEWAY_COMMON,
    ),
    ErrorSpec(
        "InvalidAction.NotFound",
        404,
        "Specified api is not found, please check your url and method.",
        "invalid_request",
        source=_GATEWAY_COMMON,
    ),
    ErrorSpec("InternalFailure", 500, "Internal Failure.", "service_error", source=_COMMON),
    ErrorSpec(
        "ServiceUnavailableTemporary",
        503,
        "Service Unavailable Temporary.",
        "service_error",
        source=_COMMON,
    ),
)

SITUATIONS = {
    Situation.MISSING_PARAMETER: "MissingParameter",
    Situation.INVALID_PARAMETER: "InvalidParameter",
    Situation.INVALID_KEY_ID: "Forbidden.KeyNotFound",
    Situation.KEY_NOT_FOUND: "Forbidden.KeyNotFound",
    Situation.ALIAS_NOT_FOUND: "Forbidden.AliasNotFound",
    Situation.ALIAS_EXISTS: "AliasAlreadyExists",
    Situation.INVALID_ALIAS: "InvalidParameter",
    Situation.KEY_DISABLED: "Rejected.Disabled",
    Situation.KEY_PENDING_DELETION: "Rejected.PendingDeletion",
    Situation.KEY_PENDING_IMPORT: "Rejected.PendingImport",
    Situation.INVALID_STATE: "Rejected.StateModifiedFailed",
    Situation.WRONG_KEY_TYPE: "UnsupportedOperation",
    Situation.PLAINTEXT_TOO_LARGE: "InvalidParameter",
    Situation.INVALID_PLAINTEXT: "InvalidParameter",
    Situation.CONTEXT_INVALID: "InvalidParameter",
    Situation.CONTEXT_TOO_LARGE: "InvalidParameter",
    Situation.INVALID_CIPHERTEXT: "InvalidParameter",
    Situation.DECRYPT_FAILED: "InvalidParameter",
    Situation.DRY_RUN_PASSED: "DryRunOperationError",
    Situation.THROTTLED: "Rejected.Throttling",
    Situation.UNKNOWN_ACTION: "InvalidAction.NotFound",
    Situation.UNKNOWN_PARAMETER: "UnsupportedParameter",
    Situation.UNSUPPORTED_OPERATION: "Rejected.UnsupportedOperation",
    Situation.ROTATION_TOO_SOON: "Rejected.UnsupportedOperation",
    Situation.INVALID_DELETION_WINDOW: "InvalidParameter",
    Situation.NOT_PENDING_DELETION: "Rejected.StateModifiedFailed",
    Situation.SHOULD_BE_DISABLED: "Rejected.StateModifiedFailed",
    Situation.LIMIT_EXCEEDED: "Rejected.LimitExceeded",
    Situation.INTERNAL: "InternalFailure",
    # -- situations the classic API cannot meet (marked decisions, docs/architecture.md).
    # Alibaba has no Archived state (the seed loader refuses one); should a key reach it,
    # the classic code for "the key's state forbids this" answers, as for Unavailable
    Situation.KEY_ARCHIVED: "Rejected.Unavailable",
    # classic takes no Algorithm, Iv, PaddingMode or Aad: no page states a code, so the
    # generic one stands in, as for any parameter value the API refuses
    Situation.INVALID_ALGORITHM: "InvalidParameter",
    Situation.INVALID_IV: "InvalidParameter",
    Situation.INVALID_PADDING: "InvalidParameter",
    Situation.AAD_TOO_LARGE: "InvalidParameter",
    # a request body over the emulator's limit: InvalidParameter (classic_wire answers 413)
    Situation.BODY_TOO_LARGE: "InvalidParameter",
}

#: classic accepts at most 6 KB of data; the EncryptionContext JSON at most 8192 characters
MAX_CONTEXT_CHARS = 8192
#: CreateKeyVersion: at least 7 days between versions, at most 50 versions a key
MIN_ROTATION_DAYS = 7
MAX_VERSIONS = 50
DELETION_WINDOW = (7, 366)
#: CreateKey / UpdateKeyDescription ``Description``: at most 8192 characters
MAX_DESCRIPTION = 8192
#: GetRandomPassword ``PasswordLength`` (SDK model: 8 to 128, default 32)
PASSWORD_LENGTH = (8, 128)
#: UpdateRotationPolicy ``RotationInterval`` for software keys: 7 to 365 days, in seconds
ROTATION_INTERVAL = (7 * 86400, 365 * 86400)
_INTERVAL = re.compile(r"([0-9]{1,12})([dhms])")
_UNIT_SECONDS = {"d": 86400, "h": 3600, "m": 60, "s": 1}
#: resource tags: at most 20 a key; key 1 to 128 characters, value at most 128
MAX_TAGS = 20
MAX_TAG_CHARS = 128


def rotation_interval_seconds(text: str) -> int | None:
    """``RotationInterval`` (``integer[unit]``, unit ``d``, ``h``, ``m`` or ``s``) in
    seconds, or ``None`` unless it is of that form and within :data:`ROTATION_INTERVAL`.

    >>> rotation_interval_seconds("7d"), rotation_interval_seconds("604800s")
    (604800, 604800)
    >>> rotation_interval_seconds("6d") is None, rotation_interval_seconds("30") is None
    (True, True)
    """
    match = _INTERVAL.fullmatch(text)
    if match is None:
        return None
    seconds = int(match[1]) * _UNIT_SECONDS[match[2]]
    low, high = ROTATION_INTERVAL
    return seconds if low <= seconds <= high else None


def interval_text(days: int) -> str:
    """The ``RotationInterval`` of a whole number of days, in the ``604800s`` form."""
    return f"{days * 86400}s"


def valid_tag(key: object, value: object) -> bool:
    """Alibaba's tag rules: a key of 1 to 128 characters, not starting with ``aliyun``
    or ``acs:``; a value of at most 128; neither containing ``http://`` or ``https://``.

    >>> valid_tag("team", "payments"), valid_tag("acs:x", ""), valid_tag("", "v")
    (True, False, False)
    """
    if not isinstance(key, str) or not isinstance(value, str):
        return False
    if not 1 <= len(key) <= MAX_TAG_CHARS or len(value) > MAX_TAG_CHARS:
        return False
    if key.lower().startswith(("aliyun", ARN_PREFIX)) or value.startswith(ARN_PREFIX):
        return False
    return not any(scheme in text for text in (key, value) for scheme in ("http://", "https://"))


#: the actions with ``DryRun``, and the codes a dry run answers as ``ValidationError``
#: ("ValidationError: A parameter specified in the request is invalid", the DryRun
#: parameter of the 2016-01-20 request models)
DRY_RUN_ACTIONS = frozenset(
    {"Encrypt", "Decrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext"}
)
DRY_RUN_VALIDATION_CODES = frozenset(
    {"MissingParameter", "InvalidParameter", "UnsupportedParameter"}
)

#: request parameters per action, as the 2016-01-20 API reference and
#: ``alibabacloud_kms20160120`` request models name them (the common parameters
#: Action, Version, AccessKeyId, Signature... are stripped by the gateway first)
_KEY_ID = frozenset({"KeyId"})
_PAGES = frozenset({"PageNumber", "PageSize"})
KNOWN_PARAMS: dict[str, frozenset[str]] = {
    "Encrypt": frozenset({"KeyId", "Plaintext", "EncryptionContext", "DryRun"}),
    "Decrypt": frozenset({"CiphertextBlob", "EncryptionContext", "DryRun", "Recipient"}),
    "GenerateDataKey": frozenset(
        {"KeyId", "KeySpec", "NumberOfBytes", "EncryptionContext", "DryRun", "Recipient"}
    ),
    "GenerateDataKeyWithoutPlaintext": frozenset(
        {"KeyId", "KeySpec", "NumberOfBytes", "EncryptionContext", "DryRun"}
    ),
    "CreateKey": frozenset(
        {
            "DKMSInstanceId",
            "Description",
            "EnableAutomaticRotation",
            "KeySpec",
            "KeyStorageMechanism",
            "KeyUsage",
            "Origin",
            "Policy",
            "ProtectionLevel",
            "RotationInterval",
            "Tags",
        }
    ),
    "DescribeKey": _KEY_ID,
    "ListKeys": _PAGES | {"Filters"},
    "CreateAlias": frozenset({"AliasName", "KeyId"}),
    "UpdateAlias": frozenset({"AliasName", "KeyId"}),
    "DeleteAlias": frozenset({"AliasName"}),
    "ListAliases": _PAGES,
    "ListAliasesByKeyId": _PAGES | _KEY_ID,
    "EnableKey": _KEY_ID,
    "DisableKey": _KEY_ID,
    "ScheduleKeyDeletion": frozenset({"KeyId", "PendingWindowInDays"}),
    "CancelKeyDeletion": _KEY_ID,
    "CreateKeyVersion": _KEY_ID,
    "ListKeyVersions": _PAGES | _KEY_ID,
    "DescribeKeyVersion": frozenset({"KeyId", "KeyVersionId"}),
    # the rest the fake answers (alibabacloud_kms20160120 models: ReEncryptRequest,
    # UpdateKeyDescriptionRequest, UpdateRotationPolicyRequest, TagResourceRequest,
    # UntagResourceRequest, ListResourceTagsRequest, GetRandomPasswordRequest; the SDK
    # has no DescribeRegionsRequest: it takes no parameter)
    "ReEncrypt": frozenset(
        {
            "CiphertextBlob",
            "DestinationEncryptionContext",
            "DestinationKeyId",
            "DryRun",
            "SourceEncryptionAlgorithm",
            "SourceEncryptionContext",
            "SourceKeyId",
            "SourceKeyVersionId",
        }
    ),
    "UpdateKeyDescription": frozenset({"KeyId", "Description"}),
    "UpdateRotationPolicy": frozenset({"KeyId", "EnableAutomaticRotation", "RotationInterval"}),
    "TagResource": frozenset({"KeyId", "Tags", "CertificateId", "SecretName"}),
    "UntagResource": frozenset({"KeyId", "TagKeys", "CertificateId", "SecretName"}),
    "ListResourceTags": _KEY_ID,
    "GetRandomPassword": frozenset(
        {
            "ExcludeCharacters",
            "ExcludeLowercase",
            "ExcludeNumbers",
            "ExcludePunctuation",
            "ExcludeUppercase",
            "PasswordLength",
            "RequireEachIncludedType",
        }
    ),
    "DescribeRegions": frozenset(),
    # the asymmetric actions (alibabacloud_kms20160120 models: Asymmetric*Request,
    # GetPublicKeyRequest; docs/dialects.md 1.10)
    "AsymmetricSign": frozenset({"KeyId", "KeyVersionId", "Algorithm", "Digest", "DryRun"}),
    "AsymmetricVerify": frozenset(
        {"KeyId", "KeyVersionId", "Algorithm", "Digest", "Value", "DryRun"}
    ),
    "AsymmetricEncrypt": frozenset({"KeyId", "KeyVersionId", "Algorithm", "Plaintext", "DryRun"}),
    "AsymmetricDecrypt": frozenset(
        {"KeyId", "KeyVersionId", "Algorithm", "CiphertextBlob", "DryRun", "Recipient"}
    ),
    "GetPublicKey": frozenset({"KeyId", "KeyVersionId", "DryRun"}),
}

#: what each asymmetric spec signs and encrypts with (AsymmetricSign, AsymmetricEncrypt
#: pages: docs/dialects.md 1.10)
SIGNING_ALGORITHMS = {
    KeySpec.RSA_2048: (SigningAlgorithm.RSA_PSS_SHA_256, SigningAlgorithm.RSA_PKCS1_SHA_256),
    KeySpec.RSA_3072: (SigningAlgorithm.RSA_PSS_SHA_256, SigningAlgorithm.RSA_PKCS1_SHA_256),
    KeySpec.EC_P256: (SigningAlgorithm.ECDSA_SHA_256,),
    KeySpec.EC_P256K: (SigningAlgorithm.ECDSA_SHA_256,),
    KeySpec.EC_SM2: (SigningAlgorithm.SM2DSA,),
}
_OAEP = (AsymmetricAlgorithm.RSAES_OAEP_SHA_256, AsymmetricAlgorithm.RSAES_OAEP_SHA_1)
ENCRYPTION_ALGORITHMS = {
    KeySpec.RSA_2048: _OAEP,
    KeySpec.RSA_3072: _OAEP,
    KeySpec.EC_SM2: (AsymmetricAlgorithm.SM2PKE,),
}
#: AsymmetricEncrypt: the most an SM2PKE plaintext may be, in bytes
SM2_MAX_PLAINTEXT = 6047
#: the usages CreateKey takes per spec (CreateKey page, KeyUsage; docs/dialects.md 1.10)
USAGES = {
    **{spec: (KeyUsage.ENCRYPT_DECRYPT,) for spec in KeySpec if spec.symmetric},
    KeySpec.RSA_2048: (KeyUsage.ENCRYPT_DECRYPT, KeyUsage.SIGN_VERIFY),
    KeySpec.RSA_3072: (KeyUsage.ENCRYPT_DECRYPT, KeyUsage.SIGN_VERIFY),
    KeySpec.EC_P256: (KeyUsage.SIGN_VERIFY,),
    KeySpec.EC_P256K: (KeyUsage.SIGN_VERIFY,),
    KeySpec.EC_SM2: (KeyUsage.ENCRYPT_DECRYPT, KeyUsage.SIGN_VERIFY),
}


def rotation_policy_shown(enabled: bool, period_days: int | None) -> dict[str, object]:
    """DescribeKey's ``AutomaticRotation`` (and ``RotationInterval``) for a policy."""
    if not enabled or period_days is None:
        return {"AutomaticRotation": "Disabled"}
    return {"AutomaticRotation": "Enabled", "RotationInterval": f"{period_days * 86400}s"}


RULES = DialectRules(
    dialect=Dialect.ALIBABA_CLASSIC,
    limits=Limits(
        max_plaintext=6144,
        max_context_chars=MAX_CONTEXT_CHARS,
        max_aad=None,
        max_body=None,
        data_key_bytes=(1, 1024),
        action_qps={
            "Encrypt": 1000,
            "Decrypt": 1000,
            "GenerateDataKey": 1000,
            "GenerateDataKeyWithoutPlaintext": 1000,
        },
    ),
    features=frozenset(
        {
            Feature.DRY_RUN,
            Feature.ROTATION,
            Feature.KEY_VERSIONS,
            Feature.ARN,
            Feature.HSM_KEYS,
            Feature.RE_ENCRYPT,
            Feature.MOVABLE_ALIASES,
            Feature.TAGS,
            Feature.ASYMMETRIC_SIGN,
            Feature.ASYMMETRIC_ENCRYPT,
            Feature.PUBLIC_KEY,
        }
    ),
    errors=ERRORS,
    situations=SITUATIONS,
    decrypt_failure_codes=frozenset({"InvalidParameter"}),
    known_params=KNOWN_PARAMS,
    rotation_min_days=MIN_ROTATION_DAYS,
    max_description=MAX_DESCRIPTION,
    rotation_policy_shown=rotation_policy_shown,
)

_STATE_NAMES = {s.value: s for s in KeyState}


def lower_context(context: Mapping[str, str] | None) -> dict[str, str] | None:
    """The ``EncryptionContext`` parameter: a dict in sorted key order."""
    return {k: context[k] for k in sorted(context)} if context else None


#: Base64 digits (standard alphabet) whose value has its low 4 bits zero (A=0, Q=16, g=32,
#: w=48), and those whose value has its low 2 bits zero (multiples of 4): as characters
#: and as the byte values a ``bytes`` text indexes to
_LOW_4_BITS_ZERO = frozenset("AQgw")
_LOW_2_BITS_ZERO = frozenset("AEIMQUYcgkosw048")
_LOW_4_BITS_ZERO_BYTES = frozenset(b"AQgw")
_LOW_2_BITS_ZERO_BYTES = frozenset(b"AEIMQUYcgkosw048")


def _canonical_tail(text: str | bytes) -> bool:
    """Whether valid Base64 ``text`` is the one spelling ``b64encode`` gives its bytes:
    the bits that padding leaves over in the last digit are zero (``QUI=``, not ``QUJ=``).
    On the decrypt hot path, hence the two spelt-out branches.

    >>> [_canonical_tail(t) for t in ("QUI=", "QUJ=", b"QQ==", "QR==")]
    [True, False, True, False]
    """
    if type(text) is bytes:
        if text[-1:] != b"=":
            return True
        if text[-2:-1] == b"=":  # "==": 8 of the 12 bits used
            return text[-3] in _LOW_4_BITS_ZERO_BYTES
        return text[-2] in _LOW_2_BITS_ZERO_BYTES  # "=": 16 of the 18 bits used
    if text[-1:] != "=":
        return True
    if text[-2:-1] == "=":
        return text[-3] in _LOW_4_BITS_ZERO
    return text[-2] in _LOW_2_BITS_ZERO


def decode_plaintext(text: str | bytes) -> bytes:
    """Classic returns the exact ``Plaintext`` string given to Encrypt; unikms
    always sends Base64 (the canonical spelling of its bytes), so it decodes that.
    Any other string (not Base64, or a Base64 spelling ``b64encode`` never gives, such
    as ``QUJ=``) was not made by unikms: it comes back as its UTF-8 bytes, the text
    another client encrypted (docs/fuzzing.md, bug (d)). ``bytes`` are taken as that
    string's UTF-8 (invalid sequences replaced, as the service would)."""
    try:
        data = _base64.decode(text)
    except (binascii.Error, ValueError):
        pass
    else:
        if _canonical_tail(text):
            return data
    if isinstance(text, bytes):
        return text.decode("utf-8", "replace").encode("utf-8")
    return text.encode("utf-8")


def key_usage_for(spec: KeySpec) -> str:
    """The usage the neutral ``create_key`` asks for when none is chosen: the spec's
    first (an RSA key encrypts, as it always did through unikms)."""
    return USAGES[spec][0].value


def native_default_usage(spec: KeySpec) -> str:
    """The usage the service gives a key when ``CreateKey`` names none: ``SIGN/VERIFY``
    for a key that can sign (C29, ``CreateKeyRequest.key_usage``), else the spec's only one.
    """
    usages = USAGES[spec]
    return (KeyUsage.SIGN_VERIFY if KeyUsage.SIGN_VERIFY in usages else usages[0]).value


def key_info_from_metadata(
    meta: api.KeyMetadata,
    versions: list[KeyVersionInfo],
    aliases: tuple[str, ...],
    request_id: str,
    dialect: Dialect,
) -> KeyInfo:
    return KeyInfo(
        key_id=meta["KeyId"],
        arn=meta.get("Arn"),
        state=_STATE_NAMES[meta["KeyState"]],
        spec=SPECS_BY_NAME.get(meta.get("KeySpec", ""), KeySpec.AES_256),
        usage=KeyUsage(meta.get("KeyUsage", KeyUsage.ENCRYPT_DECRYPT.value)),
        origin=meta.get("Origin", ""),
        description=meta.get("Description", ""),
        created_at=parse_time(meta.get("CreationDate")),
        deletion_date=parse_time(meta.get("DeleteDate")),
        primary_version_id=meta.get("PrimaryKeyVersion") or None,
        versions=tuple(versions),
        aliases=aliases,
        request_id=request_id,
        dialect=dialect,
        native=dict(meta),
    )


def _b64(data: bytes) -> str:
    return _base64.encode(data)


#: the page size of the listings the operations read (the most the API gives)
PAGE_SIZE = 100
ItemT = TypeVar("ItemT")


def _pages(page: Callable[[int], tuple[list[ItemT], int]]) -> list[ItemT]:
    """Every item of a listing: ``page(n)`` is the items of page ``n`` (from 1) and the
    ``TotalCount`` its answer gives (0 when it gives none)."""
    items: list[ItemT] = []
    number = 1
    while True:
        batch, total = page(number)
        items.extend(batch)
        if not batch or len(items) >= total:
            return items
        number += 1


#: what :meth:`AlibabaClassicOperations.lift_public_key` reads: the answer to the classic
#: API's ``GetPublicKey``, or to the instance gateway's
PublicKeyAnswer: TypeAlias = api.GetPublicKeyAnswer | gateway_api.GetPublicKeyAnswer


class ClassicCrypto(Protocol):
    """The typed seam of the classic API's crypto calls: what
    :class:`AlibabaClassicOperations` asks of a driver, in the API's terms (the
    plaintext is the *text* Encrypt takes, as UTF-8 bytes; blobs are raw bytes, not
    Base64; the context a map; ``dry_run`` is ``DryRun``). The fake offers it
    (``classic_crypto``); any driver of the native API gets it through
    :class:`NativeClassicCrypto`. Each call returns ``(answer, request id)``.
    """

    def encrypt(
        self, key: str, text: bytes, context: Mapping[str, str] | None, dry_run: bool, /
    ) -> tuple[tuple[bytes, str, str | None], str]:
        """``Encrypt`` of ``text``: ((the blob, ``KeyId``, ``KeyVersionId``), request id)."""
        ...

    def decrypt(
        self, ciphertext: bytes | str, context: Mapping[str, str] | None, dry_run: bool, /
    ) -> tuple[tuple[bytes | str, str, str | None], str]:
        """``Decrypt`` of a blob (bytes, or its Base64 text): ((the text Encrypt was
        given, ``KeyId``, ``KeyVersionId``), request id)."""
        ...


class NativeClassicCrypto:
    """:class:`ClassicCrypto` over a driver's native ``call``: the requests and answers
    exactly as the OpenAPI and its SDKs model them (Base64 strings)."""

    def __init__(self, call: NativeCall) -> None:
        self.call = call

    def encrypt(
        self, key: str, text: bytes, context: Mapping[str, str] | None, dry_run: bool, /
    ) -> tuple[tuple[bytes, str, str | None], str]:
        r = self.call(
            api.ENCRYPT,
            KeyId=key,
            Plaintext=text.decode("ascii"),
            EncryptionContext=lower_context(context),
            DryRun="true" if dry_run else None,
        )
        blob = base64.b64decode(r["CiphertextBlob"])
        return (blob, r["KeyId"], r.get("KeyVersionId") or None), r["RequestId"]

    def decrypt(
        self, ciphertext: bytes | str, context: Mapping[str, str] | None, dry_run: bool, /
    ) -> tuple[tuple[bytes | str, str, str | None], str]:
        r = self.call(
            api.DECRYPT,
            CiphertextBlob=ciphertext if isinstance(ciphertext, str) else _b64(ciphertext),
            EncryptionContext=lower_context(context),
            DryRun="true" if dry_run else None,
        )
        return (r["Plaintext"], r["KeyId"], r.get("KeyVersionId") or None), r["RequestId"]


class AlibabaClassicOperations(DialectOperations):
    """Neutral operations over the classic OpenAPI."""

    rules = RULES
    actions: tuple[Action[..., Any], ...] = api.ACTIONS

    def __init__(self, driver: Driver) -> None:
        super().__init__(driver)
        offered: ClassicCrypto | None = getattr(driver, "classic_crypto", None)
        self.crypto: ClassicCrypto = offered or NativeClassicCrypto(self.call)

    @classmethod
    def check_context_rules(cls, context: Mapping[str, str]) -> None:
        cls.rules.check_context_size(context, MAX_CONTEXT_CHARS)

    @classmethod
    def check_alias_rules(cls, alias: str) -> None:
        """Alibaba keeps the neutral ``alias/<name>`` as it is: 1 to 255 of
        ``[A-Za-z0-9_/-]`` after the prefix, not ``alias/acs...`` (reserved)."""
        if not valid_alias(alias):
            row = cls.rules.situation(Situation.INVALID_ALIAS)
            raise InvalidRequestError(
                f"an {cls.rules.dialect.value} alias is alias/ followed by 1 to 255 of "
                f"A-Z a-z 0-9 _ / -, not starting with alias/acs (reserved), got {alias!r}",
                field="alias",
                dialect=cls.rules.dialect,
                code=row.code,
                http_status=row.http_status,
            )

    def encrypt(self, key: str, plaintext: bytes, opts: EncryptOptions) -> EncryptResult:
        text = _base64.encode_bytes(plaintext)  # classic Encrypt takes a string: its Base64
        (blob, key_id, version_id), request_id = self.crypto.encrypt(
            key, text, opts.context, opts.dry_run
        )
        return EncryptResult(  # positional: keywords cost 0.3 us here
            blob, key_id, version_id, None, None, request_id, self.rules.dialect
        )

    def sealed(self, r: api.ReEncryptAnswer) -> EncryptResult:
        """The result of a ``ReEncrypt`` answer."""
        return EncryptResult(
            ciphertext=base64.b64decode(r["CiphertextBlob"]),
            key_id=r["KeyId"],
            key_version_id=r.get("KeyVersionId") or None,
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
        if (
            type(ciphertext) is bytes
            and ciphertext[:1] == ADVANCE_MAGIC
            and len(ciphertext) > len(CLASSIC_GCM_HEADER)
        ):
            # the classic API answers with the Plaintext *string* it was given; a gateway
            # ciphertext holds raw bytes, which that answer cannot carry faithfully
            raise UnsupportedByDialectError(
                "this ciphertext was made by the KMS instance gateway (AdvanceEncrypt), whose "
                "plaintext is raw bytes; decrypt it on the alibaba-instance dialect",
                field="ciphertext",
                dialect=self.rules.dialect,
            )
        (text, key_id, version_id), request_id = self.crypto.decrypt(
            ciphertext, opts.context, opts.dry_run
        )
        return DecryptResult(  # positional: keywords cost 0.3 us here
            decode_plaintext(text), key_id, version_id, None, request_id, self.rules.dialect
        )

    def generate_data_key(self, key: str, number_of_bytes: int, opts: EncryptOptions) -> DataKey:
        r = self.call(
            api.GENERATE_DATA_KEY,
            KeyId=key,
            NumberOfBytes=number_of_bytes,
            EncryptionContext=lower_context(opts.context),
            DryRun="true" if opts.dry_run else None,
        )
        return DataKey(
            plaintext=base64.b64decode(r["Plaintext"]),
            ciphertext=base64.b64decode(r["CiphertextBlob"]),
            key_id=r["KeyId"],
            key_version_id=r.get("KeyVersionId") or None,
            algorithm=None,
            request_id=r["RequestId"],
            dialect=self.rules.dialect,
        )

    # -- key management -------------------------------------------------------
    def key_id(self, key: str) -> str:
        """Resolve an alias or ARN to the key id (management calls take ids only)."""
        if parse_key_ref(key).kind == "id" and not key.startswith(ARN_PREFIX):
            return key
        r = self.call(api.DESCRIBE_KEY, KeyId=key)
        return r["KeyMetadata"]["KeyId"]

    def create_key(
        self,
        spec: KeySpec,
        description: str,
        alias: str | None,
        origin_external: bool,
        hsm: bool = False,
        usage: KeyUsage | None = None,
    ) -> KeyInfo:
        r = self.call(
            api.CREATE_KEY,
            KeySpec=SPEC_NAMES[spec],
            KeyUsage=usage.value if usage else key_usage_for(spec),
            Origin="EXTERNAL" if origin_external else None,
            Description=description or None,
            ProtectionLevel="HSM" if hsm else None,
        )
        key_id = r["KeyMetadata"]["KeyId"]
        if alias:
            try:
                self.call(api.CREATE_ALIAS, AliasName=alias, KeyId=key_id)
            except (NativeError, KmsError):  # KmsError: a dialect that maps its own
                # the key is made but cannot carry its alias (taken since the check): do not
                # leave an orphan behind; the shortest window keeps it recoverable for a week
                self.call(
                    api.SCHEDULE_KEY_DELETION,
                    KeyId=key_id,
                    PendingWindowInDays=7,
                )
                raise
        return self.describe_key(key_id)

    def describe_key(self, key: str) -> KeyInfo:
        r = self.call(api.DESCRIBE_KEY, KeyId=key)
        meta = r["KeyMetadata"]
        key_id = meta["KeyId"]
        versions = [
            KeyVersionInfo(v["KeyVersionId"], parse_time(v.get("CreationDate")))
            for v in self._key_versions(key_id)
        ]

        def aliases_page(number: int) -> tuple[list[api.AliasEntry], int]:
            p = self.call(
                api.LIST_ALIASES_BY_KEY_ID,
                KeyId=key_id,
                PageNumber=number,
                PageSize=PAGE_SIZE,
            )
            return p.get("Aliases", {}).get("Alias", []), p.get("TotalCount", 0)

        aliases = tuple(a["AliasName"] for a in _pages(aliases_page))
        return key_info_from_metadata(meta, versions, aliases, r["RequestId"], self.rules.dialect)

    def _key_versions(self, key_id: str) -> list[api.KeyVersionEntry]:
        """Every version of ``key_id``, as ``ListKeyVersions`` lists them."""

        def page(number: int) -> tuple[list[api.KeyVersionEntry], int]:
            r = self.call(
                api.LIST_KEY_VERSIONS,
                KeyId=key_id,
                PageNumber=number,
                PageSize=PAGE_SIZE,
            )
            return r.get("KeyVersions", {}).get("KeyVersion", []), r.get("TotalCount", 0)

        return _pages(page)

    def list_keys(self) -> list[str]:
        def page(number: int) -> tuple[list[api.KeyEntry], int]:
            r = self.call(api.LIST_KEYS, PageNumber=number, PageSize=PAGE_SIZE)
            return r.get("Keys", {}).get("Key", []), r.get("TotalCount", 0)

        return [k["KeyId"] for k in _pages(page)]

    def create_alias(self, alias: str, key: str) -> None:
        self.call(api.CREATE_ALIAS, AliasName=alias, KeyId=self.key_id(key))

    def list_aliases(self) -> dict[str, str]:
        def page(number: int) -> tuple[list[api.AliasEntry], int]:
            r = self.call(api.LIST_ALIASES, PageNumber=number, PageSize=PAGE_SIZE)
            return r.get("Aliases", {}).get("Alias", []), r.get("TotalCount", 0)

        return {a["AliasName"]: a["KeyId"] for a in _pages(page)}

    def enable_key(self, key: str) -> None:
        self.call(api.ENABLE_KEY, KeyId=self.key_id(key))

    def disable_key(self, key: str) -> None:
        self.call(api.DISABLE_KEY, KeyId=self.key_id(key))

    def schedule_key_deletion(self, key: str, days: int) -> None:
        self.call(
            api.SCHEDULE_KEY_DELETION,
            KeyId=self.key_id(key),
            PendingWindowInDays=days,
        )

    def cancel_key_deletion(self, key: str) -> None:
        self.call(api.CANCEL_KEY_DELETION, KeyId=self.key_id(key))

    def rotate_key(self, key: str) -> str | None:
        r = self.call(api.CREATE_KEY_VERSION, KeyId=self.key_id(key))
        return r["KeyVersion"]["KeyVersionId"]

    # -- re-encryption, descriptions, aliases, rotation, tags -----------------
    rotation_period_days = (ROTATION_INTERVAL[0] // 86400, ROTATION_INTERVAL[1] // 86400)

    @classmethod
    def check_description_rules(cls, description: str) -> None:
        if len(description) > MAX_DESCRIPTION:
            raise cls.rules.too_large(
                Situation.INVALID_PARAMETER,
                "description",
                len(description),
                MAX_DESCRIPTION,
                "characters",
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
            CiphertextBlob=_b64(ciphertext) if isinstance(ciphertext, bytes) else ciphertext,
            DestinationKeyId=destination_key,
            SourceEncryptionContext=lower_context(source_context),
            DestinationEncryptionContext=lower_context(context),
        )
        return self.sealed(r)

    def update_key_description(self, key: str, description: str) -> None:
        self.call(
            api.UPDATE_KEY_DESCRIPTION,
            KeyId=self.key_id(key),
            Description=description,
        )

    def update_alias(self, alias: str, key: str) -> None:
        self.call(api.UPDATE_ALIAS, AliasName=alias, KeyId=self.key_id(key))

    def delete_alias(self, alias: str) -> None:
        self.call(api.DELETE_ALIAS, AliasName=alias)

    def set_rotation_policy(self, key: str, enabled: bool, period_days: int | None) -> None:
        self.call(
            api.UPDATE_ROTATION_POLICY,
            KeyId=self.key_id(key),
            EnableAutomaticRotation=enabled,
            RotationInterval=interval_text(period_days) if period_days else None,
        )

    @classmethod
    def check_tag_rules(cls, name: str, value: str) -> None:
        if not valid_tag(name, value):
            row = cls.rules.situation(Situation.INVALID_PARAMETER)
            raise InvalidRequestError(
                f"an {cls.rules.dialect.value} tag has a key of 1 to {MAX_TAG_CHARS} characters "
                f"not starting with aliyun or acs:, a value of at most {MAX_TAG_CHARS} not "
                f"starting with acs:, neither containing http:// or https://; got {name!r}",
                field="tags",
                dialect=cls.rules.dialect,
                code=row.code,
                http_status=row.http_status,
            )

    def tag_key(self, key: str, tags: Mapping[str, str]) -> None:
        entries = [{"TagKey": k, "TagValue": v} for k, v in tags.items()]
        self.call(
            api.TAG_RESOURCE,
            KeyId=self.key_id(key),
            Tags=json.dumps(entries),
        )

    def untag_key(self, key: str, names: list[str]) -> None:
        self.call(
            api.UNTAG_RESOURCE,
            KeyId=self.key_id(key),
            TagKeys=json.dumps(names),
        )

    def list_key_tags(self, key: str) -> dict[str, str]:
        r = self.call(api.LIST_RESOURCE_TAGS, KeyId=self.key_id(key))
        return {t["TagKey"]: t.get("TagValue") or "" for t in r.get("Tags", {}).get("Tag", [])}

    # -- asymmetric keys: every action names its KeyVersionId (docs/dialects.md 1.10) --
    signing_algorithms = SIGNING_ALGORITHMS
    encryption_algorithms = ENCRYPTION_ALGORITHMS
    sm2_max_plaintext = SM2_MAX_PLAINTEXT

    def asymmetric_key(
        self, key: str, version_id: str | None
    ) -> tuple[str, KeySpec, KeyUsage, str]:
        """(key id, spec, usage, version id) of ``key``: ``version_id``, or the newest
        version (an asymmetric key has no primary version; ``CreateKeyVersion`` adds one)."""
        meta = self.call(api.DESCRIBE_KEY, KeyId=key)["KeyMetadata"]
        key_id = meta["KeyId"]
        spec = SPECS_BY_NAME.get(meta.get("KeySpec", ""), KeySpec.AES_256)
        usage = KeyUsage(meta.get("KeyUsage", KeyUsage.ENCRYPT_DECRYPT.value))
        if version_id is None and not spec.symmetric:
            versions = self._key_versions(key_id)
            if versions:  # the newest: by creation, the later listed on a tie
                newest = max(
                    enumerate(versions), key=lambda iv: (iv[1].get("CreationDate", ""), iv[0])
                )
                version_id = newest[1]["KeyVersionId"]
        return key_id, spec, usage, version_id or meta.get("PrimaryKeyVersion") or ""

    def _digest(
        self, algorithm: SigningAlgorithm, message: bytes | None, digest: bytes | None
    ) -> bytes:
        """AsymmetricSign and AsymmetricVerify take a digest: a message is hashed here."""
        if digest is not None:
            return digest
        assert message is not None
        if algorithm is SigningAlgorithm.SM2DSA:
            raise UnsupportedByDialectError(
                "the alibaba-classic dialect signs a digest; for SM2DSA pass digest= "
                "(SM3 over Z(A) || M, GB/T 32918.2), which unikms does not compute",
                field="message",
                dialect=self.rules.dialect,
            )
        from unikms.asymmetric import message_digest

        return message_digest(algorithm, message)

    def sign(
        self,
        key: str,
        message: bytes | None,
        digest: bytes | None,
        algorithm: SigningAlgorithm,
        version_id: str | None,
    ) -> SignResult:
        self.rules.require(Feature.ASYMMETRIC_SIGN, "sign")
        key_id, spec, usage, version = self.asymmetric_key(key, version_id)
        self.check_asymmetric_key(key_id, spec, usage, algorithm)
        return self.asymmetric_sign(key_id, version, message, digest, algorithm)

    def asymmetric_sign(
        self,
        key_id: str,
        version: str,
        message: bytes | None,
        digest: bytes | None,
        algorithm: SigningAlgorithm,
    ) -> SignResult:
        """``AsymmetricSign`` of a checked key and version."""
        r = self.call(
            api.ASYMMETRIC_SIGN,
            KeyId=key_id,
            KeyVersionId=version,
            Algorithm=algorithm.value,
            Digest=_b64(self._digest(algorithm, message, digest)),
        )
        return SignResult(
            signature=base64.b64decode(r["Value"]),
            key_id=r["KeyId"],
            key_version_id=r.get("KeyVersionId") or version,
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
        self.rules.require(Feature.ASYMMETRIC_SIGN, "verify")
        key_id, spec, usage, version = self.asymmetric_key(key, version_id)
        self.check_asymmetric_key(key_id, spec, usage, algorithm)
        return self.asymmetric_verify(key_id, version, signature, message, digest, algorithm)

    def asymmetric_verify(
        self,
        key_id: str,
        version: str,
        signature: bytes,
        message: bytes | None,
        digest: bytes | None,
        algorithm: SigningAlgorithm,
    ) -> bool:
        """``AsymmetricVerify`` of a checked key and version."""
        r = self.call(
            api.ASYMMETRIC_VERIFY,
            KeyId=key_id,
            KeyVersionId=version,
            Algorithm=algorithm.value,
            Digest=_b64(self._digest(algorithm, message, digest)),
            Value=_b64(signature),
        )
        return r.get("Value") is True

    def get_public_key(self, key: str, version_id: str | None) -> PublicKey:
        self.rules.require(Feature.PUBLIC_KEY, "get_public_key")
        key_id, spec, usage, version = self.asymmetric_key(key, version_id)
        self.check_asymmetric_key(key_id, spec, usage, None)
        r = self.call(api.GET_PUBLIC_KEY, KeyId=key_id, KeyVersionId=version)
        return self.lift_public_key(r, spec, usage, r.get("KeyVersionId") or version)

    def lift_public_key(
        self, r: PublicKeyAnswer, spec: KeySpec, usage: KeyUsage, version: str
    ) -> PublicKey:
        """The neutral public key of a ``GetPublicKey`` answer (``PublicKey``, PEM), of
        ``version`` (the version the answer names, else the one asked for)."""
        from unikms.asymmetric import der_of_pem

        pem = r["PublicKey"]
        return self.public_key_of(
            der_of_pem(pem),
            r["KeyId"],
            spec,
            usage,
            r["RequestId"],
            pem=pem,
            version_id=version,
        )

    def encrypt_asymmetric(
        self,
        key: str,
        plaintext: bytes,
        algorithm: AsymmetricAlgorithm,
        version_id: str | None,
    ) -> AsymmetricEncryptResult:
        self.rules.require(Feature.ASYMMETRIC_ENCRYPT, "encrypt_asymmetric")
        key_id, spec, usage, version = self.asymmetric_key(key, version_id)
        self.check_asymmetric_key(key_id, spec, usage, algorithm)
        self.check_asymmetric_plaintext(spec, algorithm, len(plaintext))
        r = self.call(
            api.ASYMMETRIC_ENCRYPT,
            KeyId=key_id,
            KeyVersionId=version,
            Algorithm=algorithm.value,
            Plaintext=_b64(plaintext),
        )
        return AsymmetricEncryptResult(
            ciphertext=base64.b64decode(r["CiphertextBlob"]),
            key_id=r["KeyId"],
            key_version_id=r.get("KeyVersionId") or version,
            algorithm=algorithm,
            request_id=r["RequestId"],
            dialect=self.rules.dialect,
        )

    def decrypt_asymmetric(
        self,
        key: str,
        ciphertext: bytes,
        algorithm: AsymmetricAlgorithm,
        version_id: str | None,
    ) -> DecryptResult:
        self.rules.require(Feature.ASYMMETRIC_ENCRYPT, "decrypt_asymmetric")
        key_id, spec, usage, version = self.asymmetric_key(key, version_id)
        self.check_asymmetric_key(key_id, spec, usage, algorithm)
        r = self.call(
            api.ASYMMETRIC_DECRYPT,
            KeyId=key_id,
            KeyVersionId=version,
            Algorithm=algorithm.value,
            CiphertextBlob=_b64(ciphertext),
        )
        return DecryptResult(
            plaintext=base64.b64decode(r["Plaintext"]),
            key_id=r["KeyId"],
            key_version_id=r.get("KeyVersionId") or version,
            algorithm=algorithm.value,
            request_id=r["RequestId"],
            dialect=self.rules.dialect,
        )
