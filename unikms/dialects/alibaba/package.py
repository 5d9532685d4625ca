"""The two Alibaba dialects, declared once for the registry (entry points
``alibaba-classic`` and ``alibaba-instance``): one account family, two wire
protocols. Fakes and protocols load when first used.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from unikms.dialects.alibaba import classic, instance
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

__all__ = [
    "ALIBABA",
    "CLASSIC",
    "DEFAULT_ACCESS_KEY_ID",
    "DEFAULT_ACCESS_KEY_SECRET",
    "INSTANCE",
]

#: the emulator's documented local access key (docs/emulator.md)
DEFAULT_ACCESS_KEY_ID = "unikms-emulator-access-key-id"
DEFAULT_ACCESS_KEY_SECRET = "unikms-emulator-access-key-secret"  # noqa: S105 -- documented local default


ALIBABA = AccountFamily(
    name="alibaba",
    default_account="1234567890123456",
    default_region="cn-hangzhou",
    new_store=lazy_store("unikms.dialects.alibaba.fake:new_alibaba_store"),
    credentials=CredentialSpec(
        id_field="access_key_id",
        secret_field="access_key_secret",  # noqa: S106 -- a field name
        token_field="security_token",  # noqa: S106 -- a field name
        default_id=DEFAULT_ACCESS_KEY_ID,
        default_secret=DEFAULT_ACCESS_KEY_SECRET,
    ),
)


# -- fakes ---------------------------------------------------------------------------


# -- wire protocols --------------------------------------------------------------------
def _classic_protocol(
    service: FakeService,
    credentials: EmulatorCredentials,
    save: Callable[[str], None],
    options: Mapping[str, Any],
) -> ProtocolHandler:
    from unikms.dialects.alibaba.classic_wire import AlibabaClassicProtocol

    return AlibabaClassicProtocol(service, credentials, save)


def _gateway_protocol(
    service: FakeService,
    credentials: EmulatorCredentials,
    save: Callable[[str], None],
    options: Mapping[str, Any],
) -> ProtocolHandler:
    from unikms.dialects.alibaba.gateway_wire import GatewayProtocol

    return GatewayProtocol(service, credentials, save)


def _classic_url(at: EmulatorEndpoint) -> str:
    return (
        f"alibaba-kms://{ALIBABA.default_region}?endpoint=http://{at.endpoint}"
        f"&access_key_id={DEFAULT_ACCESS_KEY_ID}"
        f"&access_key_secret={DEFAULT_ACCESS_KEY_SECRET}&retries=1"
    )


def _instance_url(at: EmulatorEndpoint) -> str:
    return (
        f"alibaba-kms-instance://{at.endpoint}?protocol=http"
        f"&client_key_file={urllib.parse.quote(at.client_key_file or '')}"
        f"&password={urllib.parse.quote(at.client_key_password or '')}"
        f"&management={urllib.parse.quote(_classic_url(at), safe='')}&retries=1"
    )


def _classic_label(headers: Mapping[str, str], params: Mapping[str, str]) -> str | None:
    if "x-acs-action" in headers:
        return headers["x-acs-action"]
    if "Action" in params and "SecretId" not in params and "Nonce" not in params:
        return params["Action"]  # a v1 request (Tencent's v1 carries SecretId and Nonce)
    return None


def _gateway_label(headers: Mapping[str, str], params: Mapping[str, str]) -> str | None:
    return headers.get("x-kms-apiname")


def _scrub_gateway(api: str, body: bytes, standin: Callable[[bytes], bytes]) -> bytes:
    try:
        from unikms.dialects.alibaba.dkms.wire import MESSAGES
    except ImportError:  # no protobuf: scrub the whole answer rather than keep a secret
        return b""
    pair = MESSAGES.get(api)
    if pair is None:
        return body
    try:
        message = pair[1].FromString(body)
    except Exception:
        return body  # an Error body, or not protobuf: no plaintext in it
    if "Plaintext" in {f.name for f in message.DESCRIPTOR.fields} and message.Plaintext:
        message.Plaintext = standin(bytes(message.Plaintext))
        return bytes(message.SerializeToString())
    return body


_CLASSIC_READ_ONLY = frozenset(
    {
        "Encrypt", "Decrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext",
        "DescribeKey", "DescribeKeyVersion", "ListKeys", "ListAliases", "ListAliasesByKeyId",
        "ListKeyVersions", "ReEncrypt", "GetRandomPassword", "DescribeRegions",
        "ListResourceTags",
    }
)  # fmt: skip
_GATEWAY_READ_ONLY = frozenset(
    {
        "Encrypt", "Decrypt", "GenerateDataKey", "AdvanceEncrypt", "AdvanceDecrypt",
        "AdvanceGenerateDataKey", "GenerateRandom",
    }
)  # fmt: skip


def _classic_banner(at: EmulatorEndpoint, credentials: EmulatorCredentials) -> list[str]:
    assert ALIBABA.credentials is not None
    secret = shown_secret(credentials, ALIBABA.name, ALIBABA.credentials)
    return [
        "Alibaba classic (alibabacloud-kms20160120):",
        "  from alibabacloud_tea_openapi.models import Config",
        "  from alibabacloud_kms20160120.client import Client",
        f'  Client(Config(endpoint="{at.endpoint}", protocol="http",',
        f'                access_key_id="{DEFAULT_ACCESS_KEY_ID}",',
        f'                access_key_secret="{secret}"))',
    ]


def _gateway_banner(at: EmulatorEndpoint, credentials: EmulatorCredentials) -> list[str]:
    if at.client_key_file is None:
        return []
    return [
        "Alibaba instance gateway (alibabacloud-dkms-gcs):",
        "  from openapi.models import Config; from sdk.client import Client",
        f'  Client(Config(endpoint="{at.endpoint}", protocol="http",',
        f'                client_key_file="{at.client_key_file}",',
        f'                password=open("{at.client_key_password_file}").read()))',
    ]


# -- contract ---------------------------------------------------------------------------
def _shape(ciphertext: bytes) -> dict[str, Any]:
    shape: dict[str, Any] = {"length": len(ciphertext)}
    if ciphertext[:1] == b"$":
        shape["header"] = ciphertext[:3].hex()
    elif ciphertext[:4] == b"UKD1":
        shape["detached"] = True
    return shape


_ABSENT_KEY = "key-hzzcontract000notthere"

CLASSIC = DialectPackage(
    name="alibaba-classic",
    title="Alibaba Cloud KMS OpenAPI 2016-01-20 (shared gateway)",
    rules=classic.RULES,
    operations=classic.AlibabaClassicOperations,
    family=ALIBABA,
    service=lazy_service("unikms.dialects.alibaba.fake:AlibabaClassicService"),
    emulator=EmulatorSupport(
        protocol=_classic_protocol,
        read_only_actions=_CLASSIC_READ_ONLY,
        action_headers=("x-acs-action",),
        adapter_url=_classic_url,
        banner=_classic_banner,
        cassette=CassetteCodec(
            prefix="acs",
            label=_classic_label,
            body="form",
            secret_headers=(
                "authorization",
                "x-acs-security-token",
                "x-acs-accesskey-id",
                "x-acs-bearer-token",
            ),
            secret_parameters=(
                "AccessKeyId",
                "Signature",
                "SignatureNonce",
                "SecurityToken",
                "BearerToken",
            ),
            volatile_parameters=(
                "Timestamp",
                "SignatureMethod",
                "SignatureVersion",
                "Format",
                "Version",
                "Action",
            ),
        ),
    ),
    contract=ContractSupport(
        absent_key_id=_ABSENT_KEY,
        ciphertext_shape=_shape,
        doc_examples=lazy_call("unikms.dialects.alibaba.doc_examples:classic_examples"),
    ),
    adapter_schemes=("alibaba-kms",),
    arn_prefix="acs:",
)

INSTANCE = DialectPackage(
    name="alibaba-instance",
    title="Alibaba Cloud KMS instance API (dedicated gateway)",
    rules=instance.RULES,
    operations=instance.AlibabaInstanceOperations,
    family=ALIBABA,
    service=lazy_service("unikms.dialects.alibaba.fake:AlibabaInstanceService"),
    emulator=EmulatorSupport(
        protocol=_gateway_protocol,
        read_only_actions=_GATEWAY_READ_ONLY,
        action_headers=("x-kms-apiname",),
        adapter_url=_instance_url,
        banner=_gateway_banner,
        cassette=CassetteCodec(
            prefix="dkms",
            label=_gateway_label,
            body="protobuf",
            scrub_protobuf=_scrub_gateway,
            secret_headers=("authorization", "x-kms-acccesskeyid"),
        ),
    ),
    contract=ContractSupport(
        absent_key_id=_ABSENT_KEY,
        ciphertext_shape=_shape,
        doc_examples=lazy_call("unikms.dialects.alibaba.doc_examples:instance_examples"),
    ),
    adapter_schemes=("alibaba-kms-instance",),
    arn_prefix="acs:",
    opens_ciphertexts_of=("alibaba-classic",),
)
