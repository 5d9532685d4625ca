"""Each fake dialect answers with that dialect's exact codes, statuses and shapes.

These talk to the fake services directly, at the native level (what the
emulator will serve over the wire), so they pin the error tables down.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from typing import Any

import pytest

from unikms.dialects.alibaba import classic as alibaba_classic
from unikms.dialects.alibaba import instance as alibaba_instance
from unikms.dialects.alibaba.common import (
    CLASSIC_GCM_HEADER,
    IV_LEN,
    VERSION_ID_LEN,
    ClassicBlob,
    gateway_aad_binding,
    transfer_sdk_advance_aad,
)
from unikms.dialects.alibaba.fake import AlibabaClassicService, AlibabaInstanceService
from unikms.dialects.base import canonical_context_json
from unikms.dialects.tencent import rules as tencent
from unikms.dialects.tencent.fake import TencentService
from unikms.fake import FakeCloud
from unikms.native import NativeError
from unikms.types import Dialect, KeySpec, KeyUsage


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def native_error(fn: object, *args: object) -> NativeError:
    with pytest.raises(NativeError) as err:
        fn(*args)  # type: ignore[operator]
    return err.value


@pytest.fixture
def cloud() -> FakeCloud:
    return FakeCloud()


@pytest.fixture
def classic(cloud: FakeCloud) -> AlibabaClassicService:
    svc = cloud.service(Dialect.ALIBABA_CLASSIC)
    assert isinstance(svc, AlibabaClassicService)
    return svc


@pytest.fixture
def instance(cloud: FakeCloud) -> AlibabaInstanceService:
    svc = cloud.service(Dialect.ALIBABA_INSTANCE)
    assert isinstance(svc, AlibabaInstanceService)
    return svc


@pytest.fixture
def tc(cloud: FakeCloud) -> TencentService:
    svc = cloud.service(Dialect.TENCENT)
    assert isinstance(svc, TencentService)
    return svc


def classic_key(svc: AlibabaClassicService, **params: object) -> str:
    return str(svc.call("CreateKey", params)["KeyMetadata"]["KeyId"])


# -- Alibaba classic ------------------------------------------------------------------


def test_classic_ids_and_blob_layout(classic: AlibabaClassicService) -> None:
    key = classic_key(classic)
    assert re.fullmatch(r"key-hzz[a-z0-9]{18}", key)
    r = classic.call("Encrypt", {"KeyId": key, "Plaintext": b64(b"hello")})
    assert set(r) == {"CiphertextBlob", "KeyId", "KeyVersionId", "RequestId"}
    assert len(r["KeyVersionId"]) == 36 and r["KeyVersionId"].startswith(key + "-")
    blob = ClassicBlob.unpack(base64.b64decode(r["CiphertextBlob"]))
    assert blob is not None and blob.version_id == r["KeyVersionId"] and len(blob.iv) == 12
    # Decrypt returns exactly the Plaintext string that went in
    d = classic.call("Decrypt", {"CiphertextBlob": r["CiphertextBlob"]})
    assert d["Plaintext"] == b64(b"hello") and d["KeyVersionId"] == r["KeyVersionId"]


@pytest.mark.parametrize(
    ("params", "code", "status"),
    [
        ({"KeyId": "key-hzznothere00000000000", "Plaintext": "aGk="}, "Forbidden.KeyNotFound", 404),
        ({"KeyId": "alias/none", "Plaintext": "aGk="}, "Forbidden.AliasNotFound", 404),
        ({"Plaintext": "aGk="}, "MissingParameter", 400),
    ],
)
def test_classic_lookup_errors(
    classic: AlibabaClassicService, params: dict[str, str], code: str, status: int
) -> None:
    err = native_error(classic.call, "Encrypt", params)
    assert (err.code, err.http_status) == (code, status)
    assert err.request_id


def test_classic_limits(classic: AlibabaClassicService) -> None:
    key = classic_key(classic)
    classic.call("Encrypt", {"KeyId": key, "Plaintext": b64(b"x" * 6144)})
    err = native_error(classic.call, "Encrypt", {"KeyId": key, "Plaintext": b64(b"x" * 6145)})
    assert (err.code, err.http_status) == ("InvalidParameter", 400)
    err = native_error(classic.call, "Encrypt", {"KeyId": key, "Plaintext": "not base64!"})
    assert err.code == "InvalidParameter"
    big = {"k": "v" * 8200}
    err = native_error(
        classic.call, "Encrypt", {"KeyId": key, "Plaintext": "aGk=", "EncryptionContext": big}
    )
    assert err.code == "InvalidParameter"


def test_classic_states_and_transitions(classic: AlibabaClassicService) -> None:
    key = classic_key(classic)
    ct = classic.call("Encrypt", {"KeyId": key, "Plaintext": "aGk="})["CiphertextBlob"]
    classic.call("DisableKey", {"KeyId": key})
    err = native_error(classic.call, "Decrypt", {"CiphertextBlob": ct})
    assert (err.code, err.http_status) == ("Rejected.Disabled", 409)
    classic.call("ScheduleKeyDeletion", {"KeyId": key, "PendingWindowInDays": 7})
    err = native_error(classic.call, "Encrypt", {"KeyId": key, "Plaintext": "aGk="})
    assert (err.code, err.http_status) == ("Rejected.PendingDeletion", 409)
    err = native_error(classic.call, "EnableKey", {"KeyId": key})
    assert (err.code, err.http_status) == ("Rejected.StateModifiedFailed", 409)
    classic.call("CancelKeyDeletion", {"KeyId": key})
    meta = classic.call("DescribeKey", {"KeyId": key})["KeyMetadata"]
    assert meta["KeyState"] == "Enabled"  # classic returns a cancelled key to Enabled
    err = native_error(
        classic.call, "ScheduleKeyDeletion", {"KeyId": key, "PendingWindowInDays": 367}
    )
    assert err.code == "InvalidParameter"
    ext = classic_key(classic, Origin="EXTERNAL")
    err = native_error(classic.call, "Encrypt", {"KeyId": ext, "Plaintext": "aGk="})
    assert (err.code, err.http_status) == ("Rejected.PendingImport", 409)


def test_classic_dry_run(classic: AlibabaClassicService) -> None:
    key = classic_key(classic)
    err = native_error(
        classic.call, "Encrypt", {"KeyId": key, "Plaintext": "aGk=", "DryRun": "true"}
    )
    assert err.code == "DryRunOperationError"
    # a dry run still reports the real problem first
    err = native_error(
        classic.call, "Encrypt", {"KeyId": "alias/x", "Plaintext": "aGk=", "DryRun": "true"}
    )
    assert err.code == "Forbidden.AliasNotFound"
    # an invalid parameter in a dry run: ValidationError (the DryRun parameter's documented
    # failure reasons), still naming what is wrong
    for params in (
        {"KeyId": key, "Plaintext": "%%%", "DryRun": "true"},
        {"KeyId": key, "DryRun": "TRUE"},
        {"KeyId": key, "Plaintext": "aGk=", "EncryptionContext": "[1]", "DryRun": "true"},
    ):
        err = native_error(classic.call, "Encrypt", params)
        assert (err.code, err.http_status) == ("ValidationError", 400), params
        assert "Plaintext" in err.message or "EncryptionContext" in err.message
        assert err.request_id
    err = native_error(classic.call, "Decrypt", {"CiphertextBlob": "!!", "DryRun": "true"})
    assert err.code == "ValidationError" and "CiphertextBlob" in err.message
    # without DryRun the same request answers the parameter's own code
    err = native_error(classic.call, "Encrypt", {"KeyId": key, "Plaintext": "%%%"})
    assert err.code == "InvalidParameter"


def test_classic_aliases_and_arns(classic: AlibabaClassicService) -> None:
    key = classic_key(classic)
    for bad in ("noprefix", "alias/", "alias/acs-reserved", "alias/" + "a" * 256, "alias/sp ace"):
        err = native_error(classic.call, "CreateAlias", {"AliasName": bad, "KeyId": key})
        assert err.code == "InvalidParameter", bad
    classic.call("CreateAlias", {"AliasName": "alias/a_b-c/d", "KeyId": key})
    err = native_error(classic.call, "CreateAlias", {"AliasName": "alias/a_b-c/d", "KeyId": key})
    assert (err.code, err.http_status) == ("AliasAlreadyExists", 400)
    arn = "acs:kms:cn-hangzhou:1234567890123456:alias/a_b-c/d"
    assert classic.call("Encrypt", {"KeyId": arn, "Plaintext": "aGk="})["KeyId"] == key
    err = native_error(
        classic.call,
        "Encrypt",
        {"KeyId": arn.replace("cn-hangzhou", "cn-beijing"), "Plaintext": "aGk="},
    )
    assert err.code == "Forbidden.KeyNotFound"


def test_classic_rotation_rules(cloud: FakeCloud, classic: AlibabaClassicService) -> None:
    key = classic_key(classic)
    err = native_error(classic.call, "CreateKeyVersion", {"KeyId": key})
    assert (err.code, err.http_status) == ("Rejected.UnsupportedOperation", 400)
    for _ in range(alibaba_classic.MAX_VERSIONS - 1):
        cloud.clock.advance(days=7)
        classic.call("CreateKeyVersion", {"KeyId": key})
    cloud.clock.advance(days=7)
    err = native_error(classic.call, "CreateKeyVersion", {"KeyId": key})
    assert err.code == "Rejected.LimitExceeded"
    versions = classic.call("ListKeyVersions", {"KeyId": key, "PageSize": 100})
    assert versions["TotalCount"] == alibaba_classic.MAX_VERSIONS


def test_classic_asymmetric_key(classic: AlibabaClassicService) -> None:
    key = classic_key(classic, KeySpec="RSA_2048")
    err = native_error(classic.call, "Encrypt", {"KeyId": key, "Plaintext": "aGk="})
    assert err.code == "UnsupportedOperation"


def test_unknown_action(
    classic: AlibabaClassicService, instance: AlibabaInstanceService, tc: TencentService
) -> None:
    assert native_error(classic.call, "Nope", {}).code == "InvalidAction.NotFound"
    assert native_error(instance.call, "Nope", {}).code == "InvalidApiName"
    assert native_error(tc.call, "Nope", {}).code == "InvalidAction"


def test_unknown_parameter(
    classic: AlibabaClassicService, instance: AlibabaInstanceService, tc: TencentService
) -> None:
    """A misspelt parameter is refused with the dialect's common code, not ignored."""
    key = classic_key(classic)
    err = native_error(classic.call, "Encrypt", {"KeyId": key, "Plaintext": "aGk=", "Contxt": "x"})
    assert (err.code, err.http_status) == ("UnsupportedParameter", 400)
    assert err.message == 'The parameter "Contxt" is not supported.'
    assert err.request_id
    # every documented parameter passes (Recipient: a TEE's attestation, ignored by the fake)
    classic.call("DescribeKey", {"KeyId": key})
    ok = classic.call("Encrypt", {"KeyId": key, "Plaintext": "aGk=", "DryRun": "false"})
    classic.call("Decrypt", {"CiphertextBlob": ok["CiphertextBlob"], "EncryptionContext": {}})
    err = native_error(classic.call, "DescribeKey", {"KeyId": key, "KeyVersionId": "v"})
    assert err.code == "UnsupportedParameter"
    # the instance gateway speaks protobuf, whose parsers skip unknown fields
    instance.call("Encrypt", {"KeyId": key, "Plaintext": b"hi", "Nonsense": 1})

    tkey = tc.call("CreateKey", {"Alias": "unknown-params"})["KeyId"]
    err = native_error(tc.call, "Encrypt", {"KeyId": tkey, "Plaintext": "aGk=", "Plaintxt": "x"})
    assert (err.code, err.http_status) == ("UnknownParameter", 200)
    assert "Plaintxt" in err.message and err.request_id
    assert native_error(tc.call, "ListKeys", {"Limit": 1, "KeyId": tkey}).code == "UnknownParameter"
    tc.call("DescribeKey", {"KeyId": tkey, "MemberAccount": "100000000002"})


