"""The actions clients call in ordinary use beside encrypt and decrypt: natively on the
fake, and through the official SDKs against the emulator.

Tencent: ReEncrypt, GenerateRandom, GetServiceStatus, GetRegions, ListAlgorithms,
UpdateKeyDescription. Alibaba classic: ReEncrypt, DescribeRegions, GetRandomPassword,
UpdateRotationPolicy, UpdateKeyDescription, TagResource / UntagResource /
ListResourceTags. (The neutral calls over them run on every driver in
``tests/test_conformance.py``.)
"""

from __future__ import annotations

import base64
import json
import string
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from Tea.exceptions import TeaException
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

from tests.test_emulator_sdk import ALIBABA_MODES, acall, alibaba, b64, tcall, tencent
from unikms.dialects import dialect_package
from unikms.dialects.alibaba.fake import (
    AlibabaClassicService,
    AlibabaInstanceService,
    new_alibaba_store,
)
from unikms.dialects.tencent.fake import TencentService, new_tencent_store
from unikms.emulator import Emulator
from unikms.errors import InvalidRequestError
from unikms.fake.keystore import KeyStore
from unikms.native import NativeError


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator() as emu:
        yield emu


def code_of(service: object, action: str, params: dict[str, object]) -> str:
    with pytest.raises(NativeError) as err:
        service.call(action, params)  # type: ignore[attr-defined]
    return err.value.code


# -- Alibaba classic, native --------------------------------------------------------------


@pytest.fixture
def classic() -> AlibabaClassicService:
    return AlibabaClassicService(new_alibaba_store())


def ali_key(service: AlibabaClassicService, **params: object) -> str:
    return str(service.call("CreateKey", dict(params))["KeyMetadata"]["KeyId"])


def test_alibaba_re_encrypt(classic: AlibabaClassicService) -> None:
    source, destination = ali_key(classic), ali_key(classic)
    blob = classic.call(
        "Encrypt", {"KeyId": source, "Plaintext": "aGk=", "EncryptionContext": {"a": "1"}}
    )["CiphertextBlob"]
    moved = classic.call(
        "ReEncrypt",
        {
            "CiphertextBlob": blob,
            "DestinationKeyId": destination,
            "SourceEncryptionContext": '{"a":"1"}',
            "DestinationEncryptionContext": {"b": "2"},
        },
    )
    assert moved["KeyId"] == destination and moved["KeyVersionId"].startswith(destination)
    opened = classic.call(
        "Decrypt", {"CiphertextBlob": moved["CiphertextBlob"], "EncryptionContext": {"b": "2"}}
    )
    assert (opened["Plaintext"], opened["KeyId"]) == ("aGk=", destination)
    base = {"CiphertextBlob": blob, "DestinationKeyId": destination}
    assert code_of(classic, "ReEncrypt", base) == "InvalidParameter"  # source context missing
    assert code_of(classic, "ReEncrypt", {"CiphertextBlob": blob}) == "MissingParameter"
    ok = {**base, "SourceEncryptionContext": {"a": "1"}}
    assert code_of(classic, "ReEncrypt", {**ok, "DryRun": "true"}) == "DryRunOperationError"
    assert code_of(classic, "ReEncrypt", {**ok, "DestinationKeyId": "alias/none"}) == (
        "Forbidden.AliasNotFound"
    )
    classic.call("DisableKey", {"KeyId": destination})
    assert code_of(classic, "ReEncrypt", ok) == "Rejected.Disabled"
    classic.call("EnableKey", {"KeyId": destination})
    classic.call("DisableKey", {"KeyId": source})
    assert code_of(classic, "ReEncrypt", ok) == "Rejected.Disabled"


def test_the_instance_gateway_has_no_re_encrypt() -> None:
    service = AlibabaInstanceService(new_alibaba_store())
    assert "ReEncrypt" not in service.actions
    assert "UpdateRotationPolicy" in service.actions  # management goes through classic


def test_alibaba_describe_regions(classic: AlibabaClassicService) -> None:
    assert classic.call("DescribeRegions", {})["Regions"] == {
        "Region": [{"RegionId": "cn-hangzhou"}]
    }


