"""Asymmetric keys on the native Alibaba classic API of the fake (docs/dialects.md 1.14),
and the neutral checks made before any request (docs/api.md "Asymmetric keys")."""

from __future__ import annotations

import base64
import hashlib

import pytest

import unikms
from unikms.dialects import operations_class
from unikms.dialects.alibaba.fake import AlibabaClassicService, AlibabaInstanceService
from unikms.dialects.base import Feature
from unikms.fake import FakeCloud
from unikms.native import NativeError
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


def _der(*parts: bytes) -> bytes:
    body = b"".join(parts)
    return (
        b"\x30"
        + (bytes([len(body)]) if len(body) < 0x80 else b"\x82" + len(body).to_bytes(2, "big"))
        + body
    )


def _der_value(tag: int, value: bytes) -> bytes:
    n = len(value)
    return bytes([tag]) + (bytes([n]) if n < 0x80 else b"\x82" + n.to_bytes(2, "big")) + value


def _der_int(value: bytes) -> bytes:
    value = value.lstrip(b"\0") or b"\0"
    return _der_value(0x02, b"\0" + value if value[0] & 0x80 else value)


def _r_s(signature: bytes) -> tuple[bytes, bytes]:
    """r and s of a DER SM2 signature, 32 bytes each (what gmalg's verify takes)."""
    assert signature[0] == 0x30
    at, parts = 2, []
    for _ in range(2):
        assert signature[at] == 0x02
        n = signature[at + 1]
        parts.append(int.from_bytes(signature[at + 2 : at + 2 + n], "big").to_bytes(32, "big"))
        at += 2 + n
    return parts[0], parts[1]


def test_classic_sm2_signatures_verify_with_gmalg(classic: AlibabaClassicService) -> None:
    """AsymmetricSign of an SM2 key signs the digest it is given, SM3(Z || M) with the
    default ID (GB/T 32918.2): gmalg, which hashes the message itself, verifies it with the
    exported public key (the SM2 OID in its SubjectPublicKeyInfo)."""
    gmalg = pytest.importorskip("gmalg")
    from unikms import sm2
    from unikms.asymmetric import der_of_pem

    key, version = _key(classic, "EC_SM2", "SIGN/VERIFY")
    get = {"KeyId": key, "KeyVersionId": version}
    der = der_of_pem(classic.call("GetPublicKey", get)["PublicKey"])
    assert sm2.SM2_CURVE_OID in der and sm2.EC_PUBLIC_KEY_OID in der
    point = sm2.point_of_der(der)
    digest = sm2.z_digest(point, b"contract 9")
    params = {**get, "Algorithm": "SM2DSA", "Digest": base64.b64encode(digest).decode()}
    signature = base64.b64decode(classic.call("AsymmetricSign", params)["Value"])
    r, s = _r_s(signature)
    assert gmalg.SM2(pk=point, uid=sm2.DEFAULT_ID).verify(b"contract 9", r, s)
    assert not gmalg.SM2(pk=point, uid=sm2.DEFAULT_ID).verify(b"contract 8", r, s)
    assert (
        classic.call("AsymmetricVerify", {**params, "Value": base64.b64encode(signature).decode()})[
            "Value"
        ]
        is True
    )
    # and the other way: what gmalg signs (its own SM3(Z || M)) verifies through KMS
    gr, gs = gmalg.SM2(sk=b"\x01" * 32, uid=sm2.DEFAULT_ID).sign(b"x")  # not this key's
    junk = base64.b64encode(_der(_der_int(gr), _der_int(gs))).decode()
    assert classic.call("AsymmetricVerify", {**params, "Value": junk})["Value"] is False
    assert classic.call("AsymmetricVerify", {**params, "Value": "AAAA"})["Value"] is False