# -- Alibaba instance -----------------------------------------------------------------


def test_instance_initial_vs_primary(
    cloud: FakeCloud, classic: AlibabaClassicService, instance: AlibabaInstanceService
) -> None:
    key = classic_key(classic)
    initial = classic.call("DescribeKey", {"KeyId": key})["KeyMetadata"]["PrimaryKeyVersion"]
    cloud.clock.advance(days=7)
    primary = classic.call("CreateKeyVersion", {"KeyId": key})["KeyVersion"]["KeyVersionId"]
    enc = instance.call("Encrypt", {"KeyId": key, "Plaintext": b"data"})
    assert set(enc) == {"KeyId", "CiphertextBlob", "Iv", "Algorithm", "PaddingMode", "RequestId"}
    assert len(enc["Iv"]) == 12 and enc["Algorithm"] == "AES_GCM"
    dec = instance.call(
        "Decrypt", {"KeyId": key, "CiphertextBlob": enc["CiphertextBlob"], "Iv": enc["Iv"]}
    )
    assert dec["Plaintext"] == b"data"
    # AdvanceDecrypt takes an Encrypt blob together with its KeyId and Iv
    adv = instance.call(
        "AdvanceDecrypt", {"KeyId": key, "CiphertextBlob": enc["CiphertextBlob"], "Iv": enc["Iv"]}
    )
    assert adv["KeyVersionId"] == initial
    aenc = instance.call("AdvanceEncrypt", {"KeyId": key, "Plaintext": b"data"})
    assert aenc["KeyVersionId"] == primary
    assert aenc["CiphertextBlob"][:3] == CLASSIC_GCM_HEADER
    assert aenc["CiphertextBlob"][3:39].decode() == primary
    # Decrypt (initial version) cannot open an Advance blob
    err = native_error(
        instance.call,
        "Decrypt",
        {"KeyId": key, "CiphertextBlob": aenc["CiphertextBlob"], "Iv": aenc["Iv"]},
    )
    assert (err.code, err.http_status) == ("InternalFailure", 500)  # the Decrypt page's answer