def test_alibaba_get_random_password(classic: AlibabaClassicService) -> None:
    assert len(classic.call("GetRandomPassword", {})["RandomPassword"]) == 32
    digits = classic.call(
        "GetRandomPassword",
        {
            "PasswordLength": "8",
            "ExcludeLowercase": "true",
            "ExcludeUppercase": "true",
            "ExcludePunctuation": "true",
            "ExcludeCharacters": "0123",
        },
    )["RandomPassword"]
    assert len(digits) == 8 and set(digits) <= set("456789")
    for _ in range(20):
        mixed = classic.call(
            "GetRandomPassword", {"PasswordLength": 8, "RequireEachIncludedType": "true"}
        )["RandomPassword"]
        for group in (string.ascii_lowercase, string.ascii_uppercase, string.digits):
            assert set(mixed) & set(group)
        assert set(mixed) & set(string.punctuation)
    for length in (7, 129, "x"):
        assert code_of(classic, "GetRandomPassword", {"PasswordLength": length}) == (
            "InvalidParameter"
        )
    everything = {
        name: "true"
        for name in ("ExcludeLowercase", "ExcludeUppercase", "ExcludeNumbers", "ExcludePunctuation")
    }
    assert code_of(classic, "GetRandomPassword", everything) == "InvalidParameter"


@pytest.mark.parametrize(
    ("interval", "seconds"), [("7d", 604800), ("604800s", 604800), ("8760h", 31536000)]
)
def test_alibaba_update_rotation_policy(
    classic: AlibabaClassicService, interval: str, seconds: int
) -> None:
    key = ali_key(classic)
    classic.call(
        "UpdateRotationPolicy",
        {"KeyId": key, "EnableAutomaticRotation": "true", "RotationInterval": interval},
    )
    meta = classic.call("DescribeKey", {"KeyId": key})["KeyMetadata"]
    assert (meta["AutomaticRotation"], meta["RotationInterval"]) == ("Enabled", f"{seconds}s")
    last = datetime.fromisoformat(meta["LastRotationDate"].replace("Z", "+00:00"))
    due = datetime.fromisoformat(meta["NextRotationDate"].replace("Z", "+00:00"))
    assert due - last == timedelta(seconds=seconds)
    classic.call("UpdateRotationPolicy", {"KeyId": key, "EnableAutomaticRotation": False})
    meta = classic.call("DescribeKey", {"KeyId": key})["KeyMetadata"]
    assert meta["AutomaticRotation"] == "Disabled" and "RotationInterval" not in meta
    assert "NextRotationDate" not in meta


def test_alibaba_update_rotation_policy_errors(classic: AlibabaClassicService) -> None:
    key = ali_key(classic)
    on = {"KeyId": key, "EnableAutomaticRotation": "true"}
    assert code_of(classic, "UpdateRotationPolicy", on) == "MissingParameter"
    for bad in ("6d", "366d", "30", "30w", "-7d"):
        assert code_of(classic, "UpdateRotationPolicy", {**on, "RotationInterval": bad}) == (
            "InvalidParameter"
        )
    assert code_of(classic, "UpdateRotationPolicy", {"KeyId": key}) == "MissingParameter"
    good = {**on, "RotationInterval": "30d"}
    for refused in (
        ali_key(classic, KeySpec="RSA_2048", KeyUsage="ENCRYPT/DECRYPT"),
        ali_key(classic, Origin="EXTERNAL"),
    ):
        assert code_of(classic, "UpdateRotationPolicy", {**good, "KeyId": refused}) == (
            "Rejected.UnsupportedOperation"
        )
    classic.call("DisableKey", {"KeyId": key})
    assert code_of(classic, "UpdateRotationPolicy", good) == "Rejected.UnsupportedOperation"
    assert code_of(classic, "UpdateRotationPolicy", {**good, "KeyId": "key-none"}) == (
        "Forbidden.KeyNotFound"
    )