def test_neutral_sm2_on_both_alibaba_dialects() -> None:
    """The neutral calls: classic signs a digest, the gateway a message too (RAW: it
    computes SM3(Z || M) itself); SM2PKE round trips through classic, and data sealed
    with gmalg from the exported public key (GM/T 0009 DER) opens through KMS."""
    gmalg = pytest.importorskip("gmalg")
    from unikms import sm2

    cloud = FakeCloud()
    classic_kms = unikms.KmsClient(cloud.service(Dialect.ALIBABA_CLASSIC))
    instance_kms = unikms.KmsClient(cloud.service(Dialect.ALIBABA_INSTANCE))
    key = classic_kms.create_key(spec="EC_SM2", usage="SIGN/VERIFY").key_id
    point = sm2.point_of_der(classic_kms.get_public_key(key).der)
    digest = sm2.z_digest(point, b"m")
    by_classic = classic_kms.sign(key, digest=digest, algorithm="SM2DSA")
    by_gateway = instance_kms.sign(key, message=b"m", algorithm="SM2DSA")
    assert by_gateway.key_version_id == by_classic.key_version_id
    for signed in (by_classic, by_gateway):
        assert gmalg.SM2(pk=point, uid=sm2.DEFAULT_ID).verify(b"m", *_r_s(signed.signature))
        assert instance_kms.verify(key, signed.signature, message=b"m", algorithm="SM2DSA")
        assert classic_kms.verify(key, signed.signature, digest=digest, algorithm="SM2DSA")
        assert not instance_kms.verify(key, signed.signature, message=b"n", algorithm="SM2DSA")
    assert instance_kms.get_public_key(key).pem == classic_kms.get_public_key(key).pem
    sealing = classic_kms.create_key(spec="EC_SM2", usage="ENCRYPT/DECRYPT").key_id
    sealed = classic_kms.encrypt_asymmetric(sealing, b"secret", algorithm="SM2PKE")
    opened = classic_kms.decrypt_asymmetric(sealing, sealed.ciphertext, algorithm="SM2PKE")
    assert opened.plaintext == b"secret"
    with pytest.raises(unikms.DecryptionFailedError):
        classic_kms.decrypt_asymmetric(
            sealing, sealed.ciphertext[:-1] + bytes([sealed.ciphertext[-1] ^ 1]), algorithm="SM2PKE"
        )
    with pytest.raises(unikms.LimitExceededError) as limit:
        classic_kms.encrypt_asymmetric(sealing, b"x" * 6048, algorithm="SM2PKE")
    assert limit.value.limit == 6047
    raw = gmalg.SM2(pk=sm2.point_of_der(classic_kms.get_public_key(sealing).der)).encrypt(b"local")
    x1, y1, c3, c2 = raw[1:33], raw[33:65], raw[65:97], raw[97:]  # C1 || C3 || C2
    local = _der(_der_int(x1), _der_int(y1), _der_value(0x04, c3), _der_value(0x04, c2))
    assert classic_kms.decrypt_asymmetric(sealing, local, algorithm="SM2PKE").plaintext == b"local"


def test_sm2_without_gmalg_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    from unikms import sm2

    real = importlib.import_module

    def no_gmalg(name: str, *args: object) -> object:
        if name == "gmalg":
            raise ImportError("no gmalg")
        return real(name, *args)  # type: ignore[arg-type]

    kms = unikms.connect("fake://alibaba-classic")
    key = kms.create_key(spec="EC_SM2", usage="SIGN/VERIFY").key_id
    monkeypatch.setattr(sm2, "_CORE", {})
    monkeypatch.setattr(sm2.importlib, "import_module", no_gmalg)
    with pytest.raises(unikms.UnsupportedByDialectError) as err:
        kms.sign(key, digest=b"\0" * 32, algorithm="SM2DSA")
    assert err.value.field == "spec"
    assert "unikms[sm2]" in str(err.value)


# -- the gateway's Sign, Verify, GetPublicKey (docs/dialects.md 2.12) -----------------


@pytest.fixture
def gateway() -> AlibabaInstanceService:
    svc = FakeCloud().service(Dialect.ALIBABA_INSTANCE)
    assert isinstance(svc, AlibabaInstanceService)
    return svc


