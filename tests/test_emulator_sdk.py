"""The official Alibaba classic and Tencent SDKs, unmodified, against ``unikms serve``.

Each SDK is configured only with an endpoint and credentials, and goes through
the key lifecycle and every encrypt/decrypt path, in every signature mode it has.
"""

from __future__ import annotations

import base64
import json
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from alibabacloud_kms20160120 import models as ali
from alibabacloud_kms20160120.client import Client as AlibabaClient
from alibabacloud_tea_openapi.models import Config
from Tea.exceptions import TeaException
from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.kms.v20190118 import kms_client
from tencentcloud.kms.v20190118 import models as tc

from unikms.dialects.alibaba.package import DEFAULT_ACCESS_KEY_ID as DEFAULT_ALIBABA_ACCESS_KEY_ID
from unikms.dialects.alibaba.package import (
    DEFAULT_ACCESS_KEY_SECRET as DEFAULT_ALIBABA_ACCESS_KEY_SECRET,
)
from unikms.dialects.tencent.package import DEFAULT_SECRET_ID as DEFAULT_TENCENT_SECRET_ID
from unikms.dialects.tencent.package import DEFAULT_SECRET_KEY as DEFAULT_TENCENT_SECRET_KEY
from unikms.emulator import Emulator


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator() as emu:
        yield emu


def advance_days(emu: Emulator, days: float) -> None:
    req = urllib.request.Request(
        f"http://{emu.endpoint}/_unikms/clock",
        data=json.dumps({"advance_days": days}).encode(),
        method="POST",
    )
    with urllib.request.urlopen(req) as r:
        assert r.status == 200


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


# -- Tencent ----------------------------------------------------------------------------

TENCENT_MODES = [
    ("TC3-HMAC-SHA256", "POST"),
    ("TC3-HMAC-SHA256", "GET"),
    ("HmacSHA1", "POST"),
    ("HmacSHA256", "GET"),
]


def tencent(
    emu: Emulator,
    sign: str = "TC3-HMAC-SHA256",
    method: str = "POST",
    secret_key: str = DEFAULT_TENCENT_SECRET_KEY,
    secret_id: str = DEFAULT_TENCENT_SECRET_ID,
) -> kms_client.KmsClient:
    http = HttpProfile(protocol="http", endpoint=emu.endpoint, reqMethod=method, reqTimeout=10)
    profile = ClientProfile(httpProfile=http, signMethod=sign)
    return kms_client.KmsClient(
        credential.Credential(secret_id, secret_key), "ap-guangzhou", profile
    )


def tcall(client: kms_client.KmsClient, action: str, **params: Any) -> Any:
    req = getattr(tc, f"{action}Request")()
    req._deserialize(params)
    return getattr(client, action)(req)