def test_alibaba_update_key_description(classic: AlibabaClassicService) -> None:
    key = ali_key(classic, Description="old")
    classic.call("UpdateKeyDescription", {"KeyId": key, "Description": "new"})
    assert classic.call("DescribeKey", {"KeyId": key})["KeyMetadata"]["Description"] == "new"
    assert code_of(classic, "UpdateKeyDescription", {"KeyId": key}) == "MissingParameter"
    assert code_of(classic, "UpdateKeyDescription", {"KeyId": key, "Description": "a" * 8193}) == (
        "InvalidParameter"
    )


def test_alibaba_tags(classic: AlibabaClassicService) -> None:
    key = ali_key(classic)
    classic.call(
        "TagResource",
        {"KeyId": key, "Tags": json.dumps([{"TagKey": "team", "TagValue": "payments"}])},
    )
    classic.call("TagResource", {"KeyId": key, "Tags": [{"TagKey": "env", "TagValue": "prod"}]})
    listed = classic.call("ListResourceTags", {"KeyId": key})["Tags"]["Tag"]
    assert listed == [
        {"KeyId": key, "TagKey": "env", "TagValue": "prod"},
        {"KeyId": key, "TagKey": "team", "TagValue": "payments"},
    ]
    classic.call("UntagResource", {"KeyId": key, "TagKeys": '["env"]'})
    assert [
        t["TagKey"] for t in classic.call("ListResourceTags", {"KeyId": key})["Tags"]["Tag"]
    ] == ["team"]
    for tags in ("not json", "[]", '[{"TagKey": "acs:x", "TagValue": "v"}]', '[{"TagValue": "v"}]'):
        assert code_of(classic, "TagResource", {"KeyId": key, "Tags": tags}) in (
            "InvalidParameter",
            "MissingParameter",
        )
    many = [{"TagKey": f"k{i}", "TagValue": ""} for i in range(20)]
    assert code_of(classic, "TagResource", {"KeyId": key, "Tags": json.dumps(many)}) == (
        "Rejected.LimitExceeded"
    )
    assert code_of(classic, "UntagResource", {"KeyId": key}) == "MissingParameter"
    assert code_of(classic, "ListResourceTags", {"KeyId": "key-none"}) == "Forbidden.KeyNotFound"


def test_tags_and_rotation_intervals_survive_the_seed_format(
    classic: AlibabaClassicService,
) -> None:
    key = ali_key(classic)
    classic.call("TagResource", {"KeyId": key, "Tags": [{"TagKey": "team", "TagValue": "x"}]})
    classic.call(
        "UpdateRotationPolicy",
        {"KeyId": key, "EnableAutomaticRotation": "true", "RotationInterval": "1209601s"},
    )
    copy = new_alibaba_store()
    copy.load_dict(json.loads(json.dumps(classic.store.to_dict())))
    loaded = copy.get(key)
    assert loaded is not None
    assert (loaded.tags, loaded.rotation_interval_seconds) == ({"team": "x"}, 1209601)
    for field, bad, message in (
        ("tags", {"team": 1}, "tags must map str to str"),
        ("rotation_interval_seconds", "30d", "must be a positive integer"),
    ):
        section = classic.store.to_dict()
        section["keys"][0][field] = bad
        with pytest.raises(InvalidRequestError, match=message):
            KeyStore.load_dict(new_alibaba_store(), section)


# -- Tencent, native ----------------------------------------------------------------------


@pytest.fixture
def tc_service() -> TencentService:
    return TencentService(new_tencent_store())


def tc_key(service: TencentService, alias: str) -> str:
    return str(service.call("CreateKey", {"Alias": alias})["KeyId"])


