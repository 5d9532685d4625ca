from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class EncryptRequest(_message.Message):
    __slots__ = ("KeyId", "Plaintext", "Algorithm", "Aad", "Iv", "PaddingMode")
    KEYID_FIELD_NUMBER: _ClassVar[int]
    PLAINTEXT_FIELD_NUMBER: _ClassVar[int]
    ALGORITHM_FIELD_NUMBER: _ClassVar[int]
    AAD_FIELD_NUMBER: _ClassVar[int]
    IV_FIELD_NUMBER: _ClassVar[int]
    PADDINGMODE_FIELD_NUMBER: _ClassVar[int]
    KeyId: str
    Plaintext: bytes
    Algorithm: str
    Aad: bytes
    Iv: bytes
    PaddingMode: str
    def __init__(self, KeyId: _Optional[str] = ..., Plaintext: _Optional[bytes] = ..., Algorithm: _Optional[str] = ..., Aad: _Optional[bytes] = ..., Iv: _Optional[bytes] = ..., PaddingMode: _Optional[str] = ...) -> None: ...

class EncryptResponse(_message.Message):
    __slots__ = ("KeyId", "CiphertextBlob", "Iv", "RequestId", "Algorithm", "PaddingMode")
    KEYID_FIELD_NUMBER: _ClassVar[int]
    CIPHERTEXTBLOB_FIELD_NUMBER: _ClassVar[int]
    IV_FIELD_NUMBER: _ClassVar[int]
    REQUESTID_FIELD_NUMBER: _ClassVar[int]
    ALGORITHM_FIELD_NUMBER: _ClassVar[int]
    PADDINGMODE_FIELD_NUMBER: _ClassVar[int]
    KeyId: str
    CiphertextBlob: bytes
    Iv: bytes
    RequestId: str
    Algorithm: str
    PaddingMode: str
    def __init__(self, KeyId: _Optional[str] = ..., CiphertextBlob: _Optional[bytes] = ..., Iv: _Optional[bytes] = ..., RequestId: _Optional[str] = ..., Algorithm: _Optional[str] = ..., PaddingMode: _Optional[str] = ...) -> None: ...

class DecryptRequest(_message.Message):
    __slots__ = ("CiphertextBlob", "KeyId", "Algorithm", "Aad", "Iv", "PaddingMode")
    CIPHERTEXTBLOB_FIELD_NUMBER: _ClassVar[int]
    KEYID_FIELD_NUMBER: _ClassVar[int]
    ALGORITHM_FIELD_NUMBER: _ClassVar[int]
    AAD_FIELD_NUMBER: _ClassVar[int]
    IV_FIELD_NUMBER: _ClassVar[int]
    PADDINGMODE_FIELD_NUMBER: _ClassVar[int]
    CiphertextBlob: bytes
    KeyId: str
    Algorithm: str
    Aad: bytes
    Iv: bytes
    PaddingMode: str
    def __init__(self, CiphertextBlob: _Optional[bytes] = ..., KeyId: _Optional[str] = ..., Algorithm: _Optional[str] = ..., Aad: _Optional[bytes] = ..., Iv: _Optional[bytes] = ..., PaddingMode: _Optional[str] = ...) -> None: ...

class DecryptResponse(_message.Message):
    __slots__ = ("KeyId", "Plaintext", "RequestId", "Algorithm", "PaddingMode")
    KEYID_FIELD_NUMBER: _ClassVar[int]
    PLAINTEXT_FIELD_NUMBER: _ClassVar[int]
    REQUESTID_FIELD_NUMBER: _ClassVar[int]
    ALGORITHM_FIELD_NUMBER: _ClassVar[int]
    PADDINGMODE_FIELD_NUMBER: _ClassVar[int]
    KeyId: str
    Plaintext: bytes
    RequestId: str
    Algorithm: str
    PaddingMode: str
    def __init__(self, KeyId: _Optional[str] = ..., Plaintext: _Optional[bytes] = ..., RequestId: _Optional[str] = ..., Algorithm: _Optional[str] = ..., PaddingMode: _Optional[str] = ...) -> None: ...