def test_gateway_sign_rules(gateway: AlibabaInstanceService) -> None:
    from unikms.asymmetric import der_of_pem, verify_locally

    key, _ = _key(gateway, "EC_P256", "SIGN/VERIFY")
    sign = {"KeyId": key, "Algorithm": "ECDSA_SHA_256", "Message": b"m"}
    raw = gateway.call("Sign", sign)  # MessageType RAW is the default
    assert raw["MessageType"] == "RAW" and raw["Algorithm"] == "ECDSA_SHA_256"
    assert "KeyVersionId" not in raw
    public = gateway.call("GetPublicKey", {"KeyId": key})
    assert set(public) >= {"KeyId", "PublicKey"} and "KeyVersionId" not in public
    der = der_of_pem(public["PublicKey"])
    assert verify_locally(der, raw["Signature"], b"m", "ECDSA_SHA_256")
    digest = {**sign, "Message": hashlib.sha256(b"m").digest(), "MessageType": "DIGEST"}
    assert verify_locally(der, gateway.call("Sign", digest)["Signature"], b"m", "ECDSA_SHA_256")
    verify = {**sign, "Signature": raw["Signature"]}
    assert gateway.call("Verify", verify)["Value"] is True
    assert gateway.call("Verify", {**verify, "Signature": b"junk"})["Value"] is False
    for bad in (
        {**sign, "MessageType": "HASH"},
        {**digest, "Message": b"\0" * 31},
        {**sign, "Message": b""},
        {**sign, "Algorithm": "RSA_PSS_SHA_256"},
        {**sign, "Algorithm": ""},
        {**verify, "Signature": b""},
    ):
        action = "Verify" if "Signature" in bad else "Sign"
        assert _code(gateway, action, bad) == "InvalidParameter"
    symmetric = gateway.call("CreateKey", {})["KeyMetadata"]["KeyId"]
    encrypting, _ = _key(gateway, "RSA_2048", "ENCRYPT/DECRYPT")
    assert _code(gateway, "Sign", {**sign, "KeyId": symmetric}) == "UnsupportedOperation"
    assert _code(gateway, "Sign", {**sign, "KeyId": encrypting}) == "UnsupportedOperation"
    assert _code(gateway, "GetPublicKey", {"KeyId": symmetric}) == "UnsupportedOperation"
    assert _code(gateway, "Sign", {**sign, "KeyId": "alias/none"}) == "Forbidden.KeyNotFound"
    gateway.call("DisableKey", {"KeyId": key})
    assert _code(gateway, "Sign", sign) == "Rejected.Disabled"


def test_gateway_signs_with_the_newest_version(gateway: AlibabaInstanceService) -> None:
    """The requests name no version: the gateway uses the primary, the newest; a
    GetPublicKey that names a KeyVersionId is the classic API's."""
    from unikms.asymmetric import der_of_pem, verify_locally

    key, first = _key(gateway, "EC_P256", "SIGN/VERIFY")
    gateway.store.clock.advance(days=8)
    second = gateway.call("CreateKeyVersion", {"KeyId": key})["KeyVersion"]["KeyVersionId"]
    signature = gateway.call("Sign", {"KeyId": key, "Algorithm": "ECDSA_SHA_256", "Message": b"m"})[
        "Signature"
    ]
    newest = gateway.call("GetPublicKey", {"KeyId": key, "KeyVersionId": second})
    oldest = gateway.call("GetPublicKey", {"KeyId": key, "KeyVersionId": first})
    assert newest["KeyVersionId"] == second  # the classic answer names its version
    assert verify_locally(der_of_pem(newest["PublicKey"]), signature, b"m", "ECDSA_SHA_256")
    assert not verify_locally(der_of_pem(oldest["PublicKey"]), signature, b"m", "ECDSA_SHA_256")
    assert gateway.call("GetPublicKey", {"KeyId": key})["PublicKey"] == newest["PublicKey"]


def test_gateway_empty_message_and_wrong_key_codes() -> None:
    kms = unikms.connect("fake://alibaba-instance")
    key = kms.create_key(spec="RSA_2048", usage="SIGN/VERIFY").key_id
    signed = kms.sign(key, message=b"", algorithm="RSA_PKCS1_SHA_256")  # sent as DIGEST
    assert kms.verify(key, signed.signature, message=b"", algorithm="RSA_PKCS1_SHA_256")
    symmetric = kms.create_key().key_id
    with pytest.raises(unikms.WrongKeyTypeError) as err:
        kms.sign(symmetric, message=b"m", algorithm="ECDSA_SHA_256")
    assert err.value.code == "UnsupportedOperation"


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
    with pytest.raises(unikms.PortabilityError) as portable:  # AWS holds no SM2 keys
        strict.sign("k", digest=b"\0" * 32, algorithm="SM2DSA")
    assert portable.value.field == "algorithm"
    assert portable.value.other == Dialect("aws")
    for dialect in Dialect:
        if Feature.PUBLIC_KEY in operations_class(dialect).rules.features:
            continue
        other = unikms.connect(f"fake://{dialect.value}")
        with pytest.raises(unikms.UnsupportedByDialectError):
            other.get_public_key("k")