def test_tencent_re_encrypt(tc_service: TencentService) -> None:
    s = tc_service
    source, destination = tc_key(s, "src"), tc_key(s, "dst")
    ctx = '{"a":"1"}'
    blob = s.call("Encrypt", {"KeyId": source, "Plaintext": "aGk=", "EncryptionContext": ctx})[
        "CiphertextBlob"
    ]
    same = s.call("ReEncrypt", {"CiphertextBlob": blob, "SourceEncryptionContext": ctx})
    # no DestinationKeyId: the blob's own key; its version is current and the context
    # changes (to none), so it is re-encrypted
    assert (same["KeyId"], same["SourceKeyId"], same["ReEncrypted"]) == (source, source, True)
    kept = s.call(
        "ReEncrypt",
        {
            "CiphertextBlob": blob,
            "SourceEncryptionContext": ctx,
            "DestinationEncryptionContext": ctx,
        },
    )
    assert (kept["CiphertextBlob"], kept["ReEncrypted"]) == (blob, False)
    s.call("EnableKeyRotation", {"KeyId": source})  # RotateKey needs it (T1)
    s.call("RotateKey", {"KeyId": source})
    rotated = s.call(
        "ReEncrypt",
        {
            "CiphertextBlob": blob,
            "SourceEncryptionContext": ctx,
            "DestinationEncryptionContext": ctx,
        },
    )
    assert rotated["ReEncrypted"] is True and rotated["CiphertextBlob"] != blob
    moved = s.call(
        "ReEncrypt",
        {"CiphertextBlob": blob, "DestinationKeyId": destination, "SourceEncryptionContext": ctx},
    )
    assert (moved["KeyId"], moved["SourceKeyId"]) == (destination, source)
    assert s.call("Decrypt", {"CiphertextBlob": moved["CiphertextBlob"]})["Plaintext"] == "aGk="
    assert code_of(s, "ReEncrypt", {"CiphertextBlob": blob}) == (
        "InvalidParameterValue.InvalidCiphertext"
    )
    assert code_of(s, "ReEncrypt", {}) == "MissingParameter"
    assert code_of(
        s,
        "ReEncrypt",
        {"CiphertextBlob": blob, "SourceEncryptionContext": ctx, "DestinationKeyId": "x"},
    ) == ("InvalidParameterValue.InvalidKeyId")
    s.call("DisableKey", {"KeyId": destination})
    assert code_of(
        s,
        "ReEncrypt",
        {"CiphertextBlob": blob, "SourceEncryptionContext": ctx, "DestinationKeyId": destination},
    ) == ("ResourceUnavailable.CmkDisabled")


def test_tencent_generate_random(tc_service: TencentService) -> None:
    data = base64.b64decode(tc_service.call("GenerateRandom", {"NumberOfBytes": 64})["Plaintext"])
    assert len(data) == 64
    assert code_of(tc_service, "GenerateRandom", {}) == "MissingParameter"
    for bad in (0, 1025, "x"):
        assert code_of(tc_service, "GenerateRandom", {"NumberOfBytes": bad}) == "InvalidParameter"


def test_tencent_service_status_regions_algorithms(tc_service: TencentService) -> None:
    tc_key(tc_service, "one")
    status = tc_service.call("GetServiceStatus", {})
    assert (status["ServiceEnabled"], status["InvalidType"], status["CmkUserCount"]) == (True, 1, 1)
    assert tc_service.call("GetRegions", {})["Regions"] == ["ap-guangzhou"]
    algorithms = tc_service.call("ListAlgorithms", {})
    assert algorithms["SymmetricAlgorithms"] == [
        {"KeyUsage": "ENCRYPT_DECRYPT", "Algorithm": "AES_256"}
    ]
    usages = {a["KeyUsage"] for a in algorithms["AsymmetricAlgorithms"]}
    assert usages == {"ASYMMETRIC_DECRYPT_RSA_2048", "ASYMMETRIC_DECRYPT_SM2"}
    for entry in algorithms["AsymmetricSignVerifyAlgorithms"]:  # each one CreateKey takes
        tc_service.call(
            "CreateKey", {"Alias": entry["Algorithm"].lower(), "KeyUsage": entry["KeyUsage"]}
        )


def test_tencent_update_key_description(tc_service: TencentService) -> None:
    key = tc_key(tc_service, "desc")
    tc_service.call("UpdateKeyDescription", {"KeyId": key, "Description": "é" * 512})
    assert tc_service.call("DescribeKey", {"KeyId": key})["KeyMetadata"]["Description"] == "é" * 512
    too_long = {"KeyId": key, "Description": "é" * 513}  # 1026 bytes
    assert code_of(tc_service, "UpdateKeyDescription", too_long) == "InvalidParameter"
    assert code_of(tc_service, "UpdateKeyDescription", {"KeyId": key}) == "MissingParameter"


