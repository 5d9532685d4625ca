"""unikms: one encrypt/decrypt API over Alibaba Cloud KMS and Tencent Cloud KMS.

>>> import unikms
>>> kms = unikms.connect("fake://tencent")
>>> key = kms.create_key(alias="alias/payments").key_id
>>> sealed = kms.encrypt(key, b"card", context={"order": "7"})
>>> kms.decrypt(sealed.ciphertext, context={"order": "7"}).plaintext
b'card'
"""

from unikms.client import KmsClient
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
from unikms.registry import connect
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

#: driver-author names that ``unikms`` exported before they moved to :mod:`unikms.driver`
_MOVED_TO_DRIVER = frozenset({"Driver", "NativeError", "register_scheme"})


def __getattr__(name: str) -> object:
    """``unikms.Driver``, ``.NativeError`` and ``.register_scheme`` still resolve, with
    a ``DeprecationWarning``: they are :mod:`unikms.driver`'s names now."""
    if name in _MOVED_TO_DRIVER:
        import warnings

        from unikms import driver

        warnings.warn(
            f"unikms.{name} is unikms.driver.{name}: the application API (unikms) and the "
            "driver authors' (unikms.driver) are split",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(driver, name)
    raise AttributeError(f"module 'unikms' has no attribute {name!r}")


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
]