def test_instance_algorithms(
    classic: AlibabaClassicService, instance: AlibabaInstanceService
) -> None:
    """Software keys: GCM only, AdvanceEncrypt too; hardware (HSM) and external AES keys:
    GCM, CBC and ECB, no AdvanceEncrypt; SM4 keys: GCM only."""
    aes = classic_key(classic)
    sm4 = classic_key(classic, KeySpec="Aliyun_SM4")
    hsm = classic_key(classic, ProtectionLevel="HSM")
    hsm_sm4 = classic_key(classic, KeySpec="Aliyun_SM4", ProtectionLevel="HSM")
    external = classic.store.create_key(
        spec=KeySpec.AES_256, usage=KeyUsage.ENCRYPT_DECRYPT, origin="EXTERNAL"
    ).key_id
    meta = classic.call("DescribeKey", {"KeyId": hsm})["KeyMetadata"]
    assert meta["ProtectionLevel"] == "HSM"
    assert classic.call("DescribeKey", {"KeyId": aes})["KeyMetadata"]["ProtectionLevel"] == (
        "SOFTWARE"
    )
    both, initial_only = ("Encrypt", "AdvanceEncrypt"), ("Encrypt",)
    works = [
        (aes, "AES_GCM", "", b"x" * 5, both),
        (sm4, "SM4_GCM", "", b"x" * 5, both),
        (hsm, "AES_GCM", "", b"x" * 5, initial_only),
        (hsm, "AES_CBC", "PKCS7_PADDING", b"x" * 5, initial_only),
        (hsm, "AES_CBC", "NO_PADDING", b"x" * 32, initial_only),
        (hsm, "AES_ECB", "PKCS7_PADDING", b"x" * 17, initial_only),
        (hsm_sm4, "SM4_GCM", "", b"x" * 5, initial_only),
        (external, "AES_CBC", "PKCS7_PADDING", b"x" * 5, both),
        (external, "AES_ECB", "NO_PADDING", b"x" * 16, both),
    ]
    for key, algorithm, padding, data, actions in works:
        for action in actions:
            back = "Decrypt" if action == "Encrypt" else "AdvanceDecrypt"
            r = instance.call(
                action,
                {"KeyId": key, "Plaintext": data, "Algorithm": algorithm, "PaddingMode": padding},
            )
            params = {"CiphertextBlob": r["CiphertextBlob"]}
            if back == "Decrypt":
                params |= {
                    "KeyId": key,
                    "Algorithm": algorithm,
                    "Iv": r["Iv"],
                    "PaddingMode": padding,
                }
            assert instance.call(back, params)["Plaintext"] == data, (algorithm, action)
    refused = [
        (aes, "AES_CBC", "Encrypt", ("InvalidParameter", 400)),  # software keys: GCM only
        (aes, "AES_ECB", "AdvanceEncrypt", ("InvalidParameter", 400)),
        (sm4, "SM4_CBC", "Encrypt", ("InvalidParameter", 400)),  # SM4: GCM only
        (hsm_sm4, "SM4_ECB", "Encrypt", ("InvalidParameter", 400)),
        (hsm, "AES_GCM", "AdvanceEncrypt", ("UnsupportedOperation", 400)),
        (hsm, "", "AdvanceGenerateDataKey", ("UnsupportedOperation", 400)),
    ]
    for key, algorithm, action, expected in refused:
        params = {"KeyId": key, "Plaintext": b"x" * 16, "Algorithm": algorithm}
        err = native_error(instance.call, action, params)
        assert (err.code, err.http_status) == expected, (key, algorithm, action)
    bad = [
        {"Algorithm": "SM4_GCM"},  # wrong family for an AES key
        {"Algorithm": "AES_CTR"},
        {"Algorithm": "AES_GCM", "Iv": b"\0" * 16},
        {"Algorithm": "AES_CBC", "Iv": b"\0" * 12},
        {"Algorithm": "AES_CBC", "PaddingMode": "NO_PADDING"},  # 5 bytes is not a block
        {"Algorithm": "AES_CBC", "Aad": b"aad"},
        {"Aad": b"a" * 8193},
    ]
    for extra in bad:
        err = native_error(instance.call, "Encrypt", {"KeyId": hsm, "Plaintext": b"x" * 5, **extra})
        assert (err.code, err.http_status) == ("InvalidParameter", 400), extra
    err = native_error(classic.call, "CreateKey", {"ProtectionLevel": "QUANTUM"})
    assert (err.code, err.http_status) == ("InvalidParameter", 400)