# -- through the official SDKs, against the emulator ----------------------------------------


def test_tencent_sdk_new_actions(emulator: Emulator) -> None:
    c = tencent(emulator)
    source = tcall(c, "CreateKey", Alias="sdk-src").KeyId
    destination = tcall(c, "CreateKey", Alias="sdk-dst").KeyId
    ctx = json.dumps({"k": "v"})
    blob = tcall(c, "Encrypt", KeyId=source, Plaintext=b64(b"pin"), EncryptionContext=ctx)
    moved = tcall(
        c,
        "ReEncrypt",
        CiphertextBlob=blob.CiphertextBlob,
        DestinationKeyId=destination,
        SourceEncryptionContext=ctx,
        DestinationEncryptionContext=json.dumps({"k": "w"}),
    )
    assert (moved.KeyId, moved.SourceKeyId, moved.ReEncrypted) == (destination, source, True)
    opened = tcall(
        c, "Decrypt", CiphertextBlob=moved.CiphertextBlob, EncryptionContext=json.dumps({"k": "w"})
    )
    assert base64.b64decode(opened.Plaintext) == b"pin"
    assert len(base64.b64decode(tcall(c, "GenerateRandom", NumberOfBytes=24).Plaintext)) == 24
    with pytest.raises(TencentCloudSDKException) as err:
        tcall(c, "GenerateRandom", NumberOfBytes=2000)
    assert err.value.code == "InvalidParameter"
    status = tcall(c, "GetServiceStatus")
    assert status.ServiceEnabled is True and status.CmkUserCount >= 2
    assert tcall(c, "GetRegions").Regions == ["ap-guangzhou"]
    algorithms = tcall(c, "ListAlgorithms")
    assert [a.Algorithm for a in algorithms.SymmetricAlgorithms] == ["AES_256"]
    assert {a.KeyUsage for a in algorithms.AsymmetricSignVerifyAlgorithms} >= {
        "ASYMMETRIC_SIGN_VERIFY_SM2"
    }
    tcall(c, "UpdateKeyDescription", KeyId=source, Description="from the SDK")
    assert tcall(c, "DescribeKey", KeyId=source).KeyMetadata.Description == "from the SDK"


@pytest.mark.parametrize("mode", sorted(ALIBABA_MODES))
def test_alibaba_sdk_new_actions(emulator: Emulator, mode: str) -> None:
    c = alibaba(emulator, mode)
    source = acall(c, "CreateKey").key_metadata.key_id
    destination = acall(c, "CreateKey").key_metadata.key_id
    enc = acall(c, "Encrypt", KeyId=source, Plaintext=b64(b"pin"), EncryptionContext={"k": "v"})
    moved = acall(
        c,
        "ReEncrypt",
        CiphertextBlob=enc.ciphertext_blob,
        DestinationKeyId=destination,
        SourceEncryptionContext={"k": "v"},
        DestinationEncryptionContext={"k": "w"},
    )
    assert moved.key_id == destination and moved.key_version_id
    opened = acall(c, "Decrypt", CiphertextBlob=moved.ciphertext_blob, EncryptionContext={"k": "w"})
    assert opened.plaintext == b64(b"pin")
    regions = c.describe_regions().body.regions.region  # no request model
    assert [r.region_id for r in regions] == ["cn-hangzhou"]
    password = acall(c, "GetRandomPassword", PasswordLength="16", ExcludePunctuation="true")
    assert len(password.random_password) == 16 and password.random_password.isalnum()
    acall(
        c,
        "UpdateRotationPolicy",
        KeyId=source,
        EnableAutomaticRotation=True,
        RotationInterval="30d",
    )
    meta = acall(c, "DescribeKey", KeyId=source).key_metadata
    assert (meta.automatic_rotation, meta.rotation_interval) == ("Enabled", "2592000s")
    with pytest.raises(TeaException) as err:
        acall(
            c,
            "UpdateRotationPolicy",
            KeyId=source,
            EnableAutomaticRotation=True,
            RotationInterval="1d",
        )
    assert err.value.code == "InvalidParameter"
    acall(c, "UpdateKeyDescription", KeyId=source, Description="from the SDK")
    assert acall(c, "DescribeKey", KeyId=source).key_metadata.description == "from the SDK"
    tags = json.dumps(
        [{"TagKey": "team", "TagValue": "payments"}, {"TagKey": "env", "TagValue": "a"}]
    )
    acall(c, "TagResource", KeyId=source, Tags=tags)
    acall(c, "UntagResource", KeyId=source, TagKeys='["env"]')
    listed = acall(c, "ListResourceTags", KeyId=source).tags.tag
    assert [(t.tag_key, t.tag_value) for t in listed] == [("team", "payments")]


