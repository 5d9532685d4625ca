"""AWS KMS 2014-11-01: rules and neutral operations.

Native parameters are AWS's JSON 1.1 request members (``botocore/data/kms/2014-11-01/
service-2.json``): binary members (``Plaintext``, ``CiphertextBlob``) are Base64
*strings*, as on the wire; ``EncryptionContext`` is a JSON object of strings;
timestamps are Unix seconds. The adapter turns them into boto3's bytes and back.
The operations call a driver only through the typed actions of
:mod:`unikms.dialects.aws.api`. Every rule cites its source in ``docs/dialects-aws.md``
(sources A1..A20).

AWS answers the key id, the key ARN, an alias name or an alias ARN in ``KeyId`` of
``Encrypt``, ``GenerateDataKey``, ``DescribeKey`` and ``ReEncrypt``'s
``DestinationKeyId`` (A3); the key-management actions take a key id or key ARN only,
so the neutral operations resolve an alias there through ``DescribeKey`` first.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from typing import Any, Protocol, cast

import attrs

from unikms import _base64
from unikms.dialects.aws.api import (
    ACTIONS,
    CANCEL_KEY_DELETION,
    CREATE_ALIAS,
    CREATE_KEY,
    DECRYPT,
    DELETE_ALIAS,
    DESCRIBE_KEY,
    DISABLE_KEY,
    DISABLE_KEY_ROTATION,
    ENABLE_KEY,
    ENABLE_KEY_ROTATION,
    ENCRYPT,
    GENERATE_DATA_KEY,
    GENERATE_RANDOM,
    GET_KEY_ROTATION_STATUS,
    GET_PUBLIC_KEY,
    LIST_ALIASES,
    LIST_KEYS,
    RE_ENCRYPT,
    ROTATE_KEY_ON_DEMAND,
    SCHEDULE_KEY_DELETION,
    SIGN,
    UPDATE_ALIAS,
    UPDATE_KEY_DESCRIPTION,
    VERIFY,
    DescribeKeyAnswer,
    EncryptAnswer,
)
from unikms.dialects.base import (
    ALIAS_PREFIX,
    DialectOperations,
    DialectRules,
    EncryptOptions,
    ErrorSpec,
    Feature,
    Limits,
    Situation,
    parse_time,
)
from unikms.errors import (
    InvalidRequestError,
    KeyUnavailableError,
    KmsError,
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
    "ALIAS_NAME_PATTERN",
    "ARN_PATTERN",
    "KEY_ID_PATTERN",
    "MEMBER_TYPES",
    "RULES",
    "STATE_NAMES",
    "AwsOperations",
    "AwsRules",
    "alias_arn",
    "key_arn",
    "member_type_error",
    "partition",
    "valid_alias_name",
]

_MODEL = "boto/botocore:botocore/data/kms/2014-11-01/service-2.json"
_API = "https://docs.aws.amazon.com/kms/latest/APIReference/"
_COMMON = _API + "CommonErrors.html"
_STATES = "https://docs.aws.amazon.com/kms/latest/developerguide/key-state.html"

#: a key id: a UUID, or ``mrk-`` and 32 hex digits for a multi-Region key (A2)
KEY_ID_PATTERN = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32}"
)
#: ``AliasNameType``: 1..256 of ``[a-zA-Z0-9:/_-]`` (model); CreateAlias's text allows
#: only alphanumerics, ``/``, ``_`` and ``-`` after ``alias/``, and reserves ``alias/aws/`` (A4)
ALIAS_NAME_PATTERN = re.compile(r"alias/[a-zA-Z0-9/_-]+")
MAX_ALIAS_NAME = 256
RESERVED_ALIAS_PREFIX = "alias/aws/"
#: how an alias name begins natively (the neutral spelling is the same)
ALIAS_PREFIX_NATIVE = ALIAS_PREFIX
#: ``arn:<partition>:kms:<region>:<account>:key/<id>`` or ``...:alias/<name>`` (A3)
ARN_PATTERN = re.compile(
    r"arn:(?P<partition>aws[a-z-]*):kms:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):"
    r"(?P<resource>key/.+|alias/.+)"
)
MAX_PLAINTEXT = 4096  # PlaintextType max (A5)
MAX_CIPHERTEXT = 6144  # CiphertextType max (A5)
DATA_KEY_BYTES = (1, 1024)  # NumberOfBytesType (A8)
DATA_KEY_SPECS = {"AES_256": 32, "AES_128": 16}  # DataKeySpec (A8)
DELETION_WINDOW = (7, 30)  # ScheduleKeyDeletion PendingWindowInDays, default 30 (A10)
DEFAULT_DELETION_WINDOW = 30
ROTATION_PERIOD = (90, 2560)  # RotationPeriodInDaysType, default 365 (A11)
DEFAULT_ROTATION_PERIOD = 365
#: RotateKeyOnDemand: "a maximum of 25 times per KMS key" (A11)
MAX_ON_DEMAND_ROTATIONS = 25
RANDOM_BYTES = (1, 1024)  # GenerateRandom NumberOfBytes (A8)
MAX_DESCRIPTION = 8192  # DescriptionType 0..8192 characters (A12)
LIST_LIMIT = (1, 1000)  # LimitType; ListKeys/ListAliases default 100 (A13)
TAG_KEY = (1, 128)  # TagKeyType (A14)
TAG_VALUE = (0, 256)  # TagValueType (A14)
RESERVED_TAG_PREFIX = "aws:"
SYMMETRIC_DEFAULT = "SYMMETRIC_DEFAULT"
#: ``EncryptionAlgorithmSpec`` (A6); a symmetric key takes SYMMETRIC_DEFAULT only
ENCRYPTION_ALGORITHMS = frozenset(
    {SYMMETRIC_DEFAULT, "RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256", "SM2PKE"}
)

#: ``KeySpec`` of each neutral asymmetric spec (A21: the SM2 spec is China Regions only and
#: the fake has no SM2 arithmetic, so it has no neutral spec here)
NATIVE_SPECS = {
    KeySpec.RSA_2048: "RSA_2048",
    KeySpec.RSA_3072: "RSA_3072",
    KeySpec.EC_P256: "ECC_NIST_P256",
    KeySpec.EC_P256K: "ECC_SECG_P256K1",
}
SPECS_BY_NATIVE = {native: spec for spec, native in NATIVE_SPECS.items()}
#: the usages CreateKey takes per asymmetric spec (A21; KEY_AGREEMENT is not neutral)
USAGES = {
    KeySpec.RSA_2048: (KeyUsage.ENCRYPT_DECRYPT, KeyUsage.SIGN_VERIFY),
    KeySpec.RSA_3072: (KeyUsage.ENCRYPT_DECRYPT, KeyUsage.SIGN_VERIFY),
    KeySpec.EC_P256: (KeyUsage.SIGN_VERIFY,),
    KeySpec.EC_P256K: (KeyUsage.SIGN_VERIFY,),
}
#: the neutral signing algorithms of each spec (A21: RSA keys sign with RSASSA-PSS and
#: RSASSA-PKCS1-v1_5, ECC_NIST_P256 and ECC_SECG_P256K1 keys with ECDSA_SHA_256)
SIGNING_ALGORITHMS = {
    KeySpec.RSA_2048: (SigningAlgorithm.RSA_PSS_SHA_256, SigningAlgorithm.RSA_PKCS1_SHA_256),
    KeySpec.RSA_3072: (SigningAlgorithm.RSA_PSS_SHA_256, SigningAlgorithm.RSA_PKCS1_SHA_256),
    KeySpec.EC_P256: (SigningAlgorithm.ECDSA_SHA_256,),
    KeySpec.EC_P256K: (SigningAlgorithm.ECDSA_SHA_256,),
}
#: ``SigningAlgorithmSpec`` of each neutral algorithm (A1, A21)
NATIVE_SIGNING_ALGORITHMS = {
    SigningAlgorithm.RSA_PSS_SHA_256: "RSASSA_PSS_SHA_256",
    SigningAlgorithm.RSA_PKCS1_SHA_256: "RSASSA_PKCS1_V1_5_SHA_256",
    SigningAlgorithm.ECDSA_SHA_256: "ECDSA_SHA_256",
}
SIGNING_BY_NATIVE = {native: neutral for neutral, native in NATIVE_SIGNING_ALGORITHMS.items()}
#: the ``SigningAlgorithms`` of each spec as the fake lists and takes them (the SHA-256 ones)
SIGNING_ALGORITHMS_NATIVE = {
    spec: frozenset(NATIVE_SIGNING_ALGORITHMS[a] for a in algorithms)
    for spec, algorithms in SIGNING_ALGORITHMS.items()
}
#: the ``EncryptionAlgorithms`` of an RSA key of usage ENCRYPT_DECRYPT (A6, A21)
OAEP_NATIVE = frozenset({"RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"})
_OAEP = (AsymmetricAlgorithm.RSAES_OAEP_SHA_256, AsymmetricAlgorithm.RSAES_OAEP_SHA_1)
#: what RSA keys of usage ENCRYPT_DECRYPT encrypt with (A6, A21)
ASYMMETRIC_ENCRYPTION_ALGORITHMS = {KeySpec.RSA_2048: _OAEP, KeySpec.RSA_3072: _OAEP}


def _row(
    code: str,
    status: int,
    message: str,
    kind: str,
    state: KeyState | None = None,
    source: str = _MODEL,
) -> ErrorSpec:
    return ErrorSpec(code, status, message, kind, state, source)


ERRORS = {
    row.code: row
    for row in (
        _row(
            "NotFoundException", 400, "{detail}", "key_not_found", source=_API + "API_Encrypt.html"
        ),
        _row(
            "DisabledException",
            400,
            "{arn} is disabled.",
            "key_unavailable",
            KeyState.DISABLED,
            source=_API + "API_Encrypt.html",
        ),
        _row(
            "KMSInvalidStateException",
            400,
            "{arn} is {state}.",
            "key_unavailable",
            source=_API + "API_Encrypt.html; " + _STATES,
        ),
        _row(
            "KeyUnavailableException",
            500,
            "{arn} is unavailable.",
            "key_unavailable",
            source=_API + "API_Encrypt.html",
        ),
        # the exception's documented description (A7) stands as its text
        _row(
            "InvalidCiphertextException",
            400,
            "The request was rejected because the specified ciphertext, or additional "
            "authenticated data incorporated into the ciphertext, such as the encryption "
            "context, is corrupted, missing, or otherwise invalid.",
            "decryption_failed",
            source=_API + "API_Decrypt.html",
        ),
        _row(
            "IncorrectKeyException",
            400,
            "The key ID in the request does not identify a CMK that can perform this operation.",
            "decryption_failed",
            source=_API + "API_Decrypt.html",
        ),
        _row(
            "InvalidKeyUsageException",
            400,
            "{detail}",
            "wrong_key_type",
            source=_API + "API_Encrypt.html",
        ),
        _row(  # Verify's answer to a signature that does not verify (A22); the neutral
            # verify reads it as False
            "KMSInvalidSignatureException",
            400,
            "{detail}",
            "invalid_request",
            source=_API + "API_Verify.html",
        ),
        _row("InvalidAliasNameException", 400, "{detail}", "invalid_request"),
        _row(
            "AlreadyExistsException",
            400,
            "An alias with the name {name} already exists",
            "already_exists",
        ),
        _row("InvalidArnException", 400, "{detail}", "invalid_request"),
        _row("InvalidMarkerException", 400, "{detail}", "invalid_request"),
        _row("UnsupportedOperationException", 400, "{detail}", "invalid_request"),
        _row("LimitExceededException", 400, "{detail}", "invalid_request"),
        _row("TagException", 400, "{detail}", "invalid_request"),
        _row("ConflictException", 400, "{detail}", "invalid_request"),
        _row(
            "DryRunOperationException",
            412,
            "The request would have succeeded, but the DryRun option is set.",
            "dry_run_passed",
            source=_API + "API_Encrypt.html (HTTP Status Code: 412)",
        ),
        _row("KMSInternalException", 500, "An internal error occurred.", "service_error"),
        _row("DependencyTimeoutException", 500, "The system timed out.", "service_error"),
        # the common errors of every AWS API (A15)
        _row("ValidationException", 400, "{detail}", "invalid_request", source=_COMMON),
        _row(
            "ThrottlingException",
            400,
            "Rate exceeded",
            "throttled",
            source=_COMMON,
        ),
        _row(
            "AccessDeniedException",
            400,
            "User is not authorized to perform this action.",
            "access_denied",
            source=_COMMON,
        ),
        _row(
            "UnrecognizedClientException",
            400,
            "The security token included in the request is invalid.",
            "access_denied",
            source=_COMMON + " (InvalidClientTokenId, as JSON services name it)",
        ),
        _row(
            "InvalidSignatureException",
            400,
            "The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method. Consult the service "
            "documentation for details.",
            "access_denied",
            source=_COMMON + " (IncompleteSignature; SigV4)",
        ),
        _row(
            "IncompleteSignatureException",
            400,
            "{detail}",
            "access_denied",
            source=_COMMON,
        ),
        _row(
            "MissingAuthenticationTokenException",
            400,
            "Missing Authentication Token",
            "access_denied",
            source=_COMMON,
        ),
        _row(
            "UnknownOperationException",
            400,
            "The action {name} is not valid for this web service.",
            "invalid_request",
            source=_COMMON + " (InvalidAction)",
        ),
        _row(
            "SerializationException",
            400,
            "{detail}",
            "invalid_request",
            source=_COMMON + " (MalformedQueryString; JSON services: SerializationException)",
        ),
    )
}

SITUATIONS = {
    Situation.MISSING_PARAMETER: "ValidationException",
    Situation.INVALID_PARAMETER: "ValidationException",
    # "Invalid keyId": a KeyId that is no id, ARN or alias answers NotFoundException (A3)
    Situation.INVALID_KEY_ID: "NotFoundException",
    Situation.KEY_NOT_FOUND: "NotFoundException",
    Situation.ALIAS_NOT_FOUND: "NotFoundException",
    Situation.ALIAS_EXISTS: "AlreadyExistsException",
    Situation.INVALID_ALIAS: "InvalidAliasNameException",
    Situation.KEY_DISABLED: "DisabledException",
    Situation.KEY_PENDING_DELETION: "KMSInvalidStateException",
    Situation.KEY_PENDING_IMPORT: "KMSInvalidStateException",
    Situation.INVALID_STATE: "KMSInvalidStateException",
    Situation.WRONG_KEY_TYPE: "InvalidKeyUsageException",
    Situation.PLAINTEXT_TOO_LARGE: "ValidationException",
    Situation.INVALID_PLAINTEXT: "ValidationException",
    Situation.CONTEXT_INVALID: "ValidationException",
    Situation.CONTEXT_TOO_LARGE: "ValidationException",
    Situation.INVALID_CIPHERTEXT: "InvalidCiphertextException",
    Situation.DECRYPT_FAILED: "InvalidCiphertextException",
    Situation.INVALID_ALGORITHM: "ValidationException",
    Situation.DRY_RUN_PASSED: "DryRunOperationException",
    Situation.THROTTLED: "ThrottlingException",
    Situation.UNKNOWN_ACTION: "UnknownOperationException",
    Situation.UNSUPPORTED_OPERATION: "UnsupportedOperationException",
    Situation.LIMIT_EXCEEDED: "LimitExceededException",
    Situation.ROTATION_TOO_SOON: "LimitExceededException",
    Situation.INVALID_DELETION_WINDOW: "ValidationException",
    Situation.NOT_PENDING_DELETION: "KMSInvalidStateException",
    Situation.INTERNAL: "KMSInternalException",
    # -- situations AWS KMS cannot meet (marked decisions, docs/dialects-aws.md): no
    # archive state, no IV, padding or raw AAD parameter, and ScheduleKeyDeletion takes
    # an Enabled key; the nearest documented code stands in
    Situation.KEY_ARCHIVED: "KMSInvalidStateException",
    Situation.INVALID_IV: "ValidationException",
    Situation.INVALID_PADDING: "ValidationException",
    Situation.AAD_TOO_LARGE: "ValidationException",
    Situation.SHOULD_BE_DISABLED: "KMSInvalidStateException",
    # the emulator's answer to a body over its limit (a decision)
    Situation.BODY_TOO_LARGE: "ValidationException",
    # a JSON member no AWS document names: a decision, see docs/dialects-aws.md
    Situation.UNKNOWN_PARAMETER: "SerializationException",
}

#: request members per action, from the service model (A1)
_GRANTS = frozenset({"GrantTokens"})
_KEY = frozenset({"KeyId"})
KNOWN_PARAMS: dict[str, frozenset[str]] = {
    "Encrypt": _KEY | _GRANTS | {"Plaintext", "EncryptionContext", "EncryptionAlgorithm", "DryRun"},
    "Decrypt": _KEY
    | _GRANTS
    | {
        "CiphertextBlob",
        "EncryptionContext",
        "EncryptionAlgorithm",
        "Recipient",
        "DryRun",
        "DryRunModifiers",
    },
    "GenerateDataKey": _KEY
    | _GRANTS
    | {"EncryptionContext", "NumberOfBytes", "KeySpec", "Recipient", "DryRun"},
    "GenerateDataKeyWithoutPlaintext": _KEY
    | _GRANTS
    | {"EncryptionContext", "KeySpec", "NumberOfBytes", "DryRun"},
    "ReEncrypt": _GRANTS
    | {
        "CiphertextBlob",
        "SourceEncryptionContext",
        "SourceKeyId",
        "DestinationKeyId",
        "DestinationEncryptionContext",
        "SourceEncryptionAlgorithm",
        "DestinationEncryptionAlgorithm",
        "DryRun",
        "DryRunModifiers",
    },
    "CreateKey": frozenset(
        {
            "Policy",
            "Description",
            "KeyUsage",
            "CustomerMasterKeySpec",
            "KeySpec",
            "Origin",
            "CustomKeyStoreId",
            "BypassPolicyLockoutSafetyCheck",
            "Tags",
            "MultiRegion",
            "XksKeyId",
        }
    ),
    "DescribeKey": _KEY | _GRANTS,
    "ListKeys": frozenset({"Limit", "Marker", "ResourceOwners"}),
    "ListAliases": frozenset({"KeyId", "Limit", "Marker"}),
    "CreateAlias": frozenset({"AliasName", "TargetKeyId"}),
    "UpdateAlias": frozenset({"AliasName", "TargetKeyId"}),
    "DeleteAlias": frozenset({"AliasName"}),
    "EnableKey": _KEY,
    "DisableKey": _KEY,
    "ScheduleKeyDeletion": _KEY | {"PendingWindowInDays"},
    "CancelKeyDeletion": _KEY,
    "EnableKeyRotation": _KEY | {"RotationPeriodInDays"},
    "DisableKeyRotation": _KEY,
    "GetKeyRotationStatus": _KEY,
    "RotateKeyOnDemand": _KEY,
    "ListKeyRotations": _KEY | {"IncludeKeyMaterial", "Limit", "Marker"},
    "GenerateRandom": frozenset({"NumberOfBytes", "CustomKeyStoreId", "Recipient"}),
    "UpdateKeyDescription": _KEY | {"Description"},
    "Sign": _KEY | _GRANTS | {"Message", "MessageType", "SigningAlgorithm", "DryRun"},
    "Verify": _KEY
    | _GRANTS
    | {"Message", "MessageType", "Signature", "SigningAlgorithm", "DryRun"},
    "GetPublicKey": _KEY | _GRANTS,
    "TagResource": _KEY | {"Tags"},
    "UntagResource": _KEY | {"TagKeys"},
    "ListResourceTags": _KEY | {"Limit", "Marker"},
}

#: the JSON type of each request member that is not a string (A1: ``integer``,
#: ``boolean``, a map of strings, a list of strings, ``TagList``, a structure); every other
#: member is a string (a ``blob`` is Base64 text in JSON 1.1)
MEMBER_TYPES: dict[str, str] = {
    **dict.fromkeys(
        ("NumberOfBytes", "Limit", "PendingWindowInDays", "RotationPeriodInDays"), "integer"
    ),
    **dict.fromkeys(("DryRun", "MultiRegion", "BypassPolicyLockoutSafetyCheck"), "boolean"),
    **dict.fromkeys(
        ("EncryptionContext", "SourceEncryptionContext", "DestinationEncryptionContext"), "map"
    ),
    **dict.fromkeys(("GrantTokens", "TagKeys", "DryRunModifiers", "ResourceOwners"), "list"),
    "Tags": "tags",
    "Recipient": "structure",
}
_JSON_NAMES = {str: "a string", bool: "a boolean", int: "a number", float: "a number",
               list: "a list", dict: "an object"}  # fmt: skip


def _is(kind: str, value: object) -> bool:
    if kind == "integer":  # a float reaches the member's own range check
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "map":
        return isinstance(value, dict) and all(isinstance(v, str) for v in value.values())
    if kind == "list":
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    if kind == "tags":
        return isinstance(value, list) and all(isinstance(v, dict) for v in value)
    if kind == "structure":
        return isinstance(value, dict)
    return isinstance(value, str)


def member_type_error(params: Mapping[str, object]) -> str | None:
    """What is wrong with the first (sorted) member whose JSON type is not the model's,
    else None; a ``null`` member is an absent one. A request of the wrong shape never
    reaches an action (the fake answers ``SerializationException``, as to an unknown
    member: ``docs/dialects-aws.md``).

    >>> member_type_error({"KeyId": "k", "Limit": 10})
    >>> member_type_error({"SigningAlgorithm": [], "KeyId": "k"})
    'SigningAlgorithm: a list where a string is expected'
    >>> member_type_error({"EncryptionContext": {"a": 1}})
    'EncryptionContext: an object where a map of strings is expected'
    """
    for name in sorted(params):
        value = params[name]
        kind = MEMBER_TYPES.get(name, "string")
        if value is None or _is(kind, value):
            continue
        found = _JSON_NAMES.get(type(value), "a value")
        expected = {
            "integer": "a number", "boolean": "a boolean", "map": "a map of strings",
            "list": "a list of strings", "tags": "a list of tags", "structure": "an object",
        }.get(kind, "a string")  # fmt: skip
        return f"{name}: {found} where {expected} is expected"
    return None


#: AWS ``KeyState`` -> neutral state; the states the neutral API has no name for are
#: shown as the nearest one (``KeyInfo.native["KeyState"]`` keeps AWS's word)
STATE_NAMES = {
    "Enabled": KeyState.ENABLED,
    "Disabled": KeyState.DISABLED,
    "PendingDeletion": KeyState.PENDING_DELETION,
    "PendingImport": KeyState.PENDING_IMPORT,
    "PendingReplicaDeletion": KeyState.PENDING_DELETION,
    "Unavailable": KeyState.DISABLED,
    "Creating": KeyState.PENDING_IMPORT,
    "Updating": KeyState.ENABLED,
}
#: what ``KMSInvalidStateException``'s text says of each state ("<arn> is pending deletion.")
STATE_TEXT = {
    KeyState.PENDING_DELETION: "pending deletion",
    KeyState.PENDING_IMPORT: "pending import",
    KeyState.DISABLED: "disabled",
    KeyState.ENABLED: "enabled",
    KeyState.ARCHIVED: "archived",
}
_STATE_FROM_TEXT = {text: state for state, text in STATE_TEXT.items()}


@attrs.frozen
class AwsRules(DialectRules):
    """AWS's rules: ``KMSInvalidStateException`` is one code for several states, so the
    neutral error reads the state from its text (``"<arn> is pending deletion."``)."""

    def neutral(
        self, err: NativeError, *, field: str | None = None, decrypting: bool = False
    ) -> KmsError:
        out = super().neutral(err, field=field, decrypting=decrypting)
        if isinstance(out, KeyUnavailableError) and out.state is None:
            text = err.message.rstrip(".")
            out.state = next(
                (s for t, s in _STATE_FROM_TEXT.items() if text.endswith(" is " + t)), None
            )
        return out


def rotation_policy_shown(enabled: bool, period_days: int | None) -> Mapping[str, object]:
    """What ``describe_key``'s ``native`` shows of a rotation policy (the neutral
    operations add ``GetKeyRotationStatus``'s answer to ``DescribeKey``'s metadata)."""
    if not enabled:
        return {"KeyRotationEnabled": False}
    return {"KeyRotationEnabled": True, "RotationPeriodInDays": period_days}


RULES = AwsRules(
    dialect=Dialect("aws"),
    limits=Limits(
        max_plaintext=MAX_PLAINTEXT,
        # AWS documents no limit on EncryptionContext's size (A9)
        max_context_chars=None,
        max_aad=None,
        max_body=None,
        data_key_bytes=DATA_KEY_BYTES,
        # the shared quota of symmetric cryptographic operations, 5,500/s in most
        # Regions (A16); the fake's opt-in throttle applies it per action
        action_qps={
            "Encrypt": 5500,
            "Decrypt": 5500,
            "GenerateDataKey": 5500,
            "GenerateDataKeyWithoutPlaintext": 5500,
            "ReEncrypt": 5500,
        },
    ),
    features=frozenset(
        {
            Feature.DRY_RUN,
            Feature.ROTATION,
            Feature.ARN,
            Feature.RE_ENCRYPT,
            Feature.RANDOM,
            Feature.MOVABLE_ALIASES,
            Feature.ASYMMETRIC_SIGN,
            Feature.ASYMMETRIC_ENCRYPT,
            Feature.PUBLIC_KEY,
        }
    ),
    errors=ERRORS,
    situations=SITUATIONS,
    decrypt_failure_codes=frozenset({"InvalidCiphertextException", "IncorrectKeyException"}),
    known_params=KNOWN_PARAMS,
    rotation_min_days=0,  # RotateKeyOnDemand has a count limit, no interval
    state_after_cancel_deletion=KeyState.DISABLED,  # CancelKeyDeletion (A10)
    max_description=MAX_DESCRIPTION,
    description_measure="characters",
    rotation_policy_shown=rotation_policy_shown,
)


def partition(region: str) -> str:
    """The ARN partition of a Region: ``aws-cn`` in China, ``aws-us-gov`` in GovCloud."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def key_arn(region: str, account: str, key_id: str) -> str:
    """``arn:aws:kms:us-east-1:111122223333:key/<id>``"""
    return f"arn:{partition(region)}:kms:{region}:{account}:key/{key_id}"