@pytest.mark.parametrize(("sign", "method"), TENCENT_MODES)
def test_tencent_lifecycle(emulator: Emulator, sign: str, method: str) -> None:
    c = tencent(emulator, sign, method)
    alias = f"life-{sign}-{method}".replace("_", "-")
    key = tcall(c, "CreateKey", Alias=alias, Description="made by the SDK").KeyId
    ctx = json.dumps({"a": "b c", "k": "v"})
    enc = tcall(c, "Encrypt", KeyId=key, Plaintext=b64(b"x" * 4096), EncryptionContext=ctx)
    assert enc.KeyId == key and "-k-" in enc.CiphertextBlob
    dec = tcall(c, "Decrypt", CiphertextBlob=enc.CiphertextBlob, EncryptionContext=ctx)
    assert base64.b64decode(dec.Plaintext) == b"x" * 4096
    dk = tcall(c, "GenerateDataKey", KeyId=key, NumberOfBytes=32, EncryptionContext=ctx)
    assert len(base64.b64decode(dk.Plaintext)) == 32
    assert (
        tcall(c, "Decrypt", CiphertextBlob=dk.CiphertextBlob, EncryptionContext=ctx).Plaintext
        == dk.Plaintext
    )
    meta = tcall(c, "DescribeKey", KeyId=key).KeyMetadata
    assert (meta.KeyState, meta.Alias, meta.Description) == ("Enabled", alias, "made by the SDK")
    assert key in [k.KeyId for k in tcall(c, "ListKeys", Limit=200).Keys]
    assert [m.KeyId for m in tcall(c, "DescribeKeys", KeyIds=[key]).KeyMetadatas] == [key]
    tcall(c, "UpdateAlias", KeyId=key, Alias=alias + "-2")
    tcall(c, "DisableKey", KeyId=key)
    with pytest.raises(TencentCloudSDKException) as err:
        tcall(c, "Encrypt", KeyId=key, Plaintext=b64(b"x"))
    assert err.value.code == "ResourceUnavailable.CmkDisabled" and err.value.requestId
    tcall(c, "ScheduleKeyDeletion", KeyId=key, PendingWindowInDays=7)
    assert tcall(c, "DescribeKey", KeyId=key).KeyMetadata.KeyState == "PendingDelete"
    tcall(c, "CancelKeyDeletion", KeyId=key)
    tcall(c, "EnableKey", KeyId=key)
    tcall(c, "EnableKeyRotation", KeyId=key, RotateDays=30)
    assert tcall(c, "GetKeyRotationStatus", KeyId=key).KeyRotationEnabled is True
    tcall(c, "RotateKey", KeyId=key)
    assert (
        base64.b64decode(
            tcall(c, "Decrypt", CiphertextBlob=enc.CiphertextBlob, EncryptionContext=ctx).Plaintext
        )
        == b"x" * 4096
    )  # old ciphertext after rotation
    tcall(c, "ArchiveKey", KeyId=key)
    with pytest.raises(TencentCloudSDKException) as err:
        tcall(c, "Encrypt", KeyId=key, Plaintext=b64(b"x"))
    assert err.value.code == "ResourceUnavailable.CmkArchived"
    tcall(c, "CancelKeyArchive", KeyId=key)
    tcall(c, "DisableKeyRotation", KeyId=key)


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"secret_key": "wrong"}, "AuthFailure.SignatureFailure"),
        ({"secret_id": "nobody"}, "AuthFailure.SecretIdNotFound"),
    ],
)
@pytest.mark.parametrize(("sign", "method"), TENCENT_MODES)
def test_tencent_bad_credentials(
    emulator: Emulator, sign: str, method: str, kwargs: dict[str, str], code: str
) -> None:
    c = tencent(emulator, sign, method, **kwargs)
    with pytest.raises(TencentCloudSDKException) as err:
        tcall(c, "ListKeys")
    assert err.value.code == code


def test_tencent_errors_and_unknown_action(emulator: Emulator) -> None:
    c = tencent(emulator)
    with pytest.raises(TencentCloudSDKException) as err:
        tcall(c, "Encrypt", KeyId="00000000-0000-1000-8000-000000000000", Plaintext="aGk=")
    assert err.value.code == "ResourceUnavailable.CmkNotFound"
    with pytest.raises(TencentCloudSDKException) as err:
        c.call_json("NoSuchThing", {})
    assert err.value.code == "InvalidAction"
    with pytest.raises(TencentCloudSDKException) as err:
        tcall(c, "Decrypt", CiphertextBlob="garbage")
    assert err.value.code == "InvalidParameterValue.InvalidCiphertext"


# -- Alibaba classic ----------------------------------------------------------------------

ALIBABA_MODES = {
    "ACS3": {},
    "v1": {"signature_algorithm": "v2"},
    "ACS4": {"signature_version": "v4", "region_id": "cn-hangzhou"},
}


def alibaba(emu: Emulator, mode: str = "ACS3", **overrides: str) -> AlibabaClient:
    cfg = {
        "endpoint": emu.endpoint,
        "protocol": "http",
        "access_key_id": DEFAULT_ALIBABA_ACCESS_KEY_ID,
        "access_key_secret": DEFAULT_ALIBABA_ACCESS_KEY_SECRET,
        **ALIBABA_MODES[mode],
        **overrides,
    }
    return AlibabaClient(Config(**cfg))


def acall(client: AlibabaClient, action: str, **params: Any) -> Any:
    snake = "".join(f"_{ch.lower()}" if ch.isupper() else ch for ch in action).lstrip("_")
    req = getattr(ali, f"{action}Request")().from_map(params)
    return getattr(client, snake)(req).body