def test_instance_symmetric_only(
    classic: AlibabaClassicService, instance: AlibabaInstanceService
) -> None:
    rsa = classic_key(classic, KeySpec="RSA_2048")
    err = native_error(instance.call, "AdvanceEncrypt", {"KeyId": rsa, "Plaintext": b"x"})
    assert (err.code, err.http_status) == ("Forbidden.OnlySymmetricKeySupported", 404)
    assert rsa in err.message


def test_instance_body_limit(
    classic: AlibabaClassicService, instance: AlibabaInstanceService
) -> None:
    key = classic_key(classic)
    room = alibaba_instance.MAX_BODY - alibaba_instance.encoded_size({"KeyId": key}) - 1 - 4
    instance.call("AdvanceEncrypt", {"KeyId": key, "Plaintext": b"x" * room})
    err = native_error(
        instance.call, "AdvanceEncrypt", {"KeyId": key, "Plaintext": b"x" * (room + 1)}
    )
    assert err.http_status == 413


def test_instance_states(classic: AlibabaClassicService, instance: AlibabaInstanceService) -> None:
    key = classic_key(classic)
    classic.call("DisableKey", {"KeyId": key})
    err = native_error(instance.call, "AdvanceEncrypt", {"KeyId": key, "Plaintext": b"x"})
    assert (err.code, err.http_status) == ("Rejected.Disabled", 409)
    err = native_error(
        instance.call, "Encrypt", {"KeyId": "key-hzzmissing00000000000", "Plaintext": b"x"}
    )
    assert (err.code, err.http_status) == ("Forbidden.KeyNotFound", 404)


def test_classic_blob_opens_on_the_gateway(
    classic: AlibabaClassicService, instance: AlibabaInstanceService
) -> None:
    """The transfer SDK's move: an AES_GCM Advance blob is '$\\x00\\x02' + the classic blob."""
    key = classic_key(classic)
    r = classic.call(
        "Encrypt",
        {"KeyId": key, "Plaintext": b64(b"moved"), "EncryptionContext": {"b": "2", "a": "1"}},
    )
    blob = CLASSIC_GCM_HEADER + base64.b64decode(r["CiphertextBlob"])
    d = instance.call("AdvanceDecrypt", {"CiphertextBlob": blob, "Aad": b'{"a":"1","b":"2"}'})
    assert d["Plaintext"] == b64(b"moved").encode()


# -- Tencent --------------------------------------------------------------------------


def test_tencent_shapes(tc: TencentService) -> None:
    created = tc.call("CreateKey", {"Alias": "orders"})
    key = created["KeyId"]
    assert tencent.KEY_ID_PATTERN.fullmatch(key) and created["KeyState"] == "Enabled"
    r = tc.call(
        "Encrypt",
        {"KeyId": key, "Plaintext": b64(b"test\n"), "EncryptionContext": '{"key1":"value1"}'},
    )
    parts = r["CiphertextBlob"].split("-k-")
    assert [len(base64.b64decode(p)) for p in parts[:2]] == [64, 16]
    d = tc.call(
        "Decrypt",
        {"CiphertextBlob": r["CiphertextBlob"], "EncryptionContext": '{ "key1" : "value1" }'},
    )
    assert d == {"KeyId": key, "Plaintext": b64(b"test\n"), "RequestId": d["RequestId"]}


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"KeyId": "not-a-uuid", "Plaintext": "aGk="}, "InvalidParameterValue.InvalidKeyId"),
        (
            {"KeyId": "00000000-0000-1000-8000-000000000000", "Plaintext": "aGk="},
            "ResourceUnavailable.CmkNotFound",
        ),
        ({"Plaintext": "aGk="}, "MissingParameter"),
    ],
)
def test_tencent_lookup_errors(tc: TencentService, params: dict[str, str], code: str) -> None:
    err = native_error(tc.call, "Encrypt", params)
    assert (err.code, err.http_status) == (code, 200)


def test_tencent_limits(tc: TencentService) -> None:
    key = tc.call("CreateKey", {"Alias": "lim"})["KeyId"]
    tc.call("Encrypt", {"KeyId": key, "Plaintext": b64(b"x" * 4096)})
    for plaintext in (b64(b"x" * 4097), "%%%"):
        err = native_error(tc.call, "Encrypt", {"KeyId": key, "Plaintext": plaintext})
        assert err.code == "InvalidParameterValue.InvalidPlaintext"
    ok = '{"k":"' + "v" * 1016 + '"}'
    assert len(ok) == 1024
    tc.call("Encrypt", {"KeyId": key, "Plaintext": "aGk=", "EncryptionContext": ok})
    for ctx in ('{"k":"' + "v" * 1017 + '"}', "not json", '{"k": 1}', "[1]"):
        err = native_error(
            tc.call, "Encrypt", {"KeyId": key, "Plaintext": "aGk=", "EncryptionContext": ctx}
        )
        assert err.code == "InvalidParameter", ctx


@pytest.mark.parametrize("key_type", ["3", "0", "x"])
def test_tencent_create_key_bad_type_is_invalid_type(tc: TencentService, key_type: str) -> None:
    # T1: InvalidParameterValue.InvalidType is "Type参数错误" (a wrong Type parameter), and
    # T2 lists it for CreateKey: any Type but 1 or 2 answers it, not the generic code.
    err = native_error(tc.call, "CreateKey", {"Alias": "typed", "Type": key_type})
    assert (err.code, err.http_status) == ("InvalidParameterValue.InvalidType", 200)


def test_tencent_state_machine(tc: TencentService) -> None:
    key = tc.call("CreateKey", {"Alias": "life"})["KeyId"]
    err = native_error(tc.call, "ScheduleKeyDeletion", {"KeyId": key, "PendingWindowInDays": 7})
    assert err.code == "ResourceUnavailable.CmkShouldBeDisabled"
    tc.call("DisableKey", {"KeyId": key})
    err = native_error(tc.call, "ScheduleKeyDeletion", {"KeyId": key, "PendingWindowInDays": 31})
    assert err.code == "InvalidParameter.InvalidPendingWindowInDays"
    r = tc.call("ScheduleKeyDeletion", {"KeyId": key, "PendingWindowInDays": 7})
    assert r["DeletionDate"] > 0
    err = native_error(tc.call, "GenerateDataKey", {"KeyId": key, "NumberOfBytes": 32})
    assert err.code == "ResourceUnavailable.KeyPendingDelete"
    tc.call("CancelKeyDeletion", {"KeyId": key})
    err = native_error(tc.call, "CancelKeyDeletion", {"KeyId": key})
    assert err.code == "ResourceUnavailable.CmkNotPendingDelete"
    tc.call("EnableKey", {"KeyId": key})
    tc.call("ArchiveKey", {"KeyId": key})
    err = native_error(tc.call, "Encrypt", {"KeyId": key, "Plaintext": "aGk="})
    assert err.code == "ResourceUnavailable.CmkArchived"
    err = native_error(tc.call, "EnableKey", {"KeyId": key})
    assert err.code == "ResourceUnavailable.CmkStateNotSupport"
    assert key not in [k["KeyId"] for k in tc.call("ListKeys", {"Limit": 200})["Keys"]]


