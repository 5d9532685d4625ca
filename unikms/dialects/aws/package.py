"""AWS KMS (2014-11-01), declared once for the registry (entry point ``aws``).
The fake, the wire protocol and the adapter load when first used.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from unikms.dialects.aws import rules
from unikms.dialects.package import (
    AccountFamily,
    CassetteCodec,
    ContractSupport,
    CredentialSpec,
    DialectPackage,
    EmulatorEndpoint,
    EmulatorSupport,
    lazy_call,
    lazy_service,
    lazy_store,
    shown_secret,
)

if TYPE_CHECKING:
    from unikms.emulator.credentials import EmulatorCredentials
    from unikms.emulator.wire import ProtocolHandler
    from unikms.fake.service import FakeService

__all__ = ["AWS", "DEFAULT_ACCESS_KEY_ID", "DEFAULT_SECRET_ACCESS_KEY", "PACKAGE"]

#: the emulator's documented local access key (docs/dialects-aws.md); AWS access key
#: ids are 20 upper-case characters beginning ``AKIA`` for long-term keys
DEFAULT_ACCESS_KEY_ID = "AKIAUNIKMSEMULATOR01"
DEFAULT_SECRET_ACCESS_KEY = "unikms-emulator-aws-secret-access-key"  # noqa: S105 -- documented local default


AWS = AccountFamily(
    name="aws",
    default_account="111122223333",
    default_region="us-east-1",
    new_store=lazy_store("unikms.dialects.aws.fake:new_aws_store"),
    credentials=CredentialSpec(
        id_field="aws_access_key_id",
        secret_field="aws_secret_access_key",  # noqa: S106 -- a field name
        token_field="aws_session_token",  # noqa: S106 -- a field name
        default_id=DEFAULT_ACCESS_KEY_ID,
        default_secret=DEFAULT_SECRET_ACCESS_KEY,
    ),
)


def _protocol(
    service: FakeService,
    credentials: EmulatorCredentials,
    save: Callable[[str], None],
    options: Mapping[str, Any],
) -> ProtocolHandler:
    from unikms.dialects.aws.wire import AwsJsonProtocol

    return AwsJsonProtocol(service, credentials, save)


def _adapter_url(at: EmulatorEndpoint) -> str:
    return (
        f"aws-kms://{AWS.default_region}?endpoint=http://{at.endpoint}"
        f"&access_key_id={DEFAULT_ACCESS_KEY_ID}&secret_access_key={DEFAULT_SECRET_ACCESS_KEY}"
        "&retries=1"
    )


def _banner(at: EmulatorEndpoint, credentials: EmulatorCredentials) -> list[str]:
    assert AWS.credentials is not None
    secret = shown_secret(credentials, AWS.name, AWS.credentials)
    region = AWS.default_region
    return [
        "AWS (boto3, the AWS CLI, the AWS Encryption SDK):",
        f'  boto3.client("kms", region_name="{region}", endpoint_url="http://{at.endpoint}",',
        f'               aws_access_key_id="{DEFAULT_ACCESS_KEY_ID}",',
        f'               aws_secret_access_key="{secret}")',
        f"  AWS_ACCESS_KEY_ID={DEFAULT_ACCESS_KEY_ID} AWS_SECRET_ACCESS_KEY={secret} \\",
        f"      aws kms list-keys --region {region} --endpoint-url http://{at.endpoint}",
    ]


def _label(headers: Mapping[str, str], params: Mapping[str, str]) -> str | None:
    target = headers.get("x-amz-target", "")
    return target[len("TrentService.") :] if target.startswith("TrentService.") else None


_READ_ONLY = frozenset(
    {
        "Encrypt", "Decrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext",
        "ReEncrypt", "GenerateRandom", "DescribeKey", "ListKeys", "ListAliases",
        "GetKeyRotationStatus", "ListKeyRotations", "ListResourceTags", "Sign", "Verify",
        "GetPublicKey",
    }
)  # fmt: skip


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
    service=lazy_service("unikms.dialects.aws.fake:AwsService"),
    emulator=EmulatorSupport(
        protocol=_protocol,
        read_only_actions=_READ_ONLY,
        action_headers=("x-amz-target",),
        adapter_url=_adapter_url,
        banner=_banner,
        cassette=CassetteCodec(
            prefix="aws",
            label=_label,
            body="json",
            secret_headers=("authorization", "x-amz-security-token"),
        ),
    ),
    contract=ContractSupport(
        absent_key_id="00000000-0000-4000-8000-000000000000",
        ciphertext_shape=_shape,
        doc_examples=lazy_call("unikms.dialects.aws.doc_examples:examples"),
    ),
    adapter_schemes=("aws-kms",),
    arn_prefix="arn:aws",
)
