"""Tencent KMS 2019-01-18, typed: each action the neutral operations call, with its
request and its answer as ``TypedDict``\\ s after ``tencentcloud.kms.v20190118.models``
(the SDK's ``XRequest`` and ``XResponse`` classes; T3 in docs/dialects.md).

A request holds every parameter the operations send, as keywords (a ``None`` one is
left out). An answer holds the fields the operations read, plus ``RequestId``, typed
as the JSON API gives them (the fake, the emulator and the SDK adapter alike); it is
``total=False`` because a field an answer lacks fails when it is read, not before, and
fields it has beyond these pass unchecked (:class:`unikms.native.Action`)::

    >>> DESCRIBE_KEY
    Action('DescribeKey', KeyIdRequest, DescribeKeyAnswer)
"""

from __future__ import annotations

from typing import TypedDict

from unikms.native import Action

__all__ = [
    "ACTIONS",
    "ARCHIVE_KEY",
    "ASYMMETRIC_RSA_DECRYPT",
    "ASYMMETRIC_SM2_DECRYPT",
    "CANCEL_KEY_ARCHIVE",
    "CANCEL_KEY_DELETION",
    "CREATE_KEY",
    "DECRYPT",
    "DESCRIBE_KEY",
    "DISABLE_KEY",
    "DISABLE_KEY_ROTATION",
    "ENABLE_KEY",
    "ENABLE_KEY_ROTATION",
    "ENCRYPT",
    "GENERATE_DATA_KEY",
    "GENERATE_RANDOM",
    "GET_PUBLIC_KEY",
    "LIST_KEYS",
    "LIST_KEY_DETAIL",
    "RE_ENCRYPT",
    "ROTATE_KEY",
    "SCHEDULE_KEY_DELETION",
    "SIGN_BY_ASYMMETRIC_KEY",
    "UPDATE_ALIAS",
    "UPDATE_KEY_DESCRIPTION",
    "VERIFY_BY_ASYMMETRIC_KEY",
    "KeyMetadata",
]


# -- shapes shared by several actions ----------------------------------------------------
class KeyIdRequest(TypedDict):
    """A request of ``KeyId`` alone (``DescribeKeyRequest``, ``EnableKeyRequest``, ...)."""

    KeyId: str


class Answer(TypedDict, total=False):
    """An answer of ``RequestId`` alone (``EnableKeyResponse``, ...)."""

    RequestId: str


class KeyMetadata(TypedDict, total=False):
    """``KeyMetadata``."""

    KeyId: str
    Alias: str
    CreateTime: int
    Description: str
    KeyState: str
    KeyUsage: str
    Type: int
    KeyRotationEnabled: bool
    NextRotateTime: int
    DeletionDate: int
    Origin: str
    ValidTo: int
    RotateDays: int
    LastRotateTime: int
    IsSyncReplica: int


# -- symmetric crypto --------------------------------------------------------------------
class EncryptRequest(TypedDict):
    """``EncryptRequest``: ``Plaintext`` is Base64, ``EncryptionContext`` JSON text."""

    KeyId: str
    Plaintext: str
    EncryptionContext: str | None


class EncryptAnswer(TypedDict, total=False):
    """``EncryptResponse`` (and ``ReEncryptResponse``'s fields that matter here)."""

    CiphertextBlob: str
    KeyId: str
    RequestId: str


class DecryptRequest(TypedDict):
    """``DecryptRequest``."""

    CiphertextBlob: str
    EncryptionContext: str | None


class PlaintextAnswer(TypedDict, total=False):
    """``DecryptResponse``, ``AsymmetricRsaDecryptResponse``, ``AsymmetricSm2DecryptResponse``:
    ``Plaintext`` is Base64."""

    KeyId: str
    Plaintext: str
    RequestId: str


class GenerateDataKeyRequest(TypedDict):
    """``GenerateDataKeyRequest``."""

    KeyId: str
    NumberOfBytes: int
    EncryptionContext: str | None


