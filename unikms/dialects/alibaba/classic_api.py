"""The classic OpenAPI 2016-01-20's actions as unikms calls them, typed.

One :class:`~unikms.native.Action` per action the neutral operations of
``alibaba-classic`` (and the key management of ``alibaba-instance``) send, with the
``TypedDict`` of its request and of its answer, named and typed as the official SDK
models them (``alibabacloud_kms20160120.models``): ``Plaintext``, ``CiphertextBlob``,
``Digest`` and signatures are Base64 strings, ``EncryptionContext`` a map, ``DryRun``
the string ``"true"``, page numbers and counts integers, ``AsymmetricVerify``'s
``Value`` a boolean. The instance gateway's actions of the same names take other
shapes (raw bytes): :mod:`unikms.dialects.alibaba.gateway_api`.

A request holds every parameter the operations send; one they may leave out (or send
as ``None``, which is left out) is not required. An answer holds the fields the
operations read, plus ``RequestId``; one they read with a fallback is not required
(the SDK leaves a field the service did not send out of its map). Keys that are not
required sit in a ``total=False`` base (``NotRequired`` is Python 3.11's, and unikms
runs on 3.10)::

    >>> DESCRIBE_KEY
    Action('DescribeKey', DescribeKeyRequest, DescribeKeyAnswer)
    >>> sorted(EncryptRequest.__optional_keys__)
    ['DryRun', 'EncryptionContext']
"""

from __future__ import annotations

from typing import TypedDict

from unikms.native import Action

__all__ = [
    "ACTIONS",
    "ASYMMETRIC_DECRYPT",
    "ASYMMETRIC_ENCRYPT",
    "ASYMMETRIC_SIGN",
    "ASYMMETRIC_VERIFY",
    "CANCEL_KEY_DELETION",
    "CREATE_ALIAS",
    "CREATE_KEY",
    "CREATE_KEY_VERSION",
    "DECRYPT",
    "DELETE_ALIAS",
    "DESCRIBE_KEY",
    "DISABLE_KEY",
    "ENABLE_KEY",
    "ENCRYPT",
    "GENERATE_DATA_KEY",
    "GET_PUBLIC_KEY",
    "LIST_ALIASES",
    "LIST_ALIASES_BY_KEY_ID",
    "LIST_KEYS",
    "LIST_KEY_VERSIONS",
    "LIST_RESOURCE_TAGS",
    "RE_ENCRYPT",
    "SCHEDULE_KEY_DELETION",
    "TAG_RESOURCE",
    "UNTAG_RESOURCE",
    "UPDATE_ALIAS",
    "UPDATE_KEY_DESCRIPTION",
    "UPDATE_ROTATION_POLICY",
    "AliasEntry",
    "AliasList",
    "AsymmetricDecryptAnswer",
    "AsymmetricDecryptRequest",
    "AsymmetricEncryptAnswer",
    "AsymmetricEncryptRequest",
    "AsymmetricSignAnswer",
    "AsymmetricSignRequest",
    "AsymmetricVerifyAnswer",
    "AsymmetricVerifyRequest",
    "CancelKeyDeletionAnswer",
    "CancelKeyDeletionRequest",
    "CreateAliasAnswer",
    "CreateAliasRequest",
    "CreateKeyAnswer",
    "CreateKeyRequest",
    "CreateKeyVersionAnswer",
    "CreateKeyVersionRequest",
    "CreatedKeyMetadata",
    "DecryptAnswer",
    "DecryptRequest",
    "DeleteAliasAnswer",
    "DeleteAliasRequest",
    "DescribeKeyAnswer",
    "DescribeKeyRequest",
    "DisableKeyAnswer",
    "DisableKeyRequest",
    "EnableKeyAnswer",
    "EnableKeyRequest",
    "EncryptAnswer",
    "EncryptRequest",
    "GenerateDataKeyAnswer",
    "GenerateDataKeyRequest",
    "GetPublicKeyAnswer",
    "GetPublicKeyRequest",
    "KeyEntry",
    "KeyList",
    "KeyMetadata",
    "KeyVersionEntry",
    "KeyVersionList",
    "ListAliasesAnswer",
    "ListAliasesByKeyIdAnswer",
    "ListAliasesByKeyIdRequest",
    "ListAliasesRequest",
    "ListKeyVersionsAnswer",
    "ListKeyVersionsRequest",
    "ListKeysAnswer",
    "ListKeysRequest",
    "ListResourceTagsAnswer",
    "ListResourceTagsRequest",
    "ReEncryptAnswer",
    "ReEncryptRequest",
    "ScheduleKeyDeletionAnswer",
    "ScheduleKeyDeletionRequest",
    "TagEntry",
    "TagList",
    "TagResourceAnswer",
    "TagResourceRequest",
    "UntagResourceAnswer",
    "UntagResourceRequest",
    "UpdateAliasAnswer",
    "UpdateAliasRequest",
    "UpdateKeyDescriptionAnswer",
    "UpdateKeyDescriptionRequest",
    "UpdateRotationPolicyAnswer",
    "UpdateRotationPolicyRequest",
]


