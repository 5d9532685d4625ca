"""The KMS instance gateway's actions (``dkms-gcs-0.2``) as unikms calls them, typed.

One :class:`~unikms.native.Action` per action the neutral operations of
``alibaba-instance`` send to the gateway, with the ``TypedDict`` of its request and of
its answer: the fields of the gateway's protobuf messages
(``unikms/dialects/alibaba/dkms/dkms_gcs.proto``, as the official SDK sends them), so
``Plaintext``, ``CiphertextBlob``, ``Iv``, ``Aad``, ``Message``, ``Signature`` and
``Random`` are raw ``bytes``, ``NumberOfBytes`` and ``Length`` integers, ``Verify``'s
``Value`` a boolean. The classic API's actions of the same names (``Encrypt``,
``Decrypt``, ``GenerateDataKey``, ``GetPublicKey``) take Base64 strings:
:mod:`unikms.dialects.alibaba.classic_api`, which also types this dialect's key
management (the classic API's).

A request holds every field the operations send; one they may leave out (or send as
``None``, which is left out) is not required (a ``total=False`` base: ``NotRequired``
is Python 3.11's, and unikms runs on 3.10). An answer holds the fields the operations
read, plus ``RequestId``, all required: a proto3 answer always has every field (an
unset one reads as its empty value), and the fake gives each::

    >>> ADVANCE_ENCRYPT
    Action('AdvanceEncrypt', AdvanceEncryptRequest, AdvanceEncryptAnswer)
"""

from __future__ import annotations

from typing import TypedDict

from unikms.native import Action

__all__ = [
    "ACTIONS",
    "ADVANCE_DECRYPT",
    "ADVANCE_ENCRYPT",
    "ADVANCE_GENERATE_DATA_KEY",
    "DECRYPT",
    "ENCRYPT",
    "GENERATE_DATA_KEY",
    "GENERATE_RANDOM",
    "GET_PUBLIC_KEY",
    "SIGN",
    "VERIFY",
    "AdvanceDecryptAnswer",
    "AdvanceDecryptRequest",
    "AdvanceEncryptAnswer",
    "AdvanceEncryptRequest",
    "AdvanceGenerateDataKeyAnswer",
    "AdvanceGenerateDataKeyRequest",
    "DecryptAnswer",
    "DecryptRequest",
    "EncryptAnswer",
    "EncryptRequest",
    "GenerateDataKeyAnswer",
    "GenerateDataKeyRequest",
    "GenerateRandomAnswer",
    "GenerateRandomRequest",
    "GetPublicKeyAnswer",
    "GetPublicKeyRequest",
    "SignAnswer",
    "SignRequest",
    "VerifyAnswer",
    "VerifyRequest",
]


class _CipherOptions(TypedDict, total=False):
    """The optional fields of ``EncryptRequest``, ``AdvanceEncryptRequest`` and
    ``DecryptRequest``: the key's default algorithm, IV and padding when left out."""

    Algorithm: str | None
    Aad: bytes | None
    Iv: bytes | None
    PaddingMode: str | None


class _Aad(TypedDict, total=False):
    """The optional ``Aad`` of ``AdvanceDecryptRequest`` and the data key requests."""

    Aad: bytes | None


class EncryptRequest(_CipherOptions):
    """``EncryptRequest``."""

    KeyId: str
    Plaintext: bytes


class EncryptAnswer(TypedDict):
    """``EncryptResponse``."""

    KeyId: str
    CiphertextBlob: bytes
    Iv: bytes
    Algorithm: str
    PaddingMode: str
    RequestId: str


class AdvanceEncryptRequest(_CipherOptions):
    """``AdvanceEncryptRequest``."""

    KeyId: str
    Plaintext: bytes


class AdvanceEncryptAnswer(TypedDict):
    """``AdvanceEncryptResponse``."""

    KeyId: str
    CiphertextBlob: bytes
    Iv: bytes
    Algorithm: str
    KeyVersionId: str
    RequestId: str


class DecryptRequest(_CipherOptions):
    """``DecryptRequest``."""

    CiphertextBlob: bytes
    KeyId: str


class DecryptAnswer(TypedDict):
    """``DecryptResponse`` (it names no version: the key's initial one opened it)."""

    KeyId: str
    Plaintext: bytes
    Algorithm: str
    RequestId: str