def test_the_new_calls_are_awaitable() -> None:
    import asyncio

    from unikms import aio

    async def main() -> tuple[int, str, dict[str, str]]:
        async with (
            aio.connect("fake://tencent") as tc,
            aio.connect("fake://alibaba-classic") as ali,
        ):
            old, new = (await tc.create_key()).key_id, (await tc.create_key()).key_id
            sealed = await tc.encrypt(old, b"x")
            moved = await tc.re_encrypt(sealed.ciphertext, new)
            await tc.set_rotation_policy(new, enabled=True, period_days=30)
            key = (await ali.create_key()).key_id
            await ali.update_key_description(key, "async")
            await ali.tag_key(key, {"a": "b"})
            return (
                (
                    len(await tc.generate_random(8)),
                    (await ali.describe_key(key)).description,
                    await ali.list_key_tags(key),
                )
                if moved.key_id == new
                else (0, "", {})
            )

    assert asyncio.run(main()) == (8, "async", {"a": "b"})


def test_tags_rotation_and_descriptions_survive_an_emulator_restart(tmp_path: Path) -> None:
    state = tmp_path / "kms.sqlite"
    with Emulator(state=state) as emu:
        c = alibaba(emu)
        key = acall(c, "CreateKey").key_metadata.key_id
        acall(c, "TagResource", KeyId=key, Tags=json.dumps([{"TagKey": "t", "TagValue": "v"}]))
        acall(
            c,
            "UpdateRotationPolicy",
            KeyId=key,
            EnableAutomaticRotation=True,
            RotationInterval="8d",
        )
        acall(c, "UpdateKeyDescription", KeyId=key, Description="kept")
    with Emulator(state=state) as emu:
        c = alibaba(emu)
        assert [
            (t.tag_key, t.tag_value) for t in acall(c, "ListResourceTags", KeyId=key).tags.tag
        ] == [("t", "v")]
        meta = acall(c, "DescribeKey", KeyId=key).key_metadata
        assert (meta.rotation_interval, meta.description) == ("691200s", "kept")


def test_read_only_new_actions_are_not_persisted() -> None:
    from unikms.emulator.server import read_only_actions

    classic = read_only_actions(dialect_package("alibaba-classic"))
    tencent = read_only_actions(dialect_package("tencent"))
    changing = {"TagResource", "UntagResource", "UpdateRotationPolicy", "UpdateKeyDescription"}
    assert not changing & classic
    assert {"ReEncrypt", "GetRandomPassword", "ListResourceTags"} <= classic
    assert {"ReEncrypt", "GenerateRandom"} <= tencent
    assert "GenerateRandom" in read_only_actions(dialect_package("alibaba-instance"))


def test_the_instance_gateway_generate_random() -> None:
    service = AlibabaInstanceService(new_alibaba_store())
    first = service.call("GenerateRandom", {"Length": 32})["Random"]
    assert isinstance(first, bytes) and len(first) == 32
    assert first != service.call("GenerateRandom", {"Length": 32})["Random"]
    assert len(service.call("GenerateRandom", {"Length": 64})["Random"]) == 64
    for bad in (None, -1, 65, 1025):  # the gateway answers a missing one InvalidParameter too
        if bad is None:
            assert code_of(service, "GenerateRandom", {}) == "InvalidParameter"
            continue
        assert code_of(service, "GenerateRandom", {"Length": bad}) == "InvalidParameter"
    assert "GenerateRandom" not in AlibabaClassicService(new_alibaba_store()).actions