def alias_arn(region: str, account: str, alias: str) -> str:
    """``arn:aws:kms:us-east-1:111122223333:alias/<name>``"""
    return f"arn:{partition(region)}:kms:{region}:{account}:{alias}"


def valid_alias_name(alias: str) -> bool:
    """An ``AliasName`` CreateAlias takes: ``alias/`` and a name of ``[a-zA-Z0-9/_-]``,
    1..256 characters in all, not ``alias/aws/...`` (reserved).

    >>> valid_alias_name("alias/team/orders"), valid_alias_name("alias/aws/ebs")
    (True, False)
    >>> valid_alias_name("alias/sp ace"), valid_alias_name("orders")
    (False, False)
    """
    return (
        len(alias) <= MAX_ALIAS_NAME
        and ALIAS_NAME_PATTERN.fullmatch(alias) is not None
        and not alias.startswith(RESERVED_ALIAS_PREFIX)
    )


def key_id_of(arn_or_id: str) -> str:
    """The key id of a key ARN (AWS answers ARNs in ``KeyId``); an id stays as it is."""
    return arn_or_id.rsplit("/", 1)[-1] if arn_or_id.startswith("arn:") else arn_or_id


def _b64(data: bytes) -> str:
    return _base64.encode(data)


def _blob_text(ciphertext: bytes | str) -> str:
    """``CiphertextBlob`` as native text: Base64 of the blob's bytes; a ``str`` is taken
    to be that Base64 already (what the AWS CLI prints)."""
    return ciphertext if isinstance(ciphertext, str) else _b64(ciphertext)


