"""AWS KMS 2014-11-01's native actions, typed (:class:`unikms.native.Action`): what
:class:`~unikms.dialects.aws.rules.AwsOperations` sends and reads.

Each ``TypedDict`` follows one shape of botocore's service model
(``botocore/data/kms/2014-11-01/service-2.json``), named in its docstring. A request
holds every member the operations send; an answer the members they read, and
``RequestId`` (``x-amzn-RequestId``, boto3's ``ResponseMetadata.RequestId``), which
every AWS driver answers. Every driver answers in the JSON 1.1 wire's terms: a blob
member (``PlaintextType``, ``CiphertextType``, ``PublicKeyType``) is Base64 *text*, a
timestamp (``DateType``) is Unix seconds, a number; the fake answers so, and the boto3
adapter turns boto3's ``bytes`` and ``datetime`` back into them.

A member the operations may leave out or send as ``None`` (left out: see
:meth:`~unikms.dialects.base.DialectOperations.call`), or an answer member they read
with ``.get``, is in a ``total=False`` part: ``typing.NotRequired`` is Python 3.11's,
and unikms runs on 3.10.

    >>> from unikms.native import NativeError
    >>> DESCRIBE_KEY
    Action('DescribeKey', DescribeKeyRequest, DescribeKeyAnswer)
    >>> try:
    ...     DESCRIBE_KEY.checked({"KeyMetadata": {"KeyId": "k", "KeyState": 1}, "RequestId": "r"})
    ... except NativeError as err:
    ...     print(err.message)
    the answer to DescribeKey has KeyMetadata.KeyState of type int, not str
"""

from __future__ import annotations

from typing import Any, TypedDict

from unikms.native import Action

__all__ = [
    "ACTIONS",
    "CANCEL_KEY_DELETION",
    "CREATE_ALIAS",
    "CREATE_KEY",
    "DECRYPT",
    "DELETE_ALIAS",
    "DESCRIBE_KEY",
    "DISABLE_KEY",
    "DISABLE_KEY_ROTATION",
    "ENABLE_KEY",
    "ENABLE_KEY_ROTATION",
    "ENCRYPT",
    "GENERATE_DATA_KEY",
    "GENERATE_RANDOM",
    "GET_KEY_ROTATION_STATUS",
    "GET_PUBLIC_KEY",
    "LIST_ALIASES",
    "LIST_KEYS",
    "RE_ENCRYPT",
    "ROTATE_KEY_ON_DEMAND",
    "SCHEDULE_KEY_DELETION",
    "SIGN",
    "UPDATE_ALIAS",
    "UPDATE_KEY_DESCRIPTION",
    "VERIFY",
    "AliasListEntry",
    "CancelKeyDeletionAnswer",
    "CancelKeyDeletionRequest",
    "CreateAliasAnswer",
    "CreateAliasRequest",
    "CreateKeyAnswer",
    "CreateKeyRequest",
    "DecryptAnswer",
    "DecryptRequest",
    "DeleteAliasAnswer",
    "DeleteAliasRequest",
    "DescribeKeyAnswer",
    "DescribeKeyRequest",
    "DisableKeyAnswer",
    "DisableKeyRequest",
    "DisableKeyRotationAnswer",
    "DisableKeyRotationRequest",
    "EnableKeyAnswer",
    "EnableKeyRequest",
    "EnableKeyRotationAnswer",
    "EnableKeyRotationRequest",
    "EncryptAnswer",
    "EncryptRequest",
    "GenerateDataKeyAnswer",
    "GenerateDataKeyRequest",
    "GenerateRandomAnswer",
    "GenerateRandomRequest",
    "GetKeyRotationStatusAnswer",
    "GetKeyRotationStatusRequest",
    "GetPublicKeyAnswer",
    "GetPublicKeyRequest",
    "KeyListEntry",
    "KeyMetadata",
    "ListAliasesAnswer",
    "ListAliasesRequest",
    "ListKeysAnswer",
    "ListKeysRequest",
    "ReEncryptAnswer",
    "ReEncryptRequest",
    "RotateKeyOnDemandAnswer",
    "RotateKeyOnDemandRequest",
    "ScheduleKeyDeletionAnswer",
    "ScheduleKeyDeletionRequest",
    "SignAnswer",
    "SignRequest",
    "UpdateAliasAnswer",
    "UpdateAliasRequest",
    "UpdateKeyDescriptionAnswer",
    "UpdateKeyDescriptionRequest",
    "VerifyAnswer",
    "VerifyRequest",
]


class _Answer(TypedDict):
    """What every driver adds to an answer: its request id (not a member of the model)."""

    RequestId: str