# -- the bases: fields many actions share ------------------------------------------------
class _Sealing(TypedDict, total=False):
    """The optional parameters of the symmetric crypto requests."""

    EncryptionContext: dict[str, str] | None
    DryRun: str | None


class _Versioned(TypedDict, total=False):
    """The version a crypto answer names (the operations fall back on none, or the one
    they asked for)."""

    KeyVersionId: str


class _KeyId(TypedDict):
    """A request naming one key."""

    KeyId: str


class _Page(TypedDict):
    """A page of a listing (unikms asks for pages of 100)."""

    PageNumber: int
    PageSize: int


class _PageCount(TypedDict, total=False):
    """Where a page of a listing stands."""

    TotalCount: int
    PageNumber: int
    PageSize: int


class _Done(TypedDict):
    """The answer of an action that returns nothing but its request id."""

    RequestId: str


# -- symmetric crypto -------------------------------------------------------------------
class EncryptRequest(_Sealing):
    """``EncryptRequest``."""

    KeyId: str
    Plaintext: str


class EncryptAnswer(_Versioned):
    """``EncryptResponseBody``."""

    CiphertextBlob: str
    KeyId: str
    RequestId: str


class DecryptRequest(_Sealing):
    """``DecryptRequest``."""

    CiphertextBlob: str


class DecryptAnswer(_Versioned):
    """``DecryptResponseBody``."""

    Plaintext: str
    KeyId: str
    RequestId: str


class GenerateDataKeyRequest(_Sealing):
    """``GenerateDataKeyRequest``."""

    KeyId: str
    NumberOfBytes: int


class GenerateDataKeyAnswer(_Versioned):
    """``GenerateDataKeyResponseBody``."""

    Plaintext: str
    CiphertextBlob: str
    KeyId: str
    RequestId: str


class _ReEncryptContexts(TypedDict, total=False):
    """The optional part of ``ReEncryptRequest``."""

    SourceEncryptionContext: dict[str, str] | None
    DestinationEncryptionContext: dict[str, str] | None


class ReEncryptRequest(_ReEncryptContexts):
    """``ReEncryptRequest`` (its symmetric form)."""

    CiphertextBlob: str
    DestinationKeyId: str


class ReEncryptAnswer(_Versioned):
    """``ReEncryptResponseBody``."""

    CiphertextBlob: str
    KeyId: str
    RequestId: str


# -- keys -------------------------------------------------------------------------------
class _CreateKeyOptions(TypedDict, total=False):
    """The optional part of ``CreateKeyRequest``."""

    Origin: str | None
    Description: str | None
    ProtectionLevel: str | None


class CreateKeyRequest(_CreateKeyOptions):
    """``CreateKeyRequest``."""

    KeySpec: str
    KeyUsage: str


class CreatedKeyMetadata(TypedDict):
    """``CreateKeyResponseBodyKeyMetadata`` (the operations then describe the new key)."""

    KeyId: str


class CreateKeyAnswer(TypedDict):
    """``CreateKeyResponseBody``."""

    KeyMetadata: CreatedKeyMetadata
    RequestId: str


class DescribeKeyRequest(_KeyId):
    """``DescribeKeyRequest``."""


class _KeyMetadataShown(TypedDict, total=False):
    """The optional part of ``DescribeKeyResponseBodyKeyMetadata``."""

    Arn: str
    KeySpec: str
    KeyUsage: str
    Origin: str
    Description: str
    CreationDate: str
    DeleteDate: str
    PrimaryKeyVersion: str
    Creator: str
    ProtectionLevel: str
    AutomaticRotation: str
    RotationInterval: str
    NextRotationDate: str
    LastRotationDate: str
    MaterialExpireTime: str


class KeyMetadata(_KeyMetadataShown):
    """``DescribeKeyResponseBodyKeyMetadata``: what ``KeyInfo`` is made of (``KeyId`` and
    ``KeyState`` always; the rest as the service says it) and ``KeyInfo.native`` shows."""

    KeyId: str
    KeyState: str


