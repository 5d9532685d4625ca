"""Tencent Cloud KMS (2019-01-18), declared once for the registry (entry point
``tencent``). The fake and the wire protocol load when first used.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

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
from unikms.dialects.tencent import rules

if TYPE_CHECKING:
    from unikms.emulator.credentials import EmulatorCredentials
    from unikms.emulator.wire import ProtocolHandler
    from unikms.fake.service import FakeService

__all__ = ["DEFAULT_SECRET_ID", "DEFAULT_SECRET_KEY", "PACKAGE", "TENCENT"]

#: the emulator's documented local secret (docs/emulator.md)
DEFAULT_SECRET_ID = "unikms-emulator-secret-id"  # noqa: S105 -- an id, not a secret
DEFAULT_SECRET_KEY = "unikms-emulator-secret-key"  # noqa: S105 -- documented local default

#: the separator between a Tencent ciphertext's three Base64 segments
CIPHERTEXT_SEPARATOR = b"-k-"


TENCENT = AccountFamily(
    name="tencent",
    default_account="100000000001",
    default_region="ap-guangzhou",
    new_store=lazy_store("unikms.dialects.tencent.fake:new_tencent_store"),
    credentials=CredentialSpec(
        id_field="secret_id",
        secret_field="secret_key",  # noqa: S106 -- a field name
        token_field="token",  # noqa: S106 -- a field name
        default_id=DEFAULT_SECRET_ID,
        default_secret=DEFAULT_SECRET_KEY,
    ),
)


def _protocol(
    service: FakeService,
    credentials: EmulatorCredentials,
    save: Callable[[str], None],
    options: Mapping[str, Any],
) -> ProtocolHandler:
    from unikms.dialects.tencent.wire import TencentProtocol

    signed = frozenset({"x-tc-action"}) if options.get("tc3_sign_action") else None
    return TencentProtocol(service, credentials, save, signed_headers=signed)


def _adapter_url(at: EmulatorEndpoint) -> str:
    return (
        f"tencent-kms://{TENCENT.default_region}?endpoint=http://{at.endpoint}"
        f"&secret_id={DEFAULT_SECRET_ID}&secret_key={DEFAULT_SECRET_KEY}&retries=1"
    )


def _banner(at: EmulatorEndpoint, credentials: EmulatorCredentials) -> list[str]:
    assert TENCENT.credentials is not None
    key = shown_secret(credentials, TENCENT.name, TENCENT.credentials)
    region = TENCENT.default_region
    return [
        "Tencent (tencentcloud-sdk-python):",
        "  from tencentcloud.common import credential",
        "  from tencentcloud.common.profile.client_profile import ClientProfile",
        "  from tencentcloud.common.profile.http_profile import HttpProfile",
        "  from tencentcloud.kms.v20190118.kms_client import KmsClient",
        f'  KmsClient(credential.Credential("{DEFAULT_SECRET_ID}", "{key}"),',
        f'            "{region}", ClientProfile(httpProfile=HttpProfile(protocol="http", '
        f'endpoint="{at.endpoint}")))',
        "",
        "tccli:",
        f"  tccli kms ListKeys --secretId {DEFAULT_SECRET_ID} --secretKey {key} \\",
        f"      --region {region} --endpoint http://{at.endpoint}",
    ]


def _label(headers: Mapping[str, str], params: Mapping[str, str]) -> str | None:
    if "x-tc-action" in headers:
        return headers["x-tc-action"]
    if "Action" in params and ("SecretId" in params or "Nonce" in params):
        return params["Action"]
    return None


def _shape(ciphertext: bytes) -> dict[str, Any]:
    shape: dict[str, Any] = {"length": len(ciphertext)}
    try:
        shape["segments"] = [
            len(base64.b64decode(p, validate=True)) for p in ciphertext.split(CIPHERTEXT_SEPARATOR)
        ]
    except (binascii.Error, ValueError):
        shape["segments"] = None
    return shape


_READ_ONLY = frozenset(
    {
        "Encrypt", "Decrypt", "GenerateDataKey", "DescribeKey", "DescribeKeys", "ListKeys",
        "ListKeyDetail", "GetKeyRotationStatus", "ReEncrypt", "GenerateRandom",
        "GetServiceStatus", "GetRegions", "ListAlgorithms", "SignByAsymmetricKey",
        "VerifyByAsymmetricKey", "GetPublicKey", "AsymmetricRsaDecrypt", "AsymmetricSm2Decrypt",
    }
)  # fmt: skip

PACKAGE = DialectPackage(
    name="tencent",
    title="Tencent Cloud KMS 2019-01-18",
    rules=rules.RULES,
    operations=rules.TencentOperations,
    family=TENCENT,
    service=lazy_service("unikms.dialects.tencent.fake:TencentService"),
    emulator=EmulatorSupport(
        protocol=_protocol,
        read_only_actions=_READ_ONLY,
        action_headers=("x-tc-action",),
        adapter_url=_adapter_url,
        banner=_banner,
        cassette=CassetteCodec(
            prefix="tc",
            label=_label,
            body="json",
            secret_headers=("authorization", "x-tc-token"),
            secret_parameters=("SecretId", "Signature", "Token"),
            volatile_parameters=(
                "Timestamp",
                "Nonce",
                "SignatureMethod",
                "RequestClient",
                "Language",
                "Region",
                "Version",
                "Action",
            ),
        ),
    ),
    contract=ContractSupport(
        absent_key_id="00000000-0000-1000-8000-000000000000",
        ciphertext_shape=_shape,
        doc_examples=lazy_call("unikms.dialects.tencent.doc_examples:examples"),
    ),
    adapter_schemes=("tencent-kms",),
)