class _KeyRequest(TypedDict):
    """A request of one ``KeyIdType`` member, ``KeyId``."""

    KeyId: str


# -- Encrypt, Decrypt, GenerateDataKey, ReEncrypt, GenerateRandom ----------------------


class _EncryptOptions(TypedDict, total=False):
    """``EncryptRequest``'s members the operations may leave out."""

    EncryptionContext: dict[str, str] | None
    EncryptionAlgorithm: str | None
    DryRun: bool | None


class EncryptRequest(_EncryptOptions):
    """``EncryptRequest`` (``Plaintext`` Base64)."""

    KeyId: str
    Plaintext: str


class EncryptAnswer(_Answer):
    """``EncryptResponse`` (``CiphertextBlob`` Base64; ``KeyId`` a key ARN)."""

    CiphertextBlob: str
    KeyId: str


class _DecryptOptions(TypedDict, total=False):
    """``DecryptRequest``'s members the operations may leave out."""

    EncryptionContext: dict[str, str] | None
    KeyId: str | None
    EncryptionAlgorithm: str | None
    DryRun: bool | None


class DecryptRequest(_DecryptOptions):
    """``DecryptRequest`` (``CiphertextBlob`` Base64: optional in the model, always sent)."""

    CiphertextBlob: str


class DecryptAnswer(_Answer):
    """``DecryptResponse`` (``Plaintext`` Base64; ``KeyId`` a key ARN)."""

    KeyId: str
    Plaintext: str


class _GenerateDataKeyOptions(TypedDict, total=False):
    """``GenerateDataKeyRequest``'s members the operations may leave out."""

    EncryptionContext: dict[str, str] | None
    DryRun: bool | None


class GenerateDataKeyRequest(_GenerateDataKeyOptions):
    """``GenerateDataKeyRequest`` (``NumberOfBytes``, never ``KeySpec``)."""

    KeyId: str
    NumberOfBytes: int


class GenerateDataKeyAnswer(_Answer):
    """``GenerateDataKeyResponse`` (``CiphertextBlob`` and ``Plaintext`` Base64)."""

    CiphertextBlob: str
    Plaintext: str
    KeyId: str


class _ReEncryptOptions(TypedDict, total=False):
    """``ReEncryptRequest``'s members the operations may leave out."""

    SourceEncryptionContext: dict[str, str] | None
    DestinationEncryptionContext: dict[str, str] | None


class ReEncryptRequest(_ReEncryptOptions):
    """``ReEncryptRequest`` (``CiphertextBlob`` Base64)."""

    CiphertextBlob: str
    DestinationKeyId: str


class ReEncryptAnswer(_Answer):
    """``ReEncryptResponse`` (``CiphertextBlob`` Base64; ``KeyId`` the destination key's ARN)."""

    CiphertextBlob: str
    KeyId: str


class GenerateRandomRequest(TypedDict):
    """``GenerateRandomRequest``."""

    NumberOfBytes: int


class GenerateRandomAnswer(_Answer):
    """``GenerateRandomResponse`` (``Plaintext`` Base64)."""

    Plaintext: str


# -- keys -------------------------------------------------------------------------------


class _KeyMetadataRead(TypedDict, total=False):
    """``KeyMetadata``'s optional members the operations read (with ``.get``)."""

    Arn: str
    CreationDate: float  # DateType: Unix seconds
    Description: str
    KeyUsage: str
    KeyState: str  # not a Literal: a state AWS adds reads as the nearest neutral one
    DeletionDate: float  # DateType: Unix seconds
    Origin: str
    KeySpec: str


class KeyMetadata(_KeyMetadataRead):
    """``KeyMetadata``: what DescribeKey and CreateKey answer of a key."""

    KeyId: str


class _CreateKeyOptions(TypedDict, total=False):
    """``CreateKeyRequest``'s members the operations may leave out."""

    Description: str | None
    Origin: str | None


class CreateKeyRequest(_CreateKeyOptions):
    """``CreateKeyRequest`` (``KeySpec``, never the deprecated ``CustomerMasterKeySpec``)."""

    KeyUsage: str
    KeySpec: str


class CreateKeyAnswer(_Answer):
    """``CreateKeyResponse``."""

    KeyMetadata: KeyMetadata


class DescribeKeyRequest(_KeyRequest):
    """``DescribeKeyRequest`` (``KeyId`` an id, key ARN, alias name or alias ARN)."""


class DescribeKeyAnswer(_Answer):
    """``DescribeKeyResponse``."""

    KeyMetadata: KeyMetadata


class GetKeyRotationStatusRequest(_KeyRequest):
    """``GetKeyRotationStatusRequest``."""


