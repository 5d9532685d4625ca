"""unikms: one encrypt/decrypt API over Alibaba Cloud KMS and Tencent Cloud KMS.

>>> import unikms
>>> kms = unikms.connect("fake://tencent")
>>> key = kms.create_key(alias="alias/payments").key_id
>>> sealed = kms.encrypt(key, b"card", context={"order": "7"})
>>> kms.decrypt(sealed.ciphertext, context={"order": "7"}).plaintext
b'card'
"""

from unikms.client import KmsClient
from unikms.driver import Driver, NativeError
from unikms.errors import (
    AccessDeniedError,
    AlreadyExistsError,
    CiphertextKeyNotFoundError,
    ConfigurationError,
    DecryptionFailedError,
    DryRunPassed,
    InvalidRequestError,
    KeyNotFoundError,
    KeyUnavailableError,
    KmsError,
    LimitExceededError,
    PortabilityError,
    RotationPolicyRequiredError,
    ServiceError,
    ThrottledError,
    TransportError,
    UnsupportedByDialectError,
    WrongKeyTypeError,
)
from unikms.registry import connect, register_scheme
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
    KeyVersion,
    KeyVersionInfo,
    PublicKey,
    SigningAlgorithm,
    SignResult,
)

from unikms import aio  # isort: skip - after the modules aio uses

__version__ = "0.1.0"

__all__ = [
    "AccessDeniedError",
    "AlreadyExistsError",
    "AsymmetricAlgorithm",
    "AsymmetricEncryptResult",
    "CiphertextKeyNotFoundError",
    "ConfigurationError",
    "DataKey",
    "DecryptResult",
    "DecryptionFailedError",
    "Dialect",
    "Driver",
    "DryRunPassed",
    "EncryptResult",
    "InvalidRequestError",
    "KeyInfo",
    "KeyNotFoundError",
    "KeySpec",
    "KeyState",
    "KeyUnavailableError",
    "KeyUsage",
    "KeyVersion",
    "KeyVersionInfo",
    "KmsClient",
    "KmsError",
    "LimitExceededError",
    "NativeError",
    "PortabilityError",
    "PublicKey",
    "RotationPolicyRequiredError",
    "ServiceError",
    "SignResult",
    "SigningAlgorithm",
    "ThrottledError",
    "TransportError",
    "UnsupportedByDialectError",
    "WrongKeyTypeError",
    "__version__",
    "aio",
    "connect",
    "register_scheme",
]