class DescribeKeyAnswer(TypedDict):
    """``DescribeKeyResponseBody``."""

    KeyMetadata: KeyMetadata
    RequestId: str


class ListKeysRequest(_Page):
    """``ListKeysRequest``."""


class KeyEntry(TypedDict):
    """``ListKeysResponseBodyKeysKey``."""

    KeyId: str


class KeyList(TypedDict, total=False):
    """``ListKeysResponseBodyKeys``."""

    Key: list[KeyEntry]


class _ListKeysFound(_PageCount, total=False):
    """The optional part of ``ListKeysResponseBody``."""

    Keys: KeyList


class ListKeysAnswer(_ListKeysFound):
    """``ListKeysResponseBody``."""

    RequestId: str


class EnableKeyRequest(_KeyId):
    """``EnableKeyRequest``."""


class EnableKeyAnswer(_Done):
    """``EnableKeyResponseBody``."""


class DisableKeyRequest(_KeyId):
    """``DisableKeyRequest``."""


class DisableKeyAnswer(_Done):
    """``DisableKeyResponseBody``."""


class ScheduleKeyDeletionRequest(_KeyId):
    """``ScheduleKeyDeletionRequest``."""

    PendingWindowInDays: int


class ScheduleKeyDeletionAnswer(_Done):
    """``ScheduleKeyDeletionResponseBody``."""


class CancelKeyDeletionRequest(_KeyId):
    """``CancelKeyDeletionRequest``."""


class CancelKeyDeletionAnswer(_Done):
    """``CancelKeyDeletionResponseBody``."""


class UpdateKeyDescriptionRequest(_KeyId):
    """``UpdateKeyDescriptionRequest``."""

    Description: str


class UpdateKeyDescriptionAnswer(_Done):
    """``UpdateKeyDescriptionResponseBody``."""


class _RotationInterval(TypedDict, total=False):
    """The optional part of ``UpdateRotationPolicyRequest``."""

    RotationInterval: str | None


class UpdateRotationPolicyRequest(_RotationInterval):
    """``UpdateRotationPolicyRequest``."""

    KeyId: str
    EnableAutomaticRotation: bool


class UpdateRotationPolicyAnswer(_Done):
    """``UpdateRotationPolicyResponseBody``."""


# -- key versions -----------------------------------------------------------------------
class CreateKeyVersionRequest(_KeyId):
    """``CreateKeyVersionRequest``."""


class _KeyVersionDetails(TypedDict, total=False):
    """The optional part of ``ListKeyVersionsResponseBodyKeyVersionsKeyVersion``."""

    CreationDate: str


class KeyVersionEntry(_KeyVersionDetails):
    """``ListKeyVersionsResponseBodyKeyVersionsKeyVersion``, and
    ``CreateKeyVersionResponseBodyKeyVersion``."""

    KeyVersionId: str


class CreateKeyVersionAnswer(TypedDict):
    """``CreateKeyVersionResponseBody``."""

    KeyVersion: KeyVersionEntry
    RequestId: str


class ListKeyVersionsRequest(_Page):
    """``ListKeyVersionsRequest``."""

    KeyId: str


class KeyVersionList(TypedDict, total=False):
    """``ListKeyVersionsResponseBodyKeyVersions``."""

    KeyVersion: list[KeyVersionEntry]


class _ListKeyVersionsFound(_PageCount, total=False):
    """The optional part of ``ListKeyVersionsResponseBody``."""

    KeyVersions: KeyVersionList


class ListKeyVersionsAnswer(_ListKeyVersionsFound):
    """``ListKeyVersionsResponseBody``."""

    RequestId: str


# -- aliases ----------------------------------------------------------------------------
class CreateAliasRequest(_KeyId):
    """``CreateAliasRequest``."""

    AliasName: str


class CreateAliasAnswer(_Done):
    """``CreateAliasResponseBody``."""


class UpdateAliasRequest(_KeyId):
    """``UpdateAliasRequest``."""

    AliasName: str


class UpdateAliasAnswer(_Done):
    """``UpdateAliasResponseBody``."""


class DeleteAliasRequest(TypedDict):
    """``DeleteAliasRequest``."""

    AliasName: str


class DeleteAliasAnswer(_Done):
    """``DeleteAliasResponseBody``."""


class AliasEntry(TypedDict):
    """``ListAliasesResponseBodyAliasesAlias``, ``ListAliasesByKeyIdResponseBodyAliasesAlias``."""

    AliasName: str
    KeyId: str


class AliasList(TypedDict, total=False):
    """``ListAliasesResponseBodyAliases``, ``ListAliasesByKeyIdResponseBodyAliases``."""

    Alias: list[AliasEntry]