class GetKeyRotationStatusAnswer(_Answer, total=False):
    """``GetKeyRotationStatusResponse`` (``RotationPeriodInDays`` only while enabled)."""

    KeyRotationEnabled: bool
    RotationPeriodInDays: int


class _ListOptions(TypedDict, total=False):
    """The paging member of ``ListKeysRequest`` and ``ListAliasesRequest`` unikms may leave out."""

    Marker: str | None


class ListKeysRequest(_ListOptions):
    """``ListKeysRequest``."""

    Limit: int


class KeyListEntry(TypedDict):
    """``KeyListEntry``."""

    KeyId: str


class ListKeysAnswer(_Answer, total=False):
    """``ListKeysResponse``."""

    Keys: list[KeyListEntry]
    NextMarker: str
    Truncated: bool


class _ListAliasesOptions(_ListOptions, total=False):
    """``ListAliasesRequest``'s members the operations may leave out."""

    KeyId: str | None


class ListAliasesRequest(_ListAliasesOptions):
    """``ListAliasesRequest``."""

    Limit: int


class _AliasListEntryRead(TypedDict, total=False):
    """``AliasListEntry``'s optional members the operations read (with ``.get``)."""

    TargetKeyId: str  # an AWS managed alias not yet used has none


class AliasListEntry(_AliasListEntryRead):
    """``AliasListEntry``."""

    AliasName: str


class ListAliasesAnswer(_Answer, total=False):
    """``ListAliasesResponse``."""

    Aliases: list[AliasListEntry]
    NextMarker: str
    Truncated: bool


class _AliasRequest(TypedDict):
    """``AliasName`` and ``TargetKeyId`` (a key id or key ARN)."""

    AliasName: str
    TargetKeyId: str


class CreateAliasRequest(_AliasRequest):
    """``CreateAliasRequest``."""


class CreateAliasAnswer(_Answer):
    """CreateAlias has no output shape: the request id only."""


class UpdateAliasRequest(_AliasRequest):
    """``UpdateAliasRequest``."""


class UpdateAliasAnswer(_Answer):
    """UpdateAlias has no output shape: the request id only."""


class DeleteAliasRequest(TypedDict):
    """``DeleteAliasRequest``."""

    AliasName: str


class DeleteAliasAnswer(_Answer):
    """DeleteAlias has no output shape: the request id only."""


class EnableKeyRequest(_KeyRequest):
    """``EnableKeyRequest``."""


class EnableKeyAnswer(_Answer):
    """EnableKey has no output shape: the request id only."""


class DisableKeyRequest(_KeyRequest):
    """``DisableKeyRequest``."""


class DisableKeyAnswer(_Answer):
    """DisableKey has no output shape: the request id only."""


class ScheduleKeyDeletionRequest(_KeyRequest):
    """``ScheduleKeyDeletionRequest``."""

    PendingWindowInDays: int


class ScheduleKeyDeletionAnswer(_Answer):
    """``ScheduleKeyDeletionResponse`` (none of its members read)."""


class CancelKeyDeletionRequest(_KeyRequest):
    """``CancelKeyDeletionRequest``."""


class CancelKeyDeletionAnswer(_Answer):
    """``CancelKeyDeletionResponse`` (its ``KeyId`` not read)."""


class RotateKeyOnDemandRequest(_KeyRequest):
    """``RotateKeyOnDemandRequest``."""


class RotateKeyOnDemandAnswer(_Answer):
    """``RotateKeyOnDemandResponse`` (its ``KeyId`` not read)."""


class UpdateKeyDescriptionRequest(_KeyRequest):
    """``UpdateKeyDescriptionRequest``."""

    Description: str


class UpdateKeyDescriptionAnswer(_Answer):
    """UpdateKeyDescription has no output shape: the request id only."""


class _EnableKeyRotationOptions(TypedDict, total=False):
    """``EnableKeyRotationRequest``'s member the operations may leave out (default 365)."""

    RotationPeriodInDays: int | None


class EnableKeyRotationRequest(_KeyRequest, _EnableKeyRotationOptions):
    """``EnableKeyRotationRequest``."""


class EnableKeyRotationAnswer(_Answer):
    """EnableKeyRotation has no output shape: the request id only."""


class DisableKeyRotationRequest(_KeyRequest):
    """``DisableKeyRotationRequest``."""


class DisableKeyRotationAnswer(_Answer):
    """DisableKeyRotation has no output shape: the request id only."""


# -- asymmetric keys --------------------------------------------------------------------


class SignRequest(_KeyRequest):
    """``SignRequest`` (``Message`` Base64; ``MessageType`` ``RAW`` or ``DIGEST``)."""

    SigningAlgorithm: str
    Message: str
    MessageType: str