class AdvanceDecryptRequest(_Aad):
    """``AdvanceDecryptRequest`` (the blob names its key, version and algorithm)."""

    CiphertextBlob: bytes


class AdvanceDecryptAnswer(TypedDict):
    """``AdvanceDecryptResponse``."""

    KeyId: str
    Plaintext: bytes
    Algorithm: str
    KeyVersionId: str
    RequestId: str


class GenerateDataKeyRequest(_Aad):
    """``GenerateDataKeyRequest``."""

    KeyId: str
    NumberOfBytes: int


class GenerateDataKeyAnswer(TypedDict):
    """``GenerateDataKeyResponse``."""

    KeyId: str
    Iv: bytes
    Plaintext: bytes
    CiphertextBlob: bytes
    Algorithm: str
    RequestId: str


class AdvanceGenerateDataKeyRequest(_Aad):
    """``AdvanceGenerateDataKeyRequest``."""

    KeyId: str
    NumberOfBytes: int


class AdvanceGenerateDataKeyAnswer(TypedDict):
    """``AdvanceGenerateDataKeyResponse``."""

    KeyId: str
    Plaintext: bytes
    CiphertextBlob: bytes
    Algorithm: str
    KeyVersionId: str
    RequestId: str


class GenerateRandomRequest(TypedDict):
    """``GenerateRandomRequest``."""

    Length: int


class GenerateRandomAnswer(TypedDict):
    """``GenerateRandomResponse``."""

    Random: bytes
    RequestId: str


class SignRequest(TypedDict):
    """``SignRequest``: ``MessageType`` ``RAW`` (the gateway hashes ``Message``) or
    ``DIGEST``."""

    KeyId: str
    Algorithm: str
    Message: bytes
    MessageType: str


class SignAnswer(TypedDict):
    """``SignResponse``."""

    KeyId: str
    Signature: bytes
    RequestId: str


class VerifyRequest(TypedDict):
    """``VerifyRequest``."""

    KeyId: str
    Algorithm: str
    Signature: bytes
    Message: bytes
    MessageType: str


class VerifyAnswer(TypedDict):
    """``VerifyResponse``: ``Value`` is whether the signature verifies."""

    Value: bool
    RequestId: str


class GetPublicKeyRequest(TypedDict):
    """``GetPublicKeyRequest``: the key's primary version (the classic API's action of the
    same name names a version)."""

    KeyId: str


class GetPublicKeyAnswer(TypedDict):
    """``GetPublicKeyResponse``: ``PublicKey`` is PEM."""

    KeyId: str
    PublicKey: str
    RequestId: str


ENCRYPT = Action("Encrypt", EncryptRequest, EncryptAnswer)
ADVANCE_ENCRYPT = Action("AdvanceEncrypt", AdvanceEncryptRequest, AdvanceEncryptAnswer)
DECRYPT = Action("Decrypt", DecryptRequest, DecryptAnswer)
ADVANCE_DECRYPT = Action("AdvanceDecrypt", AdvanceDecryptRequest, AdvanceDecryptAnswer)
GENERATE_DATA_KEY = Action("GenerateDataKey", GenerateDataKeyRequest, GenerateDataKeyAnswer)
ADVANCE_GENERATE_DATA_KEY = Action(
    "AdvanceGenerateDataKey", AdvanceGenerateDataKeyRequest, AdvanceGenerateDataKeyAnswer
)
GENERATE_RANDOM = Action("GenerateRandom", GenerateRandomRequest, GenerateRandomAnswer)
SIGN = Action("Sign", SignRequest, SignAnswer)
VERIFY = Action("Verify", VerifyRequest, VerifyAnswer)
GET_PUBLIC_KEY = Action("GetPublicKey", GetPublicKeyRequest, GetPublicKeyAnswer)

#: every action the instance operations send to the gateway (key management:
#: ``classic_api.ACTIONS``)
ACTIONS = (
    ENCRYPT,
    ADVANCE_ENCRYPT,
    DECRYPT,
    ADVANCE_DECRYPT,
    GENERATE_DATA_KEY,
    ADVANCE_GENERATE_DATA_KEY,
    GENERATE_RANDOM,
    SIGN,
    VERIFY,
    GET_PUBLIC_KEY,
)
