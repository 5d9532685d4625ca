"""AWS KMS (2014-11-01), declared once for the registry (entry point ``aws``).
The fake, the wire protocol and the adapter load when first used.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from unikms.dialects.aws import rules
from unikms.dialects.package import (
    AccountFamily,
    ContractSupport,
    CredentialSpec,
    DialectPackage,
)

if TYPE_CHECKING:
    from unikms.fake.keystore import KeyStore
    from unikms.fake.service import FakeService, Throttle

__all__ = ["AWS", "DEFAULT_ACCESS_KEY_ID", "DEFAULT_SECRET_ACCESS_KEY", "PACKAGE"]

#: the emulator's documented local access key (docs/dialects-aws.md); AWS access key
#: ids are 20 upper-case characters beginning ``AKIA`` for long-term keys
DEFAULT_ACCESS_KEY_ID = "AKIAUNIKMSEMULATOR01"
DEFAULT_SECRET_ACCESS_KEY = "unikms-emulator-aws-secret-access-key"  # noqa: S105 -- documented local default


def _new_store(account: str, region: str, clock: Callable[[], datetime]) -> KeyStore:
    from unikms.dialects.aws.fake import new_aws_store

    return new_aws_store(account, region, clock=clock)


AWS = AccountFamily(
    name="aws",
    default_account="111122223333",
    default_region="us-east-1",
    new_store=_new_store,
    credentials=CredentialSpec(
        id_field="aws_access_key_id",
        secret_field="aws_secret_access_key",  # noqa: S106 -- a field name
        token_field="aws_session_token",  # noqa: S106 -- a field name
        default_id=DEFAULT_ACCESS_KEY_ID,
        default_secret=DEFAULT_SECRET_ACCESS_KEY,
    ),
)


def _service(store: KeyStore, throttle: Throttle | None) -> FakeService:
    from unikms.dialects.aws.fake import AwsService

    return AwsService(store, throttle=throttle)


def _shape(ciphertext: bytes) -> dict[str, Any]:
    """The fake's blob without its random parts: version, key id length, sizes."""
    return {
        "length": len(ciphertext),
        "version": ciphertext[0] if ciphertext else None,
        "body": max(len(ciphertext) - 53, 0),
    }


PACKAGE = DialectPackage(
    name="aws",
    title="AWS Key Management Service 2014-11-01",
    rules=rules.RULES,
    operations=rules.AwsOperations,
    family=AWS,
    service=_service,
    contract=ContractSupport(
        absent_key_id="00000000-0000-4000-8000-000000000000", ciphertext_shape=_shape
    ),
    arn_prefix="arn:aws",
)