class _AliasesFound(_PageCount, total=False):
    """The optional part of ``ListAliasesResponseBody`` and ``ListAliasesByKeyIdResponseBody``."""

    Aliases: AliasList


class ListAliasesRequest(_Page):
    """``ListAliasesRequest``."""


class ListAliasesAnswer(_AliasesFound):
    """``ListAliasesResponseBody``."""

    RequestId: str


class ListAliasesByKeyIdRequest(_Page):
    """``ListAliasesByKeyIdRequest``."""

    KeyId: str


class ListAliasesByKeyIdAnswer(_AliasesFound):
    """``ListAliasesByKeyIdResponseBody``."""

    RequestId: str


# -- tags -------------------------------------------------------------------------------
class TagResourceRequest(_KeyId):
    """``TagResourceRequest``: ``Tags`` is the JSON text of ``[{"TagKey", "TagValue"}]``."""

    Tags: str


class TagResourceAnswer(_Done):
    """``TagResourceResponseBody``."""


class UntagResourceRequest(_KeyId):
    """``UntagResourceRequest``: ``TagKeys`` is the JSON text of a list of names."""

    TagKeys: str


class UntagResourceAnswer(_Done):
    """``UntagResourceResponseBody``."""


class ListResourceTagsRequest(_KeyId):
    """``ListResourceTagsRequest``."""


class _TagValue(TypedDict, total=False):
    """The optional part of ``ListResourceTagsResponseBodyTagsTag``."""

    TagValue: str


class TagEntry(_TagValue):
    """``ListResourceTagsResponseBodyTagsTag``."""

    TagKey: str


class TagList(TypedDict, total=False):
    """``ListResourceTagsResponseBodyTags``."""

    Tag: list[TagEntry]


class _TagsFound(TypedDict, total=False):
    """The optional part of ``ListResourceTagsResponseBody``."""

    Tags: TagList


class ListResourceTagsAnswer(_TagsFound):
    """``ListResourceTagsResponseBody``."""

    RequestId: str


# -- asymmetric keys: every request names its version -----------------------------------
class _AsymmetricRequest(TypedDict):
    """What every asymmetric request names: the key, its version, the algorithm."""

    KeyId: str
    KeyVersionId: str
    Algorithm: str


class AsymmetricSignRequest(_AsymmetricRequest):
    """``AsymmetricSignRequest``: ``Digest`` is Base64."""

    Digest: str


class AsymmetricSignAnswer(_Versioned):
    """``AsymmetricSignResponseBody``: ``Value`` is the signature, Base64."""

    Value: str
    KeyId: str
    RequestId: str


class AsymmetricVerifyRequest(_AsymmetricRequest):
    """``AsymmetricVerifyRequest``: ``Digest`` and the signature ``Value`` are Base64."""

    Digest: str
    Value: str


class _Verdict(TypedDict, total=False):
    """The optional part of ``AsymmetricVerifyResponseBody``."""

    Value: bool


class AsymmetricVerifyAnswer(_Verdict):
    """``AsymmetricVerifyResponseBody``: ``Value`` is whether the signature verifies."""

    RequestId: str


class AsymmetricEncryptRequest(_AsymmetricRequest):
    """``AsymmetricEncryptRequest``: ``Plaintext`` is Base64."""

    Plaintext: str


class AsymmetricEncryptAnswer(_Versioned):
    """``AsymmetricEncryptResponseBody``."""

    CiphertextBlob: str
    KeyId: str
    RequestId: str


class AsymmetricDecryptRequest(_AsymmetricRequest):
    """``AsymmetricDecryptRequest``: ``CiphertextBlob`` is Base64."""

    CiphertextBlob: str


class AsymmetricDecryptAnswer(_Versioned):
    """``AsymmetricDecryptResponseBody``: ``Plaintext`` is Base64."""

    Plaintext: str
    KeyId: str
    RequestId: str


class GetPublicKeyRequest(_KeyId):
    """``GetPublicKeyRequest``: the classic API's names the version (the gateway's, of the
    same name, takes only ``KeyId``)."""

    KeyVersionId: str


class GetPublicKeyAnswer(_Versioned):
    """``GetPublicKeyResponseBody``: ``PublicKey`` is PEM."""

    PublicKey: str
    KeyId: str
    RequestId: str