class AdvanceEncryptRequest(_message.Message):
    __slots__ = ("KeyId", "Plaintext", "Algorithm", "Aad", "Iv", "PaddingMode")
    KEYID_FIELD_NUMBER: _ClassVar[int]
    PLAINTEXT_FIELD_NUMBER: _ClassVar[int]
    ALGORITHM_FIELD_NUMBER: _ClassVar[int]
    AAD_FIELD_NUMBER: _ClassVar[int]
    IV_FIELD_NUMBER: _ClassVar[int]
    PADDINGMODE_FIELD_NUMBER: _ClassVar[int]
    KeyId: str
    Plaintext: bytes
    Algorithm: str
    Aad: bytes
    Iv: bytes
    PaddingMode: str
    def __init__(self, KeyId: _Optional[str] = ..., Plaintext: _Optional[bytes] = ..., Algorithm: _Optional[str] = ..., Aad: _Optional[bytes] = ..., Iv: _Optional[bytes] = ..., PaddingMode: _Optional[str] = ...) -> None: ...

class AdvanceEncryptResponse(_message.Message):
    __slots__ = ("KeyId", "CiphertextBlob", "Iv", "RequestId", "Algorithm", "PaddingMode", "KeyVersionId")
    KEYID_FIELD_NUMBER: _ClassVar[int]
    CIPHERTEXTBLOB_FIELD_NUMBER: _ClassVar[int]
    IV_FIELD_NUMBER: _ClassVar[int]
    REQUESTID_FIELD_NUMBER: _ClassVar[int]
    ALGORITHM_FIELD_NUMBER: _ClassVar[int]
    PADDINGMODE_FIELD_NUMBER: _ClassVar[int]
    KEYVERSIONID_FIELD_NUMBER: _ClassVar[int]
    KeyId: str
    CiphertextBlob: bytes
    Iv: bytes
    RequestId: str
    Algorithm: str
    PaddingMode: str
    KeyVersionId: str
    def __init__(self, KeyId: _Optional[str] = ..., CiphertextBlob: _Optional[bytes] = ..., Iv: _Optional[bytes] = ..., RequestId: _Optional[str] = ..., Algorithm: _Optional[str] = ..., PaddingMode: _Optional[str] = ..., KeyVersionId: _Optional[str] = ...) -> None: ...

class AdvanceDecryptRequest(_message.Message):
    __slots__ = ("CiphertextBlob", "KeyId", "Algorithm", "Aad", "Iv", "PaddingMode")
    CIPHERTEXTBLOB_FIELD_NUMBER: _ClassVar[int]
    KEYID_FIELD_NUMBER: _ClassVar[int]
    ALGORITHM_FIELD_NUMBER: _ClassVar[int]
    AAD_FIELD_NUMBER: _ClassVar[int]
    IV_FIELD_NUMBER: _ClassVar[int]
    PADDINGMODE_FIELD_NUMBER: _ClassVar[int]
    CiphertextBlob: bytes
    KeyId: str
    Algorithm: str
    Aad: bytes
    Iv: bytes
    PaddingMode: str
    def __init__(self, CiphertextBlob: _Optional[bytes] = ..., KeyId: _Optional[str] = ..., Algorithm: _Optional[str] = ..., Aad: _Optional[bytes] = ..., Iv: _Optional[bytes] = ..., PaddingMode: _Optional[str] = ...) -> None: ...

class AdvanceDecryptResponse(_message.Message):
    __slots__ = ("KeyId", "Plaintext", "RequestId", "Algorithm", "PaddingMode", "KeyVersionId")
    KEYID_FIELD_NUMBER: _ClassVar[int]
    PLAINTEXT_FIELD_NUMBER: _ClassVar[int]
    REQUESTID_FIELD_NUMBER: _ClassVar[int]
    ALGORITHM_FIELD_NUMBER: _ClassVar[int]
    PADDINGMODE_FIELD_NUMBER: _ClassVar[int]
    KEYVERSIONID_FIELD_NUMBER: _ClassVar[int]
    KeyId: str
    Plaintext: bytes
    RequestId: str
    Algorithm: str
    PaddingMode: str
    KeyVersionId: str
    def __init__(self, KeyId: _Optional[str] = ..., Plaintext: _Optional[bytes] = ..., RequestId: _Optional[str] = ..., Algorithm: _Optional[str] = ..., PaddingMode: _Optional[str] = ..., KeyVersionId: _Optional[str] = ...) -> None: ...