def _is_alias(key: str) -> bool:
    return key.startswith(ALIAS_PREFIX) or (key.startswith("arn:") and ":alias/" in key)


class AwsCrypto(Protocol):
    """The typed seam of AWS KMS's ``Encrypt`` and ``Decrypt`` in their common form (no
    ``DryRun``; a ``Decrypt`` with no ``KeyId``): what :class:`AwsOperations` asks of a
    driver, in the API's terms (bytes, not Base64; the context a map). The fake offers
    it (``aws_crypto``); any driver of the native API gets it through
    :class:`NativeAwsCrypto`. Each call returns ``(answer, request id)``; the other forms
    take the native call on every driver."""

    def encrypt(
        self, key: str, plaintext: bytes, context: Mapping[str, str] | None, /
    ) -> tuple[tuple[bytes, str], str]:
        """``Encrypt``: ((the ``CiphertextBlob``, the key id), request id)."""
        ...

    def decrypt(
        self, blob: bytes, context: Mapping[str, str] | None, /
    ) -> tuple[tuple[bytes, str], str]:
        """``Decrypt``: ((the plaintext, the key id), request id)."""
        ...


class NativeAwsCrypto:
    """:class:`AwsCrypto` over a driver's native ``call`` (botocore's members)."""

    def __init__(self, call: NativeCall) -> None:
        self.call = call

    def encrypt(
        self, key: str, plaintext: bytes, context: Mapping[str, str] | None, /
    ) -> tuple[tuple[bytes, str], str]:
        r = self.call(
            ENCRYPT,
            KeyId=key,
            Plaintext=_b64(plaintext),
            EncryptionContext=dict(context) if context else None,
        )
        return (base64.b64decode(r["CiphertextBlob"]), key_id_of(r["KeyId"])), r["RequestId"]

    def decrypt(
        self, blob: bytes, context: Mapping[str, str] | None, /
    ) -> tuple[tuple[bytes, str], str]:
        r = self.call(
            DECRYPT,
            CiphertextBlob=_blob_text(blob),
            EncryptionContext=dict(context) if context else None,
        )
        return (base64.b64decode(r["Plaintext"]), key_id_of(r["KeyId"])), r["RequestId"]