class GenerateDataKeyAnswer(TypedDict, total=False):
    """``GenerateDataKeyResponse``."""

    KeyId: str
    Plaintext: str
    CiphertextBlob: str
    RequestId: str


class ReEncryptRequest(TypedDict):
    """``ReEncryptRequest``."""

    CiphertextBlob: str
    DestinationKeyId: str
    SourceEncryptionContext: str | None
    DestinationEncryptionContext: str | None


class GenerateRandomRequest(TypedDict):
    """``GenerateRandomRequest``."""

    NumberOfBytes: int


class GenerateRandomAnswer(TypedDict, total=False):
    """``GenerateRandomResponse``: ``Plaintext`` is Base64."""

    Plaintext: str
    RequestId: str


# -- key management ----------------------------------------------------------------------
class CreateKeyRequest(TypedDict):
    """``CreateKeyRequest``: ``Type`` 1 is KMS-made material, 2 EXTERNAL."""

    Alias: str
    Description: str | None
    KeyUsage: str
    Type: int


class CreateKeyAnswer(TypedDict, total=False):
    """``CreateKeyResponse``."""

    KeyId: str
    RequestId: str


class DescribeKeyAnswer(TypedDict, total=False):
    """``DescribeKeyResponse``."""

    KeyMetadata: KeyMetadata
    RequestId: str


class ListKeysRequest(TypedDict):
    """``ListKeysRequest``."""

    Offset: int
    Limit: int


class Key(TypedDict, total=False):
    """``Key``: an entry of ``ListKeysResponse.Keys``."""

    KeyId: str


class ListKeysAnswer(TypedDict, total=False):
    """``ListKeysResponse``."""

    Keys: list[Key]
    TotalCount: int
    RequestId: str


class ListKeyDetailRequest(TypedDict):
    """``ListKeyDetailRequest``, with the filters the operations use."""

    Offset: int
    Limit: int
    KeyUsage: str
    SearchKeyAlias: str | None


class ListKeyDetailAnswer(TypedDict, total=False):
    """``ListKeyDetailResponse``."""

    KeyMetadatas: list[KeyMetadata]
    TotalCount: int
    RequestId: str


class UpdateAliasRequest(TypedDict):
    """``UpdateAliasRequest``: ``Alias`` without the neutral ``alias/``."""

    Alias: str
    KeyId: str


class ScheduleKeyDeletionRequest(TypedDict):
    """``ScheduleKeyDeletionRequest``."""

    KeyId: str
    PendingWindowInDays: int


class UpdateKeyDescriptionRequest(TypedDict):
    """``UpdateKeyDescriptionRequest``."""

    KeyId: str
    Description: str


class EnableKeyRotationRequest(TypedDict):
    """``EnableKeyRotationRequest``."""

    KeyId: str
    RotateDays: int | None


# -- asymmetric keys ---------------------------------------------------------------------
class SignRequest(TypedDict):
    """``SignByAsymmetricKeyRequest``: ``Message`` is Base64, ``MessageType`` RAW or DIGEST."""

    KeyId: str
    Algorithm: str
    Message: str
    MessageType: str


class SignAnswer(TypedDict, total=False):
    """``SignByAsymmetricKeyResponse``: ``Signature`` is Base64."""

    Signature: str
    RequestId: str


class VerifyRequest(SignRequest):
    """``VerifyByAsymmetricKeyRequest``."""

    SignatureValue: str


class VerifyAnswer(TypedDict, total=False):
    """``VerifyByAsymmetricKeyResponse``."""

    SignatureValid: bool
    RequestId: str


class GetPublicKeyAnswer(TypedDict, total=False):
    """``GetPublicKeyResponse``: ``PublicKey`` is Base64 DER, ``PublicKeyPem`` PEM."""

    KeyId: str
    PublicKey: str
    PublicKeyPem: str
    RequestId: str


class Sm2DecryptRequest(TypedDict):
    """``AsymmetricSm2DecryptRequest``: ``Ciphertext`` is Base64."""

    KeyId: str
    Ciphertext: str