class GenerateDataKeyRequest(_message.Message):
    __slots__ = ("KeyId", "Algorithm", "NumberOfBytes", "Aad")
    KEYID_FIELD_NUMBER: _ClassVar[int]
    ALGORITHM_FIELD_NUMBER: _ClassVar[int]
    NUMBEROFBYTES_FIELD_NUMBER: _ClassVar[int]
    AAD_FIELD_NUMBER: _ClassVar[int]
    KeyId: str
    Algorithm: str
    NumberOfBytes: int
    Aad: bytes
    def __init__(self, KeyId: _Optional[str] = ..., Algorithm: _Optional[str] = ..., NumberOfBytes: _Optional[int] = ..., Aad: _Optional[bytes] = ...) -> None: ...

class GenerateDataKeyResponse(_message.Message):
    __slots__ = ("KeyId", "Iv", "Plaintext", "CiphertextBlob", "RequestId", "Algorithm")
    KEYID_FIELD_NUMBER: _ClassVar[int]
    IV_FIELD_NUMBER: _ClassVar[int]
    PLAINTEXT_FIELD_NUMBER: _ClassVar[int]
    CIPHERTEXTBLOB_FIELD_NUMBER: _ClassVar[int]
    REQUESTID_FIELD_NUMBER: _ClassVar[int]
    ALGORITHM_FIELD_NUMBER: _ClassVar[int]
    KeyId: str
    Iv: bytes
    Plaintext: bytes
    CiphertextBlob: bytes
    RequestId: str
    Algorithm: str
    def __init__(self, KeyId: _Optional[str] = ..., Iv: _Optional[bytes] = ..., Plaintext: _Optional[bytes] = ..., CiphertextBlob: _Optional[bytes] = ..., RequestId: _Optional[str] = ..., Algorithm: _Optional[str] = ...) -> None: ...

class AdvanceGenerateDataKeyRequest(_message.Message):
    __slots__ = ("KeyId", "NumberOfBytes", "Aad")
    KEYID_FIELD_NUMBER: _ClassVar[int]
    NUMBEROFBYTES_FIELD_NUMBER: _ClassVar[int]
    AAD_FIELD_NUMBER: _ClassVar[int]
    KeyId: str
    NumberOfBytes: int
    Aad: bytes
    def __init__(self, KeyId: _Optional[str] = ..., NumberOfBytes: _Optional[int] = ..., Aad: _Optional[bytes] = ...) -> None: ...

class AdvanceGenerateDataKeyResponse(_message.Message):
    __slots__ = ("KeyId", "Iv", "Plaintext", "CiphertextBlob", "RequestId", "Algorithm", "KeyVersionId")
    KEYID_FIELD_NUMBER: _ClassVar[int]
    IV_FIELD_NUMBER: _ClassVar[int]
    PLAINTEXT_FIELD_NUMBER: _ClassVar[int]
    CIPHERTEXTBLOB_FIELD_NUMBER: _ClassVar[int]
    REQUESTID_FIELD_NUMBER: _ClassVar[int]
    ALGORITHM_FIELD_NUMBER: _ClassVar[int]
    KEYVERSIONID_FIELD_NUMBER: _ClassVar[int]
    KeyId: str
    Iv: bytes
    Plaintext: bytes
    CiphertextBlob: bytes
    RequestId: str
    Algorithm: str
    KeyVersionId: str
    def __init__(self, KeyId: _Optional[str] = ..., Iv: _Optional[bytes] = ..., Plaintext: _Optional[bytes] = ..., CiphertextBlob: _Optional[bytes] = ..., RequestId: _Optional[str] = ..., Algorithm: _Optional[str] = ..., KeyVersionId: _Optional[str] = ...) -> None: ...

class GenerateRandomRequest(_message.Message):
    __slots__ = ("Length",)
    LENGTH_FIELD_NUMBER: _ClassVar[int]
    Length: int
    def __init__(self, Length: _Optional[int] = ...) -> None: ...

class GenerateRandomResponse(_message.Message):
    __slots__ = ("Random", "RequestId")
    RANDOM_FIELD_NUMBER: _ClassVar[int]
    REQUESTID_FIELD_NUMBER: _ClassVar[int]
    Random: bytes
    RequestId: str
    def __init__(self, Random: _Optional[bytes] = ..., RequestId: _Optional[str] = ...) -> None: ...