class AwsOperations(DialectOperations):
    """Neutral operations over AWS KMS.

    Each request is a local declared with its action's request type
    (``request: EncryptRequest = {...}``), then passed to :meth:`call`: mypy checks a
    dict literal against a ``TypedDict`` where it is declared so, and cannot through
    ``call``'s type variable (it infers ``dict[str, ...]`` for the literal and fails).
    """

    rules = RULES
    actions = ACTIONS
    rotation_period_days = ROTATION_PERIOD
    random_bytes = RANDOM_BYTES

    def __init__(self, driver: Driver) -> None:
        super().__init__(driver)
        offered: AwsCrypto | None = getattr(driver, "aws_crypto", None)
        self.crypto: AwsCrypto = offered or NativeAwsCrypto(self.call)

    @classmethod
    def check_alias_rules(cls, alias: str) -> None:
        if valid_alias_name(alias):
            return
        row = cls.rules.situation(Situation.INVALID_ALIAS)
        raise InvalidRequestError(
            "an aws alias is alias/ followed by A-Z a-z 0-9 / _ - (256 characters in all), "
            f"not alias/aws/... (reserved for AWS managed keys), got {alias!r}",
            field="alias",
            dialect=cls.rules.dialect,
            code=row.code,
            http_status=row.http_status,
        )

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

    def key_only(self, key: str) -> str:
        """A key id or key ARN for the actions that take no alias (DescribeKey resolves)."""
        if not _is_alias(key):
            return key
        return str(self._describe(key)["KeyMetadata"]["KeyId"])

    def _describe(self, key: str) -> DescribeKeyAnswer:
        """``DescribeKey`` of ``key`` (an id, key ARN, alias name or alias ARN)."""
        return self.call(DESCRIBE_KEY, KeyId=key)

    # -- crypto -----------------------------------------------------------------
    def encrypt(self, key: str, plaintext: bytes, opts: EncryptOptions) -> EncryptResult:
        if not opts.dry_run:
            (blob, key_id), request_id = self.crypto.encrypt(key, plaintext, opts.context)
            return EncryptResult(  # positional: keywords cost 0.3 us here
                blob, key_id, None, None, None, request_id, self.rules.dialect
            )
        return self.sealed(
            self.call(
                ENCRYPT,
                KeyId=key,
                Plaintext=_b64(plaintext),
                EncryptionContext=dict(opts.context) if opts.context else None,
                DryRun=True,
            )
        )

    def sealed(self, r: EncryptAnswer) -> EncryptResult:
        """The result of an ``Encrypt`` or a ``ReEncrypt`` (its answer has the same members)."""
        return EncryptResult(
            ciphertext=base64.b64decode(r["CiphertextBlob"]),
            key_id=key_id_of(r["KeyId"]),
            key_version_id=None,
            algorithm=None,
            iv=None,
            request_id=r["RequestId"],
            dialect=self.rules.dialect,
        )

    def decrypt(
        self, ciphertext: bytes | str, opts: EncryptOptions, key: str | None
    ) -> DecryptResult:
        if (
            key is None
            and not opts.dry_run
            and type(ciphertext) is bytes
            and len(ciphertext) <= MAX_CIPHERTEXT
        ):
            (data, key_id), request_id = self.crypto.decrypt(ciphertext, opts.context)
            return DecryptResult(  # positional: keywords cost 0.3 us here
                data, key_id, None, None, request_id, self.rules.dialect
            )
        r = self.call(
            DECRYPT,
            CiphertextBlob=_blob_text(ciphertext),
            EncryptionContext=dict(opts.context) if opts.context else None,
            KeyId=key,
            DryRun=True if opts.dry_run else None,
        )
        return DecryptResult(
            plaintext=base64.b64decode(r["Plaintext"]),
            key_id=key_id_of(r["KeyId"]),
            key_version_id=None,
            algorithm=None,
            request_id=r["RequestId"],
            dialect=self.rules.dialect,
        )

    def generate_data_key(self, key: str, number_of_bytes: int, opts: EncryptOptions) -> DataKey:
        r = self.call(
            GENERATE_DATA_KEY,
            KeyId=key,
            NumberOfBytes=number_of_bytes,
            EncryptionContext=dict(opts.context) if opts.context else None,
            DryRun=True if opts.dry_run else None,
        )
        return DataKey(
            plaintext=base64.b64decode(r["Plaintext"]),
            ciphertext=base64.b64decode(r["CiphertextBlob"]),
            key_id=key_id_of(r["KeyId"]),
            key_version_id=None,
            algorithm=None,
            request_id=r["RequestId"],
            dialect=self.rules.dialect,
        )

    def re_encrypt(
        self,
        ciphertext: bytes | str,
        destination_key: str,
        source_context: Mapping[str, str] | None,
        context: Mapping[str, str] | None,
    ) -> EncryptResult:
        return self.sealed(
            self.call(
                RE_ENCRYPT,
                CiphertextBlob=_blob_text(ciphertext),
                DestinationKeyId=destination_key,
                SourceEncryptionContext=dict(source_context) if source_context else None,
                DestinationEncryptionContext=dict(context) if context else None,
            )
        )

    def generate_random(self, number_of_bytes: int) -> bytes:
        r = self.call(GENERATE_RANDOM, NumberOfBytes=number_of_bytes)
        return base64.b64decode(r["Plaintext"])

    # -- key management ---------------------------------------------------------
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
        if spec is KeySpec.AES_256 and usage in (None, KeyUsage.ENCRYPT_DECRYPT):
            native_spec, native_usage = SYMMETRIC_DEFAULT, "ENCRYPT_DECRYPT"
        elif spec in USAGES and (usage is None or usage in USAGES[spec]) and not origin_external:
            native_spec = NATIVE_SPECS[spec]
            chosen = usage or USAGES[spec][0]  # RSA encrypts, EC signs
            native_usage = "SIGN_VERIFY" if chosen is KeyUsage.SIGN_VERIFY else "ENCRYPT_DECRYPT"
        else:
            raise UnsupportedByDialectError(
                f"the aws dialect creates SYMMETRIC_DEFAULT (AES_256), RSA_2048 and RSA_3072 "
                f"(either usage), EC_P256 and EC_P256K (SIGN/VERIFY) keys through unikms, not "
                f"{spec.value}"
                + (f" for {usage.value}" if usage else "")
                + (" with external key material" if origin_external and spec in USAGES else ""),
                field="spec",
                dialect=self.rules.dialect,
            )
        key_id = str(
            self.call(
                CREATE_KEY,
                Description=description or None,
                KeyUsage=native_usage,
                KeySpec=native_spec,
                Origin="EXTERNAL" if origin_external else None,
            )["KeyMetadata"]["KeyId"]
        )
        if alias:
            self.call(CREATE_ALIAS, AliasName=alias, TargetKeyId=key_id)
        return self.describe_key(key_id)

    def describe_key(self, key: str) -> KeyInfo:
        r = self._describe(key)
        meta = r["KeyMetadata"]  # a NativeAnswer: a missing field is typed
        key_id = str(meta["KeyId"])
        aliases = self._aliases(key_id)
        if meta.get("KeySpec") == SYMMETRIC_DEFAULT and meta.get("Origin") == "AWS_KMS":
            status = self.call(GET_KEY_ROTATION_STATUS, KeyId=key_id)
            # ``native`` shows the rotation status beside KeyMetadata's own members
            shown = cast("dict[str, Any]", meta)
            shown["KeyRotationEnabled"] = status.get("KeyRotationEnabled", False)
            if status.get("RotationPeriodInDays") is not None:
                shown["RotationPeriodInDays"] = status["RotationPeriodInDays"]
        return KeyInfo(
            key_id=key_id,
            arn=meta.get("Arn"),
            state=STATE_NAMES.get(str(meta.get("KeyState")), KeyState.DISABLED),
            spec=SPECS_BY_NATIVE.get(str(meta.get("KeySpec")), KeySpec.AES_256),
            usage=KeyUsage.SIGN_VERIFY
            if meta.get("KeyUsage") == "SIGN_VERIFY"
            else KeyUsage.ENCRYPT_DECRYPT,
            origin=str(meta.get("Origin", "")),
            description=str(meta.get("Description") or ""),
            created_at=parse_time(meta.get("CreationDate")),
            deletion_date=parse_time(meta.get("DeletionDate")),
            primary_version_id=None,
            versions=(),
            aliases=tuple(sorted(aliases)),
            request_id=r["RequestId"],
            dialect=self.rules.dialect,
            native=meta,
        )

    def list_keys(self) -> list[str]:
        ids: list[str] = []
        marker: str | None = None
        while True:
            r = self.call(LIST_KEYS, Limit=1000, Marker=marker)
            ids.extend(str(k["KeyId"]) for k in r.get("Keys") or [])
            if not r.get("Truncated"):
                return ids
            marker = r.get("NextMarker")

    def _aliases(self, key_id: str | None) -> dict[str, str]:
        """Alias name -> target key id, of every alias or (``key_id``) of one key's."""
        out: dict[str, str] = {}
        marker: str | None = None
        while True:
            r = self.call(LIST_ALIASES, KeyId=key_id, Limit=1000, Marker=marker)
            for a in r.get("Aliases") or []:
                if a.get("TargetKeyId"):  # AWS managed aliases not yet used have none
                    out[str(a["AliasName"])] = str(a["TargetKeyId"])
            if not r.get("Truncated"):
                return out
            marker = r.get("NextMarker")

    def list_aliases(self) -> dict[str, str]:
        return self._aliases(None)

    def create_alias(self, alias: str, key: str) -> None:
        self.call(CREATE_ALIAS, AliasName=alias, TargetKeyId=self.key_only(key))

    def update_alias(self, alias: str, key: str) -> None:
        self.call(UPDATE_ALIAS, AliasName=alias, TargetKeyId=self.key_only(key))

    def delete_alias(self, alias: str) -> None:
        self.call(DELETE_ALIAS, AliasName=alias)

    def enable_key(self, key: str) -> None:
        self.call(ENABLE_KEY, KeyId=self.key_only(key))

    def disable_key(self, key: str) -> None:
        self.call(DISABLE_KEY, KeyId=self.key_only(key))

    def schedule_key_deletion(self, key: str, days: int) -> None:
        self.call(SCHEDULE_KEY_DELETION, KeyId=self.key_only(key), PendingWindowInDays=days)

    def cancel_key_deletion(self, key: str) -> None:
        self.call(CANCEL_KEY_DELETION, KeyId=self.key_only(key))

    def rotate_key(self, key: str) -> str | None:
        """``RotateKeyOnDemand``: new key material; AWS names no version, so ``None``."""
        self.call(ROTATE_KEY_ON_DEMAND, KeyId=self.key_only(key))
        return None

    def update_key_description(self, key: str, description: str) -> None:
        self.call(UPDATE_KEY_DESCRIPTION, KeyId=self.key_only(key), Description=description)

    def set_rotation_policy(self, key: str, enabled: bool, period_days: int | None) -> None:
        if enabled:
            self.call(
                ENABLE_KEY_ROTATION, KeyId=self.key_only(key), RotationPeriodInDays=period_days
            )
        else:
            self.call(DISABLE_KEY_ROTATION, KeyId=self.key_only(key))

    # -- asymmetric keys (docs/dialects-aws.md, "Asymmetric keys") -----------------------
    signing_algorithms = SIGNING_ALGORITHMS
    encryption_algorithms = ASYMMETRIC_ENCRYPTION_ALGORITHMS
    #: Sign and Verify: a RAW ``Message`` is ``PlaintextType``, at most 4096 bytes (A5, A22)
    max_sign_message = MAX_PLAINTEXT

    def asymmetric_key(self, key: str, version_id: str | None) -> tuple[str, KeySpec, KeyUsage]:
        """(key id, spec, usage) of ``key`` from DescribeKey. An asymmetric key has one key
        pair for life (no rotation, A21), so a ``version_id`` is refused."""
        if version_id is not None:
            raise UnsupportedByDialectError(
                "the aws dialect's asymmetric keys have one key pair and no versions to name",
                field="version_id",
                dialect=self.rules.dialect,
            )
        meta = self._describe(key)["KeyMetadata"]
        spec = SPECS_BY_NATIVE.get(str(meta.get("KeySpec")), KeySpec.AES_256)
        usage = (
            KeyUsage.SIGN_VERIFY
            if meta.get("KeyUsage") == "SIGN_VERIFY"
            else KeyUsage.ENCRYPT_DECRYPT
        )
        return str(meta["KeyId"]), spec, usage

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
        lowered = self.raw_or_digest(message, digest)
        r = self.call(
            SIGN,
            KeyId=key_id,
            SigningAlgorithm=NATIVE_SIGNING_ALGORITHMS[algorithm],
            Message=lowered["Message"],
            MessageType=lowered["MessageType"],
        )
        return SignResult(
            signature=base64.b64decode(r["Signature"]),
            key_id=key_id_of(str(r["KeyId"])),
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
        lowered = self.raw_or_digest(message, digest)
        try:
            r = self.call(
                VERIFY,
                KeyId=key_id,
                SigningAlgorithm=NATIVE_SIGNING_ALGORITHMS[algorithm],
                Signature=_b64(signature),
                Message=lowered["Message"],
                MessageType=lowered["MessageType"],
            )
        except NativeError as err:
            if err.code == "KMSInvalidSignatureException":  # A22: "fails with" it
                return False
            raise
        return r["SignatureValid"] is True

    def get_public_key(self, key: str, version_id: str | None) -> PublicKey:
        key_id, spec, usage = self.asymmetric_key(key, version_id)
        self.check_asymmetric_key(key_id, spec, usage, None)
        r = self.call(GET_PUBLIC_KEY, KeyId=key_id)
        der = base64.b64decode(r["PublicKey"])
        return self.public_key_of(der, key_id_of(str(r["KeyId"])), spec, usage, r["RequestId"])

    def encrypt_asymmetric(
        self,
        key: str,
        plaintext: bytes,
        algorithm: AsymmetricAlgorithm,
        version_id: str | None,
    ) -> AsymmetricEncryptResult:
        key_id, spec, usage = self.asymmetric_key(key, version_id)
        self.check_asymmetric_key(key_id, spec, usage, algorithm)
        self.check_asymmetric_plaintext(spec, algorithm, len(plaintext))
        r = self.call(
            ENCRYPT, KeyId=key_id, Plaintext=_b64(plaintext), EncryptionAlgorithm=algorithm.value
        )
        return AsymmetricEncryptResult(
            ciphertext=base64.b64decode(r["CiphertextBlob"]),
            key_id=key_id_of(str(r["KeyId"])),
            key_version_id=None,
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
        key_id, spec, usage = self.asymmetric_key(key, version_id)
        self.check_asymmetric_key(key_id, spec, usage, algorithm)
        r = self.call(
            DECRYPT,
            KeyId=key_id,
            CiphertextBlob=_b64(ciphertext),
            EncryptionAlgorithm=algorithm.value,
        )
        return DecryptResult(
            plaintext=base64.b64decode(r["Plaintext"]),
            key_id=key_id_of(str(r["KeyId"])),
            key_version_id=None,
            algorithm=algorithm.value,
            request_id=r["RequestId"],
            dialect=self.rules.dialect,
        )
