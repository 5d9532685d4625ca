"""Rules of docs/dialects.md that a re-check against the vendors' documents changed.

Each test names the document that states the rule; before the re-check the fake
followed an inference or a decision of its own.
"""

from __future__ import annotations

import pytest

from unikms import KmsClient
from unikms.dialects.alibaba.fake import AlibabaClassicService, AlibabaInstanceService
from unikms.dialects.tencent.rules import RULES as TENCENT_RULES
from unikms.errors import WrongKeyTypeError
from unikms.fake import FakeCloud
from unikms.native import NativeError
from unikms.types import Dialect


@pytest.fixture
def classic() -> AlibabaClassicService:
    svc = FakeCloud().service(Dialect.ALIBABA_CLASSIC)
    assert isinstance(svc, AlibabaClassicService)
    return svc


@pytest.mark.parametrize("spec", ["RSA_2048", "RSA_3072", "EC_P256", "EC_SM2"])
def test_classic_create_key_defaults_a_signing_capable_spec_to_sign_verify(
    classic: AlibabaClassicService, spec: str
) -> None:
    """C29, CreateKeyRequest.key_usage: "If the key supports signature verification,
    the default value is SIGN/VERIFY. Otherwise, the default value is ENCRYPT/DECRYPT."
    Every asymmetric spec Alibaba offers signs."""
    meta = classic.call("CreateKey", {"KeySpec": spec})["KeyMetadata"]
    assert meta["KeyUsage"] == "SIGN/VERIFY"
    if spec != "EC_P256":  # EC_P256 only signs (I8)
        explicit = classic.call("CreateKey", {"KeySpec": spec, "KeyUsage": "ENCRYPT/DECRYPT"})
        assert explicit["KeyMetadata"]["KeyUsage"] == "ENCRYPT/DECRYPT"


def test_classic_create_key_defaults_a_symmetric_spec_to_encrypt_decrypt(
    classic: AlibabaClassicService,
) -> None:
    for spec in ("Aliyun_AES_256", "Aliyun_AES_128", "Aliyun_SM4", None):
        params = {"KeySpec": spec} if spec else {}
        meta = classic.call("CreateKey", params)["KeyMetadata"]
        assert meta["KeyUsage"] == "ENCRYPT/DECRYPT", spec


@pytest.fixture
def instance() -> AlibabaInstanceService:
    svc = FakeCloud().service(Dialect.ALIBABA_INSTANCE)
    assert isinstance(svc, AlibabaInstanceService)
    return svc


@pytest.mark.parametrize("action", ["GenerateDataKey", "AdvanceGenerateDataKey"])
def test_instance_data_key_calls_require_number_of_bytes(
    instance: AlibabaInstanceService, action: str
) -> None:
    """I7, I6: the gateway's GenerateDataKey and AdvanceGenerateDataKey list
    NumberOfBytes as required (the transfer SDK fills it in itself, I10); the fake
    used to default to 32. Proto3 does not send a 0, so 0 is the same request."""
    key = instance.call("CreateKey", {})["KeyMetadata"]["KeyId"]
    for params in ({"KeyId": key}, {"KeyId": key, "NumberOfBytes": 0}):
        with pytest.raises(NativeError) as err:
            instance.call(action, params)
        assert (err.value.code, err.value.http_status) == ("InvalidParameter", 400)
    assert len(instance.call(action, {"KeyId": key, "NumberOfBytes": 32})["Plaintext"]) == 32


@pytest.mark.parametrize(
    ("action", "params"),
    [("Encrypt", {"Plaintext": "aGk="}), ("GenerateDataKey", {"NumberOfBytes": 32})],
)
def test_tencent_asymmetric_key_on_symmetric_crypto_is_invalid_key_usage(
    action: str, params: dict[str, object]
) -> None:
    """T2 (tencentcloud-sdk-go kms client.go, 2026-08): GenerateDataKey lists
    InvalidParameterValue.InvalidKeyUsage though it has no KeyUsage parameter, as do
    AsymmetricRsaDecrypt and AsymmetricSm2Decrypt for a key of the wrong usage;
    UnsupportedKeyUsageInCurrentRegion is listed only for CreateKey and
    AsymmetricSm2Decrypt (a usage the region lacks). Encrypt follows GenerateDataKey."""
    cloud = FakeCloud()
    tc = cloud.service(Dialect.TENCENT)
    key = tc.call("CreateKey", {"Alias": "rsa", "KeyUsage": "ASYMMETRIC_DECRYPT_RSA_2048"})
    with pytest.raises(NativeError) as err:
        tc.call(action, {"KeyId": key["KeyId"], **params})
    assert err.value.code == "InvalidParameterValue.InvalidKeyUsage"
    assert isinstance(TENCENT_RULES.neutral(err.value), WrongKeyTypeError)
    kms = KmsClient(cloud.service(Dialect.TENCENT))
    with pytest.raises(WrongKeyTypeError):
        kms.encrypt(key["KeyId"], b"x")