class SignRequest(_message.Message):
    __slots__ = ("KeyId", "Digest", "Algorithm", "Message", "MessageType")
    KEYID_FIELD_NUMBER: _ClassVar[int]
    DIGEST_FIELD_NUMBER: _ClassVar[int]
    ALGORITHM_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    MESSAGETYPE_FIELD_NUMBER: _ClassVar[int]
    KeyId: str
    Digest: bytes
    Algorithm: str
    Message: bytes
    MessageType: str
    def __init__(self, KeyId: _Optional[str] = ..., Digest: _Optional[bytes] = ..., Algorithm: _Optional[str] = ..., Message: _Optional[bytes] = ..., MessageType: _Optional[str] = ...) -> None: ...

class SignResponse(_message.Message):
    __slots__ = ("KeyId", "Signature", "RequestId", "Algorithm", "MessageType")
    KEYID_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    REQUESTID_FIELD_NUMBER: _ClassVar[int]
    ALGORITHM_FIELD_NUMBER: _ClassVar[int]
    MESSAGETYPE_FIELD_NUMBER: _ClassVar[int]
    KeyId: str
    Signature: bytes
    RequestId: str
    Algorithm: str
    MessageType: str
    def __init__(self, KeyId: _Optional[str] = ..., Signature: _Optional[bytes] = ..., RequestId: _Optional[str] = ..., Algorithm: _Optional[str] = ..., MessageType: _Optional[str] = ...) -> None: ...

class VerifyRequest(_message.Message):
    __slots__ = ("KeyId", "Digest", "Signature", "Algorithm", "Message", "MessageType")
    KEYID_FIELD_NUMBER: _ClassVar[int]
    DIGEST_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    ALGORITHM_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    MESSAGETYPE_FIELD_NUMBER: _ClassVar[int]
    KeyId: str
    Digest: bytes
    Signature: bytes
    Algorithm: str
    Message: bytes
    MessageType: str
    def __init__(self, KeyId: _Optional[str] = ..., Digest: _Optional[bytes] = ..., Signature: _Optional[bytes] = ..., Algorithm: _Optional[str] = ..., Message: _Optional[bytes] = ..., MessageType: _Optional[str] = ...) -> None: ...

class VerifyResponse(_message.Message):
    __slots__ = ("KeyId", "Value", "RequestId", "Algorithm", "MessageType")
    KEYID_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    REQUESTID_FIELD_NUMBER: _ClassVar[int]
    ALGORITHM_FIELD_NUMBER: _ClassVar[int]
    MESSAGETYPE_FIELD_NUMBER: _ClassVar[int]
    KeyId: str
    Value: bool
    RequestId: str
    Algorithm: str
    MessageType: str
    def __init__(self, KeyId: _Optional[str] = ..., Value: _Optional[bool] = ..., RequestId: _Optional[str] = ..., Algorithm: _Optional[str] = ..., MessageType: _Optional[str] = ...) -> None: ...

class GetPublicKeyRequest(_message.Message):
    __slots__ = ("KeyId",)
    KEYID_FIELD_NUMBER: _ClassVar[int]
    KeyId: str
    def __init__(self, KeyId: _Optional[str] = ...) -> None: ...

class GetPublicKeyResponse(_message.Message):
    __slots__ = ("KeyId", "PublicKey", "RequestId")
    KEYID_FIELD_NUMBER: _ClassVar[int]
    PUBLICKEY_FIELD_NUMBER: _ClassVar[int]
    REQUESTID_FIELD_NUMBER: _ClassVar[int]
    KeyId: str
    PublicKey: str
    RequestId: str
    def __init__(self, KeyId: _Optional[str] = ..., PublicKey: _Optional[str] = ..., RequestId: _Optional[str] = ...) -> None: ...

class Error(_message.Message):
    __slots__ = ("StatusCode", "ErrorCode", "ErrorMessage", "RequestId")
    STATUSCODE_FIELD_NUMBER: _ClassVar[int]
    ERRORCODE_FIELD_NUMBER: _ClassVar[int]
    ERRORMESSAGE_FIELD_NUMBER: _ClassVar[int]
    REQUESTID_FIELD_NUMBER: _ClassVar[int]
    StatusCode: int
    ErrorCode: str
    ErrorMessage: str
    RequestId: str
    def __init__(self, StatusCode: _Optional[int] = ..., ErrorCode: _Optional[str] = ..., ErrorMessage: _Optional[str] = ..., RequestId: _Optional[str] = ...) -> None: ...