def test_tencent_aliases(tc: TencentService) -> None:
    tc.call("CreateKey", {"Alias": "dup"})
    assert native_error(tc.call, "CreateKey", {"Alias": "dup"}).code == (
        "InvalidParameterValue.AliasAlreadyExists"
    )
    for bad in ("", "-lead", "a" * 61, "kms-reserved", "sp ace"):
        err = native_error(tc.call, "CreateKey", {"Alias": bad})
        assert err.code in ("InvalidParameterValue.InvalidAlias", "MissingParameter"), bad


def test_tencent_rotation_once_a_day(cloud: FakeCloud, tc: TencentService) -> None:
    key = tc.call("CreateKey", {"Alias": "rot"})["KeyId"]
    old = tc.call("Encrypt", {"KeyId": key, "Plaintext": "aGk="})["CiphertextBlob"]
    tc.call("EnableKeyRotation", {"KeyId": key})  # RotateKey needs it (T1)
    tc.call("RotateKey", {"KeyId": key})
    err = native_error(tc.call, "RotateKey", {"KeyId": key})
    assert err.code == "RequestLimitExceeded.RotateRateLimited"
    cloud.clock.advance(hours=24)
    tc.call("RotateKey", {"KeyId": key})
    new = tc.call("Encrypt", {"KeyId": key, "Plaintext": "aGk="})["CiphertextBlob"]
    assert old.split("-k-")[0] != new.split("-k-")[0]  # a new version is named in the blob
    assert tc.call("Decrypt", {"CiphertextBlob": old})["Plaintext"] == "aGk="


def test_throttle(cloud: FakeCloud) -> None:
    svc = cloud.service(Dialect.TENCENT, throttle=3)
    key = svc.call("CreateKey", {"Alias": "hot"})["KeyId"]
    for _ in range(3):
        svc.call("Encrypt", {"KeyId": key, "Plaintext": "aGk="})
    err = native_error(svc.call, "Encrypt", {"KeyId": key, "Plaintext": "aGk="})
    assert err.code == "RequestLimitExceeded"
    svc.call("DescribeKey", {"KeyId": key})  # management calls are not throttled here


def test_instance_rsa_encryption(
    classic: AlibabaClassicService, instance: AlibabaInstanceService
) -> None:
    """The gateway's Encrypt/Decrypt take RSA encryption keys with RSAES-OAEP."""
    rsa = classic_key(classic, KeySpec="RSA_2048", KeyUsage="ENCRYPT/DECRYPT")
    enc = instance.call("Encrypt", {"KeyId": rsa, "Plaintext": b"x" * 190})  # the OAEP maximum
    assert (enc["Algorithm"], enc["Iv"], enc["PaddingMode"]) == ("RSAES_OAEP_SHA_256", b"", "")
    assert len(enc["CiphertextBlob"]) == 256
    dec = instance.call(
        "Decrypt",
        {"KeyId": rsa, "CiphertextBlob": enc["CiphertextBlob"], "Algorithm": enc["Algorithm"]},
    )
    assert dec["Plaintext"] == b"x" * 190
    refused = [
        {"Plaintext": b"x" * 191},  # longer than OAEP-SHA-256 takes with 2048 bits
        {"Algorithm": "RSAES_OAEP_SHA_1"},  # software RSA keys: SHA-256 only
        {"Algorithm": "AES_GCM"},
        {"Iv": b"\0" * 12},
        {"Aad": b"aad"},
        {"PaddingMode": "PKCS7_PADDING"},
    ]
    for extra in refused:
        err = native_error(instance.call, "Encrypt", {"KeyId": rsa, "Plaintext": b"x", **extra})
        assert (err.code, err.http_status) == ("InvalidParameter", 400), extra
    tampered = enc["CiphertextBlob"][:-1] + bytes([enc["CiphertextBlob"][-1] ^ 1])
    err = native_error(instance.call, "Decrypt", {"KeyId": rsa, "CiphertextBlob": tampered})
    assert (err.code, err.http_status) == ("InternalFailure", 500)  # the Decrypt page's answer
    for action in ("GenerateDataKey", "AdvanceEncrypt", "AdvanceGenerateDataKey"):
        err = native_error(instance.call, action, {"KeyId": rsa, "Plaintext": b"x"})
        assert err.code in ("InvalidParameter", "Forbidden.OnlySymmetricKeySupported"), action
    hsm = classic_key(
        classic, KeySpec="RSA_3072", KeyUsage="ENCRYPT/DECRYPT", ProtectionLevel="HSM"
    )
    enc = instance.call(
        "Encrypt", {"KeyId": hsm, "Plaintext": b"y" * 300, "Algorithm": "RSAES_OAEP_SHA_1"}
    )
    params = {
        "KeyId": hsm,
        "CiphertextBlob": enc["CiphertextBlob"],
        "Algorithm": "RSAES_OAEP_SHA_1",
    }
    assert instance.call("Decrypt", params)["Plaintext"] == b"y" * 300
    signing = classic_key(classic, KeySpec="RSA_2048", KeyUsage="SIGN/VERIFY")
    err = native_error(instance.call, "Encrypt", {"KeyId": signing, "Plaintext": b"x"})
    assert (err.code, err.http_status) == ("InvalidParameter", 400)