class SignAnswer(_Answer):
    """``SignResponse`` (``Signature`` Base64)."""

    KeyId: str
    Signature: str


class VerifyRequest(SignRequest):
    """``VerifyRequest`` (``Message`` and ``Signature`` Base64)."""

    Signature: str


class VerifyAnswer(_Answer):
    """``VerifyResponse`` (a signature that does not verify is ``KMSInvalidSignatureException``)."""

    SignatureValid: bool


class GetPublicKeyRequest(_KeyRequest):
    """``GetPublicKeyRequest``."""


class GetPublicKeyAnswer(_Answer):
    """``GetPublicKeyResponse`` (``PublicKey`` Base64 of the DER SubjectPublicKeyInfo)."""

    KeyId: str
    PublicKey: str


ENCRYPT = Action("Encrypt", EncryptRequest, EncryptAnswer)
DECRYPT = Action("Decrypt", DecryptRequest, DecryptAnswer)
GENERATE_DATA_KEY = Action("GenerateDataKey", GenerateDataKeyRequest, GenerateDataKeyAnswer)
RE_ENCRYPT = Action("ReEncrypt", ReEncryptRequest, ReEncryptAnswer)
GENERATE_RANDOM = Action("GenerateRandom", GenerateRandomRequest, GenerateRandomAnswer)
CREATE_KEY = Action("CreateKey", CreateKeyRequest, CreateKeyAnswer)
DESCRIBE_KEY = Action("DescribeKey", DescribeKeyRequest, DescribeKeyAnswer)
GET_KEY_ROTATION_STATUS = Action(
    "GetKeyRotationStatus", GetKeyRotationStatusRequest, GetKeyRotationStatusAnswer
)
LIST_KEYS = Action("ListKeys", ListKeysRequest, ListKeysAnswer)
LIST_ALIASES = Action("ListAliases", ListAliasesRequest, ListAliasesAnswer)
CREATE_ALIAS = Action("CreateAlias", CreateAliasRequest, CreateAliasAnswer)
UPDATE_ALIAS = Action("UpdateAlias", UpdateAliasRequest, UpdateAliasAnswer)
DELETE_ALIAS = Action("DeleteAlias", DeleteAliasRequest, DeleteAliasAnswer)
ENABLE_KEY = Action("EnableKey", EnableKeyRequest, EnableKeyAnswer)
DISABLE_KEY = Action("DisableKey", DisableKeyRequest, DisableKeyAnswer)
SCHEDULE_KEY_DELETION = Action(
    "ScheduleKeyDeletion", ScheduleKeyDeletionRequest, ScheduleKeyDeletionAnswer
)
CANCEL_KEY_DELETION = Action("CancelKeyDeletion", CancelKeyDeletionRequest, CancelKeyDeletionAnswer)
ROTATE_KEY_ON_DEMAND = Action(
    "RotateKeyOnDemand", RotateKeyOnDemandRequest, RotateKeyOnDemandAnswer
)
UPDATE_KEY_DESCRIPTION = Action(
    "UpdateKeyDescription", UpdateKeyDescriptionRequest, UpdateKeyDescriptionAnswer
)
ENABLE_KEY_ROTATION = Action("EnableKeyRotation", EnableKeyRotationRequest, EnableKeyRotationAnswer)
DISABLE_KEY_ROTATION = Action(
    "DisableKeyRotation", DisableKeyRotationRequest, DisableKeyRotationAnswer
)
SIGN = Action("Sign", SignRequest, SignAnswer)
VERIFY = Action("Verify", VerifyRequest, VerifyAnswer)
GET_PUBLIC_KEY = Action("GetPublicKey", GetPublicKeyRequest, GetPublicKeyAnswer)

#: every action the AWS operations call
ACTIONS: tuple[Action[Any, Any], ...] = (
    ENCRYPT,
    DECRYPT,
    GENERATE_DATA_KEY,
    RE_ENCRYPT,
    GENERATE_RANDOM,
    CREATE_KEY,
    DESCRIBE_KEY,
    GET_KEY_ROTATION_STATUS,
    LIST_KEYS,
    LIST_ALIASES,
    CREATE_ALIAS,
    UPDATE_ALIAS,
    DELETE_ALIAS,
    ENABLE_KEY,
    DISABLE_KEY,
    SCHEDULE_KEY_DELETION,
    CANCEL_KEY_DELETION,
    ROTATE_KEY_ON_DEMAND,
    UPDATE_KEY_DESCRIPTION,
    ENABLE_KEY_ROTATION,
    DISABLE_KEY_ROTATION,
    SIGN,
    VERIFY,
    GET_PUBLIC_KEY,
)