ENCRYPT = Action("Encrypt", EncryptRequest, EncryptAnswer)
DECRYPT = Action("Decrypt", DecryptRequest, DecryptAnswer)
GENERATE_DATA_KEY = Action("GenerateDataKey", GenerateDataKeyRequest, GenerateDataKeyAnswer)
RE_ENCRYPT = Action("ReEncrypt", ReEncryptRequest, ReEncryptAnswer)
CREATE_KEY = Action("CreateKey", CreateKeyRequest, CreateKeyAnswer)
DESCRIBE_KEY = Action("DescribeKey", DescribeKeyRequest, DescribeKeyAnswer)
LIST_KEYS = Action("ListKeys", ListKeysRequest, ListKeysAnswer)
ENABLE_KEY = Action("EnableKey", EnableKeyRequest, EnableKeyAnswer)
DISABLE_KEY = Action("DisableKey", DisableKeyRequest, DisableKeyAnswer)
SCHEDULE_KEY_DELETION = Action(
    "ScheduleKeyDeletion", ScheduleKeyDeletionRequest, ScheduleKeyDeletionAnswer
)
CANCEL_KEY_DELETION = Action("CancelKeyDeletion", CancelKeyDeletionRequest, CancelKeyDeletionAnswer)
UPDATE_KEY_DESCRIPTION = Action(
    "UpdateKeyDescription", UpdateKeyDescriptionRequest, UpdateKeyDescriptionAnswer
)
UPDATE_ROTATION_POLICY = Action(
    "UpdateRotationPolicy", UpdateRotationPolicyRequest, UpdateRotationPolicyAnswer
)
CREATE_KEY_VERSION = Action("CreateKeyVersion", CreateKeyVersionRequest, CreateKeyVersionAnswer)
LIST_KEY_VERSIONS = Action("ListKeyVersions", ListKeyVersionsRequest, ListKeyVersionsAnswer)
CREATE_ALIAS = Action("CreateAlias", CreateAliasRequest, CreateAliasAnswer)
UPDATE_ALIAS = Action("UpdateAlias", UpdateAliasRequest, UpdateAliasAnswer)
DELETE_ALIAS = Action("DeleteAlias", DeleteAliasRequest, DeleteAliasAnswer)
LIST_ALIASES = Action("ListAliases", ListAliasesRequest, ListAliasesAnswer)
LIST_ALIASES_BY_KEY_ID = Action(
    "ListAliasesByKeyId", ListAliasesByKeyIdRequest, ListAliasesByKeyIdAnswer
)
TAG_RESOURCE = Action("TagResource", TagResourceRequest, TagResourceAnswer)
UNTAG_RESOURCE = Action("UntagResource", UntagResourceRequest, UntagResourceAnswer)
LIST_RESOURCE_TAGS = Action("ListResourceTags", ListResourceTagsRequest, ListResourceTagsAnswer)
ASYMMETRIC_SIGN = Action("AsymmetricSign", AsymmetricSignRequest, AsymmetricSignAnswer)
ASYMMETRIC_VERIFY = Action("AsymmetricVerify", AsymmetricVerifyRequest, AsymmetricVerifyAnswer)
ASYMMETRIC_ENCRYPT = Action("AsymmetricEncrypt", AsymmetricEncryptRequest, AsymmetricEncryptAnswer)
ASYMMETRIC_DECRYPT = Action("AsymmetricDecrypt", AsymmetricDecryptRequest, AsymmetricDecryptAnswer)
GET_PUBLIC_KEY = Action("GetPublicKey", GetPublicKeyRequest, GetPublicKeyAnswer)

#: every action the classic operations send (the instance dialect's key management too)
ACTIONS = (
    ENCRYPT,
    DECRYPT,
    GENERATE_DATA_KEY,
    RE_ENCRYPT,
    CREATE_KEY,
    DESCRIBE_KEY,
    LIST_KEYS,
    ENABLE_KEY,
    DISABLE_KEY,
    SCHEDULE_KEY_DELETION,
    CANCEL_KEY_DELETION,
    UPDATE_KEY_DESCRIPTION,
    UPDATE_ROTATION_POLICY,
    CREATE_KEY_VERSION,
    LIST_KEY_VERSIONS,
    CREATE_ALIAS,
    UPDATE_ALIAS,
    DELETE_ALIAS,
    LIST_ALIASES,
    LIST_ALIASES_BY_KEY_ID,
    TAG_RESOURCE,
    UNTAG_RESOURCE,
    LIST_RESOURCE_TAGS,
    ASYMMETRIC_SIGN,
    ASYMMETRIC_VERIFY,
    ASYMMETRIC_ENCRYPT,
    ASYMMETRIC_DECRYPT,
    GET_PUBLIC_KEY,
)