@pytest.mark.parametrize("mode", sorted(ALIBABA_MODES))
def test_alibaba_lifecycle(emulator: Emulator, mode: str) -> None:
    c = alibaba(emulator, mode)
    key = acall(c, "CreateKey", Description="made by the SDK").key_metadata.key_id
    alias = f"alias/life-{mode}"
    acall(c, "CreateAlias", AliasName=alias, KeyId=key)
    ctx = {"a": "b c", "k": "v"}
    big = b64(b"\xfe" * 6144)  # a ~9 KB request line
    enc = acall(c, "Encrypt", KeyId=alias, Plaintext=big, EncryptionContext=ctx)
    assert enc.key_id == key and enc.key_version_id
    dec = acall(c, "Decrypt", CiphertextBlob=enc.ciphertext_blob, EncryptionContext=ctx)
    assert dec.plaintext == big and dec.key_version_id == enc.key_version_id
    dk = acall(c, "GenerateDataKey", KeyId=key, NumberOfBytes=32, EncryptionContext=ctx)
    assert len(base64.b64decode(dk.plaintext)) == 32
    assert (
        acall(c, "Decrypt", CiphertextBlob=dk.ciphertext_blob, EncryptionContext=ctx).plaintext
        == dk.plaintext
    )
    meta = acall(c, "DescribeKey", KeyId=alias).key_metadata
    assert (meta.key_state, meta.key_spec) == ("Enabled", "Aliyun_AES_256")
    assert key in [k.key_id for k in acall(c, "ListKeys", PageSize=100).keys.key]
    assert alias in [a.alias_name for a in acall(c, "ListAliases", PageSize=100).aliases.alias]
    advance_days(emulator, 7)
    version = acall(c, "CreateKeyVersion", KeyId=key).key_version.key_version_id
    versions = acall(c, "ListKeyVersions", KeyId=key).key_versions.key_version
    assert [v.key_version_id for v in versions][-1] == version
    assert (
        acall(c, "Decrypt", CiphertextBlob=enc.ciphertext_blob, EncryptionContext=ctx).plaintext
        == big
    )
    assert acall(c, "Encrypt", KeyId=key, Plaintext="aGk=").key_version_id == version
    acall(c, "DisableKey", KeyId=key)
    with pytest.raises(TeaException) as err:
        acall(c, "Encrypt", KeyId=key, Plaintext="aGk=")
    assert err.value.code == "Rejected.Disabled"
    acall(c, "EnableKey", KeyId=key)
    acall(c, "ScheduleKeyDeletion", KeyId=key, PendingWindowInDays=7)
    assert acall(c, "DescribeKey", KeyId=key).key_metadata.key_state == "PendingDeletion"
    acall(c, "CancelKeyDeletion", KeyId=key)
    assert acall(c, "DescribeKey", KeyId=key).key_metadata.key_state == "Enabled"
    with pytest.raises(TeaException) as err:
        acall(c, "Encrypt", KeyId=key, Plaintext="aGk=", DryRun="true")
    assert err.value.code == "DryRunOperationError"


@pytest.mark.parametrize("mode", sorted(ALIBABA_MODES))
def test_alibaba_errors(emulator: Emulator, mode: str) -> None:
    c = alibaba(emulator, mode)
    with pytest.raises(TeaException) as err:
        acall(c, "Encrypt", KeyId="key-hzznothere00000000000", Plaintext="aGk=")
    assert err.value.code == "Forbidden.KeyNotFound"
    assert err.value.data["statusCode"] == 404
    with pytest.raises(TeaException) as err:
        acall(alibaba(emulator, mode, access_key_secret="wrong"), "ListKeys")
    assert err.value.code == "SignatureDoesNotMatch"
    with pytest.raises(TeaException) as err:
        acall(alibaba(emulator, mode, access_key_id="nobody"), "ListKeys")
    assert err.value.code == "InvalidAccessKeyId.NotFound"


def rpc_params(action: str) -> Any:
    """The tea OpenAPI ``Params`` of a classic RPC call to ``action`` (form body, JSON)."""
    from alibabacloud_tea_openapi import utils_models as open_api_models

    return open_api_models.Params(
        action=action,
        version="2016-01-20",
        protocol="HTTP",
        pathname="/",
        method="POST",
        auth_type="AK",
        style="RPC",
        req_body_type="formData",
        body_type="json",
    )


def test_alibaba_unknown_action(emulator: Emulator) -> None:
    from alibabacloud_tea_openapi import utils_models as open_api_models
    from darabonba.runtime import RuntimeOptions

    c = alibaba(emulator)
    params = rpc_params("NoSuchThing")
    with pytest.raises(TeaException) as err:
        c.call_api(params, open_api_models.OpenApiRequest(), RuntimeOptions())
    assert err.value.code == "InvalidAction.NotFound"


@pytest.mark.parametrize(("sign", "method"), TENCENT_MODES)
def test_tencent_unknown_parameter(emulator: Emulator, sign: str, method: str) -> None:
    """The SDK's common parameters pass; a name no Encrypt model has is refused."""
    c = tencent(emulator, sign, method)
    key = tcall(c, "CreateKey", Alias=f"unk-{sign}-{method}".replace("_", "-")).KeyId
    assert tcall(c, "Encrypt", KeyId=key, Plaintext="aGk=").KeyId == key
    with pytest.raises(TencentCloudSDKException) as err:
        c.call_json("Encrypt", {"KeyId": key, "Plaintext": "aGk=", "Plaintxt": "x"})
    assert err.value.code == "UnknownParameter"