class RsaDecryptRequest(Sm2DecryptRequest):
    """``AsymmetricRsaDecryptRequest``."""

    Algorithm: str


ENCRYPT = Action("Encrypt", EncryptRequest, EncryptAnswer)
DECRYPT = Action("Decrypt", DecryptRequest, PlaintextAnswer)
GENERATE_DATA_KEY = Action("GenerateDataKey", GenerateDataKeyRequest, GenerateDataKeyAnswer)
RE_ENCRYPT = Action("ReEncrypt", ReEncryptRequest, EncryptAnswer)
GENERATE_RANDOM = Action("GenerateRandom", GenerateRandomRequest, GenerateRandomAnswer)
CREATE_KEY = Action("CreateKey", CreateKeyRequest, CreateKeyAnswer)
DESCRIBE_KEY = Action("DescribeKey", KeyIdRequest, DescribeKeyAnswer)
LIST_KEYS = Action("ListKeys", ListKeysRequest, ListKeysAnswer)
LIST_KEY_DETAIL = Action("ListKeyDetail", ListKeyDetailRequest, ListKeyDetailAnswer)
UPDATE_ALIAS = Action("UpdateAlias", UpdateAliasRequest, Answer)
ENABLE_KEY = Action("EnableKey", KeyIdRequest, Answer)
DISABLE_KEY = Action("DisableKey", KeyIdRequest, Answer)
SCHEDULE_KEY_DELETION = Action("ScheduleKeyDeletion", ScheduleKeyDeletionRequest, Answer)
CANCEL_KEY_DELETION = Action("CancelKeyDeletion", KeyIdRequest, Answer)
ROTATE_KEY = Action("RotateKey", KeyIdRequest, Answer)
ARCHIVE_KEY = Action("ArchiveKey", KeyIdRequest, Answer)
CANCEL_KEY_ARCHIVE = Action("CancelKeyArchive", KeyIdRequest, Answer)
UPDATE_KEY_DESCRIPTION = Action("UpdateKeyDescription", UpdateKeyDescriptionRequest, Answer)
ENABLE_KEY_ROTATION = Action("EnableKeyRotation", EnableKeyRotationRequest, Answer)
DISABLE_KEY_ROTATION = Action("DisableKeyRotation", KeyIdRequest, Answer)
SIGN_BY_ASYMMETRIC_KEY = Action("SignByAsymmetricKey", SignRequest, SignAnswer)
VERIFY_BY_ASYMMETRIC_KEY = Action("VerifyByAsymmetricKey", VerifyRequest, VerifyAnswer)
GET_PUBLIC_KEY = Action("GetPublicKey", KeyIdRequest, GetPublicKeyAnswer)
ASYMMETRIC_SM2_DECRYPT = Action("AsymmetricSm2Decrypt", Sm2DecryptRequest, PlaintextAnswer)
ASYMMETRIC_RSA_DECRYPT = Action("AsymmetricRsaDecrypt", RsaDecryptRequest, PlaintextAnswer)

#: every action the neutral operations call
ACTIONS = (
    ENCRYPT,
    DECRYPT,
    GENERATE_DATA_KEY,
    RE_ENCRYPT,
    GENERATE_RANDOM,
    CREATE_KEY,
    DESCRIBE_KEY,
    LIST_KEYS,
    LIST_KEY_DETAIL,
    UPDATE_ALIAS,
    ENABLE_KEY,
    DISABLE_KEY,
    SCHEDULE_KEY_DELETION,
    CANCEL_KEY_DELETION,
    ROTATE_KEY,
    ARCHIVE_KEY,
    CANCEL_KEY_ARCHIVE,
    UPDATE_KEY_DESCRIPTION,
    ENABLE_KEY_ROTATION,
    DISABLE_KEY_ROTATION,
    SIGN_BY_ASYMMETRIC_KEY,
    VERIFY_BY_ASYMMETRIC_KEY,
    GET_PUBLIC_KEY,
    ASYMMETRIC_SM2_DECRYPT,
    ASYMMETRIC_RSA_DECRYPT,
)