def test_rsa_material_is_a_real_key_and_seeds_check_it(classic: AlibabaClassicService) -> None:
    from unikms.errors import InvalidRequestError
    from unikms.fake import FakeCloud
    from unikms.fake.keystore import rsa_private_key

    key = classic.store.get(classic_key(classic, KeySpec="RSA_3072"))
    assert key is not None
    assert rsa_private_key(key.primary.material, KeySpec.RSA_3072).key_size == 3072
    bad = {
        "id": "key-hzzrsarsarsarsarsarsa01",
        "spec": "RSA_2048",
        "versions": [{"material": "AAAA"}],
    }
    with pytest.raises(InvalidRequestError) as err:
        FakeCloud().load_seed({"alibaba": {"keys": [bad]}})
    assert "PKCS#8 RSA key" in str(err.value)


# -- Tencent: the plaintext encrypted for the caller (EncryptionPublicKey) ------------------


def _recipient() -> tuple[object, str]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, pem.decode()


@pytest.mark.parametrize(
    "algorithm", ["RSAES_OAEP_SHA_256", "RSAES_OAEP_SHA_1", "RSAES_PKCS1_V1_5"]
)
def test_tencent_plaintext_for_a_public_key(tc: TencentService, algorithm: str) -> None:
    """Decrypt and GenerateDataKey return Plaintext encrypted under EncryptionPublicKey."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    private, pem = _recipient()
    if algorithm == "RSAES_PKCS1_V1_5":
        scheme: object = padding.PKCS1v15()
    else:
        digest = hashes.SHA256() if algorithm.endswith("256") else hashes.SHA1()
        scheme = padding.OAEP(mgf=padding.MGF1(digest), algorithm=digest, label=None)
    key = tc.call("CreateKey", {"Alias": f"recipient-{algorithm.lower().replace('_', '-')}"})
    blob = tc.call("Encrypt", {"KeyId": key["KeyId"], "Plaintext": b64(b"secret")})
    d = tc.call(
        "Decrypt",
        {
            "CiphertextBlob": blob["CiphertextBlob"],
            "EncryptionPublicKey": pem,
            "EncryptionAlgorithm": algorithm,
        },
    )
    assert d["Plaintext"] != b64(b"secret")
    assert private.decrypt(base64.b64decode(d["Plaintext"]), scheme) == b"secret"  # type: ignore[attr-defined]
    g = tc.call(
        "GenerateDataKey",
        {
            "KeyId": key["KeyId"],
            "NumberOfBytes": 32,
            "EncryptionPublicKey": pem,
            "EncryptionAlgorithm": algorithm,
        },
    )
    data_key = private.decrypt(base64.b64decode(g["Plaintext"]), scheme)  # type: ignore[attr-defined]
    assert len(data_key) == 32
    opened = tc.call("Decrypt", {"CiphertextBlob": g["CiphertextBlob"]})
    assert base64.b64decode(opened["Plaintext"]) == data_key


def _sm2_recipient() -> tuple[bytes, str]:
    """An SM2 key pair: (private scalar, PEM public key as Tencent's example spells it)."""
    gmalg = pytest.importorskip("gmalg")
    private, point = gmalg.SM2().generate_keypair()
    spki = bytes.fromhex("3059301306072a8648ce3d020106082a811ccf5501822d034200") + point
    body = base64.b64encode(spki).decode()
    return private, f"-----BEGIN PUBLIC KEY-----\n{body}\n-----END PUBLIC KEY-----\n"


def _sm2_open(private: bytes, sealed: bytes, algorithm: str | None) -> bytes:
    """Open C1C3C2 (or, for SM2_C1C3C2_ASN1, its DER SEQUENCE of x, y, C3, C2)."""
    gmalg = pytest.importorskip("gmalg")
    if algorithm == "SM2_C1C3C2_ASN1":
        from unikms.dialects.tencent.sm2 import _der

        tag, seq, end = _der(sealed, 0)
        assert tag == 0x30 and end == len(sealed)
        parts, at = [], 0
        while at < len(seq):
            tag, value, at = _der(seq, at)
            parts.append((tag, value))
        assert [t for t, _ in parts] == [0x02, 0x02, 0x04, 0x04]
        x, y, c3, c2 = (v for _, v in parts)
        x, y = (int.from_bytes(v, "big").to_bytes(32, "big") for v in (x, y))
        sealed = b"\x04" + x + y + c3 + c2
    opened: bytes = gmalg.SM2(sk=private).decrypt(sealed)
    return opened


@pytest.mark.parametrize("algorithm", [None, "SM2", "SM2_C1C3C2_ASN1"])
def test_tencent_plaintext_for_an_sm2_public_key(tc: TencentService, algorithm: str | None) -> None:
    """SM2 is the documented default EncryptionAlgorithm: C1C3C2, or its ASN.1 form."""
    private, pem = _sm2_recipient()
    key = tc.call(
        "CreateKey", {"Alias": f"sm2-recipient-{algorithm or 'default'}".lower().replace("_", "-")}
    )
    blob = tc.call("Encrypt", {"KeyId": key["KeyId"], "Plaintext": b64(b"secret")})
    recipient = {"EncryptionPublicKey": pem}
    if algorithm:
        recipient["EncryptionAlgorithm"] = algorithm
    params = {"CiphertextBlob": blob["CiphertextBlob"], **recipient}
    sealed = base64.b64decode(tc.call("Decrypt", params)["Plaintext"])
    if algorithm != "SM2_C1C3C2_ASN1":
        assert sealed[0] == 0x04 and len(sealed) == 65 + 32 + len(b"secret")
    assert _sm2_open(private, sealed, algorithm) == b"secret"
    g = tc.call("GenerateDataKey", {"KeyId": key["KeyId"], "NumberOfBytes": 32, **recipient})
    data_key = _sm2_open(private, base64.b64decode(g["Plaintext"]), algorithm)
    assert len(data_key) == 32
    opened = tc.call("Decrypt", {"CiphertextBlob": g["CiphertextBlob"]})
    assert base64.b64decode(opened["Plaintext"]) == data_key


def test_tencent_sm2_without_its_library_is_a_typed_refusal(
    tc: TencentService, monkeypatch: pytest.MonkeyPatch
) -> None:
    from unikms.dialects.tencent import sm2
    from unikms.errors import UnsupportedByDialectError

    _, pem = _sm2_recipient()
    key = tc.call("CreateKey", {"Alias": "sm2-no-library"})["KeyId"]
    blob = tc.call("Encrypt", {"KeyId": key, "Plaintext": b64(b"x")})["CiphertextBlob"]

    def missing() -> object:
        raise sm2.Sm2Unavailable("SM2 needs the optional extra: pip install 'unikms[sm2]'")

    monkeypatch.setattr(sm2, "_gmalg", missing)
    with pytest.raises(UnsupportedByDialectError) as unsupported:
        tc.call("Decrypt", {"CiphertextBlob": blob, "EncryptionPublicKey": pem})
    assert unsupported.value.field == "EncryptionAlgorithm"
    assert "unikms[sm2]" in str(unsupported.value)


def test_tencent_plaintext_for_a_public_key_refusals(tc: TencentService) -> None:
    _, pem = _recipient()
    _, sm2_pem = _sm2_recipient()
    key = tc.call("CreateKey", {"Alias": "recipient-refusals"})["KeyId"]
    blob = tc.call("Encrypt", {"KeyId": key, "Plaintext": b64(b"x" * 300)})["CiphertextBlob"]
    # SM2 is the documented default: an RSA key with it (or an SM2 key with RSA) is refused
    for algorithm in (None, "SM2", "SM2_C1C3C2_ASN1"):
        params = {"CiphertextBlob": blob, "EncryptionPublicKey": pem}
        if algorithm:
            params["EncryptionAlgorithm"] = algorithm
        err = native_error(tc.call, "Decrypt", params)
        assert err.code == "InvalidParameter" and "EncryptionPublicKey" in err.message
    sm2_with_rsa = {"EncryptionPublicKey": sm2_pem, "EncryptionAlgorithm": "RSAES_OAEP_SHA_1"}
    err = native_error(tc.call, "Decrypt", {"CiphertextBlob": blob, **sm2_with_rsa})
    assert err.code == "InvalidParameter" and "EncryptionPublicKey" in err.message
    # a point off the curve
    spki = bytearray(base64.b64decode("".join(sm2_pem.splitlines()[1:-1])))
    spki[-1] ^= 1
    off_curve = (
        "-----BEGIN PUBLIC KEY-----\n"
        + base64.b64encode(bytes(spki)).decode()
        + "\n-----END PUBLIC KEY-----\n"
    )
    err = native_error(
        tc.call, "Decrypt", {"CiphertextBlob": blob, "EncryptionPublicKey": off_curve}
    )
    assert err.code == "InvalidParameter" and "EncryptionPublicKey" in err.message
    bad = [
        ({"EncryptionPublicKey": pem, "EncryptionAlgorithm": "RSA_PLAIN"}, "EncryptionAlgorithm"),
        ({"EncryptionPublicKey": "not a pem", "EncryptionAlgorithm": "RSAES_OAEP_SHA_1"}, None),
        # 300 bytes: more than RSAES-OAEP-SHA-256 takes with a 2048-bit key (190)
        ({"EncryptionPublicKey": pem, "EncryptionAlgorithm": "RSAES_OAEP_SHA_256"}, None),
    ]
    for extra, name in bad:
        err = native_error(tc.call, "Decrypt", {"CiphertextBlob": blob, **extra})
        assert err.code == "InvalidParameter"
        assert (name or "EncryptionPublicKey") in err.message


def test_tencent_list_key_detail_filters(tc: TencentService) -> None:
    """ListKeyDetail without KeyUsage lists ENCRYPT_DECRYPT keys only (the SDK model's
    documented default); KeyUsage=ALL lists every key; Origin filters by origin."""
    sym = tc.call("CreateKey", {"Alias": "filter-sym"})["KeyId"]
    ext = tc.call("CreateKey", {"Alias": "filter-ext", "Type": 2})["KeyId"]
    rsa_key = tc.call(
        "CreateKey", {"Alias": "filter-rsa", "KeyUsage": "ASYMMETRIC_DECRYPT_RSA_2048"}
    )
    sm2_sign = tc.call(
        "CreateKey", {"Alias": "filter-sm2", "KeyUsage": "ASYMMETRIC_SIGN_VERIFY_SM2"}
    )

    def ids(**params: object) -> set[str]:
        return {
            m["KeyId"] for m in tc.call("ListKeyDetail", {"Limit": 200, **params})["KeyMetadatas"]
        }

    assert ids() == {sym, ext}
    assert ids(KeyUsage="ALL") == {sym, ext, rsa_key["KeyId"], sm2_sign["KeyId"]}
    assert ids(KeyUsage="ASYMMETRIC_DECRYPT_RSA_2048") == {rsa_key["KeyId"]}
    assert ids(KeyUsage="ASYMMETRIC_SIGN_VERIFY_SM2") == {sm2_sign["KeyId"]}
    assert ids(Origin="EXTERNAL") == {ext}
    assert ids(Origin="TENCENT_KMS", KeyUsage="ALL") == {sym, rsa_key["KeyId"], sm2_sign["KeyId"]}
    described = tc.call("DescribeKey", {"KeyId": sm2_sign["KeyId"]})["KeyMetadata"]
    assert described["KeyUsage"] == "ASYMMETRIC_SIGN_VERIFY_SM2"


# -- what an EncryptionContext binds (dialects.md 1.7, 2.7; the real transfer SDK over HTTP:
# tests/test_transfer_sdk.py) --------------------------------------------------------------
TRANSFER_CONTEXT = {"tenant": "42", "purpose": "transfer"}
LOW_VERSION_AAD = json.dumps(TRANSFER_CONTEXT, ensure_ascii=False, separators=(",", ":")).encode()
PLAIN = base64.b64encode(b"secret").decode()


@pytest.fixture
def rotated(cloud: FakeCloud, classic: AlibabaClassicService) -> str:
    """A key whose primary version is not its initial one."""
    key: str = classic.call("CreateKey", {})["KeyMetadata"]["KeyId"]
    cloud.clock.advance(days=8)
    classic.call("CreateKeyVersion", {"KeyId": key})
    return key


def versions_of(service: AlibabaClassicService, key_id: str) -> tuple[str, str]:
    key = service.store.get(key_id)
    assert key is not None
    return key.initial.version_id, key.primary.version_id


def classic_encrypt(classic: AlibabaClassicService, key_id: str, context: Any) -> bytes:
    params = {"KeyId": key_id, "Plaintext": PLAIN, "EncryptionContext": json.dumps(context)}
    return base64.b64decode(classic.call("Encrypt", params)["CiphertextBlob"])


def classic_decrypt(classic: AlibabaClassicService, blob: bytes, context: Any) -> str:
    params = {"CiphertextBlob": base64.b64encode(blob).decode()}
    if context is not None:
        params["EncryptionContext"] = json.dumps(context)
    plaintext: str = classic.call("Decrypt", params)["Plaintext"]
    return plaintext


def split_classic(blob: bytes) -> tuple[str, bytes, bytes]:
    head = VERSION_ID_LEN + IV_LEN
    return blob[:VERSION_ID_LEN].decode(), blob[VERSION_ID_LEN:head], blob[head:]


# -- the rule -----------------------------------------------------------------------------
def test_the_classic_binding_is_the_transfer_sdk_advance_digest() -> None:
    # alibabacloud_kms_kms20160120/utils/encryption_context_utils.py, sort_and_encode
    joined = "purpose=transfer&tenant=42"
    digest = hashlib.sha256(joined.encode()).hexdigest().encode()
    assert transfer_sdk_advance_aad(TRANSFER_CONTEXT) == digest


@pytest.mark.parametrize(
    "text",
    [
        LOW_VERSION_AAD,
        b'{ "purpose" : "transfer", "tenant" : "42" }',
        b'{"tenant":"42","purpose":"transfer"}',
    ],
)
def test_a_context_json_aad_binds_the_digest_in_any_order_or_spacing(text: bytes) -> None:
    assert gateway_aad_binding(text) == transfer_sdk_advance_aad(TRANSFER_CONTEXT)


@pytest.mark.parametrize("text", [b"{}", b'{"a":1}', b"[1]", b"{not json", b"\xff{", b"plain"])
def test_other_aad_binds_as_it_is(text: bytes) -> None:
    assert gateway_aad_binding(text) == text


# -- classic <-> gateway, in-process ---------------------------------------------------------
def test_classic_blobs_open_on_the_gateway_both_ways(
    classic: AlibabaClassicService, instance: AlibabaInstanceService, rotated: str
) -> None:
    key_id = rotated
    blob = classic_encrypt(classic, key_id, TRANSFER_CONTEXT)
    version, iv, body = split_classic(blob)
    _, primary = versions_of(instance, key_id)
    assert version == primary
    # low-version Decrypt: no KeyId, the version in the migration header, the raw JSON
    migration = {"x-kms-migrationkeyversionid": version, "CiphertextBlob": body, "Iv": iv}
    opened = instance.call("Decrypt", {**migration, "Aad": LOW_VERSION_AAD})
    assert opened["Plaintext"] == PLAIN.encode()
    # Advance: the 3-byte header in front, the digest as Aad
    digest = transfer_sdk_advance_aad(TRANSFER_CONTEXT)
    advance = {"CiphertextBlob": CLASSIC_GCM_HEADER + blob, "Aad": digest}
    assert instance.call("AdvanceDecrypt", advance)["Plaintext"] == PLAIN.encode()
    with pytest.raises(NativeError) as err:
        instance.call("Decrypt", {**migration, "Aad": b'{"tenant":"43"}'})
    assert err.value.code == "InternalFailure"


def test_gateway_blobs_open_on_the_classic_api(
    classic: AlibabaClassicService, instance: AlibabaInstanceService, rotated: str
) -> None:
    key_id = rotated
    initial, _ = versions_of(instance, key_id)
    enc = instance.call(
        "Encrypt", {"KeyId": key_id, "Plaintext": PLAIN.encode(), "Aad": LOW_VERSION_AAD}
    )
    low_version_blob = initial.encode() + enc["Iv"] + enc["CiphertextBlob"]
    reordered = dict(reversed(list(TRANSFER_CONTEXT.items())))
    assert classic_decrypt(classic, low_version_blob, reordered) == PLAIN
    digest = transfer_sdk_advance_aad(TRANSFER_CONTEXT)
    adv = instance.call(
        "AdvanceEncrypt", {"KeyId": key_id, "Plaintext": PLAIN.encode(), "Aad": digest}
    )
    assert classic_decrypt(classic, adv["CiphertextBlob"][3:], TRANSFER_CONTEXT) == PLAIN
    for blob, context in ((low_version_blob, {"tenant": "43"}), (adv["CiphertextBlob"][3:], None)):
        with pytest.raises(NativeError) as err:
            classic_decrypt(classic, blob, context)
        assert err.value.code == "InvalidParameter"


def test_the_migration_header_must_name_a_version_of_the_key(
    classic: AlibabaClassicService, instance: AlibabaInstanceService, rotated: str
) -> None:
    key_id = rotated
    version, iv, body = split_classic(classic_encrypt(classic, key_id, TRANSFER_CONTEXT))
    base = {"CiphertextBlob": body, "Iv": iv, "Aad": LOW_VERSION_AAD}
    with pytest.raises(NativeError) as err:
        instance.call("Decrypt", {**base, "x-kms-migrationkeyversionid": key_id + "-0000000000"})
    assert err.value.code == "Forbidden.KeyNotFound"
    other = instance.call("CreateKey", {})["KeyMetadata"]["KeyId"]
    with pytest.raises(NativeError) as err:
        instance.call("Decrypt", {**base, "x-kms-migrationkeyversionid": version, "KeyId": other})
    assert err.value.code == "Forbidden.KeyNotFound"
    named = {**base, "x-kms-migrationkeyversionid": version, "KeyId": key_id}
    assert instance.call("Decrypt", named)["Plaintext"] == PLAIN.encode()


def test_blobs_an_older_fake_made_still_open(
    classic: AlibabaClassicService, instance: AlibabaInstanceService, rotated: str
) -> None:
    key_id = rotated
    """Before this rule the fake bound a context's canonical JSON on both APIs."""
    key = classic.store.get(key_id)
    assert key is not None
    legacy = canonical_context_json(TRANSFER_CONTEXT).encode()
    blob, _ = classic.seal_classic(key, PLAIN.encode(), legacy)
    assert classic_decrypt(classic, blob, TRANSFER_CONTEXT) == PLAIN
    advance = {"CiphertextBlob": CLASSIC_GCM_HEADER + blob, "Aad": legacy}
    assert instance.call("AdvanceDecrypt", advance)["Plaintext"] == PLAIN.encode()
    with pytest.raises(NativeError):
        classic_decrypt(classic, blob, {"tenant": "43"})
