"""Asymmetric keys on the native Alibaba classic API of the fake (docs/dialects.md 1.14),
and the neutral checks made before any request (docs/api.md "Asymmetric keys")."""

from __future__ import annotations

import base64
import hashlib

import pytest

import unikms
from unikms.dialects import operations_class
from unikms.dialects.alibaba.fake import AlibabaClassicService
from unikms.dialects.base import Feature
from unikms.driver import NativeError
from unikms.fake import FakeCloud
from unikms.types import Dialect


@pytest.fixture
def classic() -> AlibabaClassicService:
    svc = FakeCloud().service(Dialect.ALIBABA_CLASSIC)
    assert isinstance(svc, AlibabaClassicService)
    return svc


def _code(svc: AlibabaClassicService, action: str, params: dict[str, object]) -> str:
    with pytest.raises(NativeError) as err:
        svc.call(action, params)
    return err.value.code


def _key(svc: AlibabaClassicService, spec: str, usage: str) -> tuple[str, str]:
    meta = svc.call("CreateKey", {"KeySpec": spec, "KeyUsage": usage})["KeyMetadata"]
    versions = svc.call("ListKeyVersions", {"KeyId": meta["KeyId"]})["KeyVersions"]["KeyVersion"]
    return meta["KeyId"], versions[0]["KeyVersionId"]


@pytest.mark.parametrize(
    ("spec", "usage"),
    [
        ("EC_P256", "ENCRYPT/DECRYPT"),
        ("EC_P256K", "ENCRYPT/DECRYPT"),
        ("Aliyun_AES_256", "SIGN/VERIFY"),
    ],
)
def test_create_key_refuses_a_usage_the_spec_lacks(
    classic: AlibabaClassicService, spec: str, usage: str
) -> None:
    assert _code(classic, "CreateKey", {"KeySpec": spec, "KeyUsage": usage}) == "InvalidParameter"


def test_native_sign_and_verify_rules(classic: AlibabaClassicService) -> None:
    key, version = _key(classic, "EC_P256", "SIGN/VERIFY")
    digest = base64.b64encode(hashlib.sha256(b"m").digest()).decode()
    base = {"KeyId": key, "KeyVersionId": version, "Algorithm": "ECDSA_SHA_256", "Digest": digest}
    signed = classic.call("AsymmetricSign", base)
    assert (signed["KeyId"], signed["KeyVersionId"]) == (key, version)
    assert classic.call("AsymmetricVerify", {**base, "Value": signed["Value"]})["Value"] is True
    # a signature that is not even DER: Value false, never an error
    junk = base64.b64encode(b"junk").decode()
    assert classic.call("AsymmetricVerify", {**base, "Value": junk})["Value"] is False
    assert _code(classic, "AsymmetricSign", {**base, "KeyVersionId": ""}) == "MissingParameter"
    other, other_version = _key(classic, "EC_P256", "SIGN/VERIFY")
    wrong = {**base, "KeyVersionId": other_version}
    assert _code(classic, "AsymmetricSign", wrong) == "Forbidden.KeyVersionNotFound"
    assert _code(classic, "AsymmetricSign", {**base, "Algorithm": "RSA_PSS_SHA_256"}) == (
        "InvalidParameter"
    )
    short = base64.b64encode(b"x" * 31).decode()
    assert _code(classic, "AsymmetricSign", {**base, "Digest": short}) == "InvalidParameter"
    assert _code(classic, "AsymmetricSign", {**base, "DryRun": "true"}) == "DryRunOperationError"
    assert other  # the other key exists, its version is not this key's


def test_the_fake_does_no_sm2(classic: AlibabaClassicService) -> None:
    key, version = _key(classic, "EC_SM2", "SIGN/VERIFY")
    digest = base64.b64encode(b"\0" * 32).decode()
    params = {"KeyId": key, "KeyVersionId": version, "Algorithm": "SM2DSA", "Digest": digest}
    assert _code(classic, "AsymmetricSign", params) == "Rejected.UnsupportedOperation"
    get = {"KeyId": key, "KeyVersionId": version}
    assert _code(classic, "GetPublicKey", get) == "Rejected.UnsupportedOperation"


def test_sm2_messages_need_a_digest_on_classic() -> None:
    kms = unikms.connect("fake://alibaba-classic")
    key = kms.create_key(spec="EC_SM2", usage="SIGN/VERIFY").key_id
    with pytest.raises(unikms.UnsupportedByDialectError) as err:
        kms.sign(key, message=b"m", algorithm="SM2DSA")
    assert err.value.field == "message"


def test_neutral_checks_before_any_request() -> None:
    kms = unikms.connect("fake://alibaba-classic")
    with pytest.raises(unikms.InvalidRequestError) as err:
        kms.create_key(spec="AES_256", usage="SIGN/VERIFY")
    assert err.value.field == "usage"
    with pytest.raises(unikms.LimitExceededError) as limit:
        kms.encrypt_asymmetric("no-such-key", b"x" * 319, algorithm="RSAES_OAEP_SHA_256")
    assert (limit.value.size, limit.value.limit) == (319, 318)  # the largest spec's, RSA_3072
    strict = unikms.connect("fake://alibaba-classic?strict=true")
    with pytest.raises(unikms.PortabilityError) as portable:
        strict.sign("k", message=b"m", algorithm="ECDSA_SHA_256")
    assert portable.value.field == "algorithm"
    for dialect in Dialect:
        if Feature.PUBLIC_KEY in operations_class(dialect).rules.features:
            continue
        other = unikms.connect(f"fake://{dialect.value}")
        with pytest.raises(unikms.UnsupportedByDialectError):
            other.get_public_key("k")
