"""Rules of docs/dialects.md that a re-check against the vendors' documents changed.

Each test names the document that states the rule; before the re-check the fake
followed an inference or a decision of its own.
"""

from __future__ import annotations

import pytest

from unikms import KmsClient
from unikms.dialects.alibaba.fake import AlibabaClassicService, AlibabaInstanceService
from unikms.dialects.tencent.rules import RULES as TENCENT_RULES
from unikms.errors import InvalidRequestError, RotationPolicyRequiredError, WrongKeyTypeError
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


def test_tencent_rotate_key_needs_rotation_enabled() -> None:
    """T1 (tencentcloud-sdk-python errorcodes.py; tencentcloud-sdk-go errors.go 2026-08):
    UnsupportedOperation.RotateNotSupported is "不支持轮转", with the causes
    "未开启轮转、外部密钥、副本密钥": rotation not enabled, an external key or a replica
    key; T2 lists it for RotateKey.
    The fake rotated a key without KeyRotationEnabled."""
    cloud = FakeCloud()
    tc = cloud.service(Dialect.TENCENT)
    key = tc.call("CreateKey", {"Alias": "rot"})["KeyId"]
    with pytest.raises(NativeError) as err:
        tc.call("RotateKey", {"KeyId": key})
    assert (err.value.code, err.value.http_status) == (
        "UnsupportedOperation.RotateNotSupported",
        200,
    )
    assert type(TENCENT_RULES.neutral(err.value)) is InvalidRequestError
    tc.call("EnableKeyRotation", {"KeyId": key, "RotateDays": 30})
    assert "TaskId" in tc.call("RotateKey", {"KeyId": key})
    tc.call("DisableKeyRotation", {"KeyId": key})
    cloud.clock.advance(days=2)  # past the 24 h window: only the policy refuses now
    with pytest.raises(NativeError) as err:
        tc.call("RotateKey", {"KeyId": key})
    assert err.value.code == "UnsupportedOperation.RotateNotSupported"


def test_tencent_neutral_rotate_key_does_not_turn_rotation_on() -> None:
    """The neutral rotate_key on a Tencent key without a rotation policy raises
    RotationPolicyRequiredError (an InvalidRequestError) naming set_rotation_policy;
    it does not enable automatic rotation behind the caller's back."""
    cloud = FakeCloud()
    kms = KmsClient(cloud.service(Dialect.TENCENT))
    assert TENCENT_RULES.rotation_needs_policy
    key = kms.create_key().key_id
    with pytest.raises(RotationPolicyRequiredError) as err:
        kms.rotate_key(key)
    assert isinstance(err.value, InvalidRequestError)
    assert err.value.code == "UnsupportedOperation.RotateNotSupported"
    assert err.value.field == "key" and "set_rotation_policy" in err.value.message
    assert err.value.request_id
    assert kms.describe_key(key).native["KeyRotationEnabled"] is False
    kms.set_rotation_policy(key, enabled=True, period_days=90)
    assert kms.rotate_key(key) is None


def test_tencent_rotate_key_other_refusals_keep_their_class() -> None:
    """An EXTERNAL key answers the same RotateNotSupported, but no policy could help it:
    it stays a plain InvalidRequestError (EnableKeyRotation would refuse it too)."""
    kms = KmsClient(FakeCloud().service(Dialect.TENCENT))
    key = kms.create_key(external=True).key_id
    with pytest.raises(InvalidRequestError) as err:
        kms.rotate_key(key)
    assert not isinstance(err.value, RotationPolicyRequiredError)
    assert err.value.code == "UnsupportedOperation.RotateNotSupported"


def test_instance_generate_random_length_is_1_to_64(instance: AlibabaInstanceService) -> None:
    """The gateway's GenerateRandom page (alibabacloud.com/help/zh/kms/developer-reference/
    generaterandom-1, 2023-08; the tc edition 2024-07): ``Length`` "取值范围" (range) "1~64".
    unikms used Tencent's 1 to 1024 there, as no page had been found."""
    assert len(instance.call("GenerateRandom", {"Length": 64})["Random"]) == 64
    with pytest.raises(NativeError) as err:
        instance.call("GenerateRandom", {"Length": 65})
    assert (err.value.code, err.value.http_status) == ("InvalidParameter", 400)
    kms = KmsClient(instance)
    assert len(kms.generate_random(64)) == 64
    with pytest.raises(InvalidRequestError) as neutral:
        kms.generate_random(65)  # refused before any request
    assert neutral.value.field == "number_of_bytes" and "1 to 64" in neutral.value.message


def test_tencent_key_metadata_reports_its_standard_and_rotation_schedule() -> None:
    """T3's KeyMetadata: Type is 2 (FIPS) or 4 (SM), never CreateKey's 1; NextRotateTime is
    only set while rotation is on (the fake used to report Type 1 and a date always)."""
    service = FakeCloud().service(Dialect.TENCENT)
    key_id = service.call("CreateKey", {"Alias": "std", "KeyUsage": "ENCRYPT_DECRYPT"})["KeyId"]
    sm2 = service.call("CreateKey", {"Alias": "sm", "KeyUsage": "ASYMMETRIC_DECRYPT_SM2"})["KeyId"]
    meta = service.call("DescribeKey", {"KeyId": key_id})["KeyMetadata"]
    assert (meta["Type"], meta["NextRotateTime"]) == (2, 0)
    assert service.call("DescribeKey", {"KeyId": sm2})["KeyMetadata"]["Type"] == 4
    service.call("EnableKeyRotation", {"KeyId": key_id, "RotateDays": 30})
    meta = service.call("DescribeKey", {"KeyId": key_id})["KeyMetadata"]
    assert meta["NextRotateTime"] == meta["CreateTime"] + 30 * 86400