def test_tencent_decrypt_for_a_public_key(emulator: Emulator) -> None:
    """The SDK's DecryptRequest.EncryptionPublicKey: Plaintext comes back sealed for it."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    c = tencent(emulator)
    key = tcall(c, "CreateKey", Alias="recipient-wire").KeyId
    blob = tcall(c, "Encrypt", KeyId=key, Plaintext=b64(b"on the wire")).CiphertextBlob
    d = tcall(
        c,
        "Decrypt",
        CiphertextBlob=blob,
        EncryptionPublicKey=pem,
        EncryptionAlgorithm="RSAES_OAEP_SHA_256",
    )
    oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
    assert private.decrypt(base64.b64decode(d.Plaintext), oaep) == b"on the wire"
    with pytest.raises(TencentCloudSDKException) as err:  # SM2, the default, with an RSA key
        tcall(c, "Decrypt", CiphertextBlob=blob, EncryptionPublicKey=pem)
    assert err.value.code == "InvalidParameter" and "EncryptionPublicKey" in err.value.message


@pytest.mark.parametrize("mode", sorted(ALIBABA_MODES))
def test_alibaba_unsupported_parameter(emulator: Emulator, mode: str) -> None:
    from alibabacloud_tea_openapi import utils_models as open_api_models
    from darabonba.runtime import RuntimeOptions

    c = alibaba(emulator, mode)
    key = acall(c, "CreateKey").key_metadata.key_id
    params = rpc_params("Encrypt")
    request = open_api_models.OpenApiRequest(
        query={"KeyId": key, "Plaintext": "aGk=", "Contxt": "x"}
    )
    with pytest.raises(TeaException) as err:
        c.call_api(params, request, RuntimeOptions())
    assert err.value.code == "UnsupportedParameter"
    assert err.value.data["statusCode"] == 400


def test_alibaba_sm3_signature(emulator: Emulator) -> None:
    """ACS3-HMAC-SM3 (where the local OpenSSL has SM3, as here)."""
    c = alibaba(emulator, signature_algorithm="ACS3-HMAC-SM3")
    key = acall(c, "CreateKey").key_metadata.key_id
    enc = acall(c, "Encrypt", KeyId=key, Plaintext="aGk=")
    assert acall(c, "Decrypt", CiphertextBlob=enc.ciphertext_blob).plaintext == "aGk="
    with pytest.raises(TeaException) as err:
        acall(
            alibaba(emulator, signature_algorithm="ACS3-HMAC-SM3", access_key_secret="x"),
            "ListKeys",
        )
    assert err.value.code == "SignatureDoesNotMatch"


def test_sts_tokens() -> None:
    """Temporary credentials: the token must be the one issued with the key."""
    from unikms.emulator.credentials import AccessKey, EmulatorCredentials

    creds = EmulatorCredentials(
        {
            "alibaba": [AccessKey("STS.ak", "sts-secret", "sts-token")],
            "tencent": [AccessKey("sts-id", "sts-key", "tc-token")],
        }
    )
    with Emulator(credentials=creds) as emu:
        for mode in sorted(ALIBABA_MODES):
            good = alibaba(
                emu,
                mode,
                access_key_id="STS.ak",
                access_key_secret="sts-secret",
                security_token="sts-token",
            )
            assert acall(good, "ListKeys").total_count == 0
            bad = alibaba(
                emu,
                mode,
                access_key_id="STS.ak",
                access_key_secret="sts-secret",
                security_token="other",
            )
            with pytest.raises(TeaException) as err:
                acall(bad, "ListKeys")
            assert err.value.code == "InvalidSecurityToken.MismatchWithAccessKey", mode
        for sign, method in TENCENT_MODES:
            http = HttpProfile(protocol="http", endpoint=emu.endpoint, reqMethod=method)
            profile = ClientProfile(httpProfile=http, signMethod=sign)
            for token, ok in (("tc-token", True), ("wrong", False)):
                client = kms_client.KmsClient(
                    credential.Credential("sts-id", "sts-key", token), "ap-guangzhou", profile
                )
                if ok:
                    assert tcall(client, "ListKeys").TotalCount == 0
                else:
                    with pytest.raises(TencentCloudSDKException) as terr:
                        tcall(client, "ListKeys")
                    assert terr.value.code == "AuthFailure.TokenFailure"
