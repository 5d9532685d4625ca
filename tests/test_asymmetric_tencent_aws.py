"""Asymmetric keys on Tencent and AWS: each fake's native rules (docs/dialects.md 3.12,
docs/dialects-aws.md) and the neutral lowering, beyond the shared conformance section."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.serialization import load_der_public_key

import unikms
from unikms.asymmetric import verify_locally
from unikms.fake import FakeCloud
from unikms.native import NativeError
from unikms.types import Dialect


def _code(svc: object, action: str, params: dict[str, object]) -> str:
    with pytest.raises(NativeError) as err:
        svc.call(action, params)  # type: ignore[attr-defined]
    return err.value.code


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


# -- Tencent ---------------------------------------------------------------------------


def test_tencent_native_sign_and_verify() -> None:
    svc = FakeCloud().service(Dialect.TENCENT)
    key = svc.call("CreateKey", {"Alias": "signer", "KeyUsage": "ASYMMETRIC_SIGN_VERIFY_ECC"})
    base = {"KeyId": key["KeyId"], "Algorithm": "ECC_P256_R1", "Message": _b64(b"m")}
    signature = svc.call("SignByAsymmetricKey", base)["Signature"]
    assert svc.call("VerifyByAsymmetricKey", {**base, "SignatureValue": signature})[
        "SignatureValid"
    ]
    # DIGEST: the same signature verifies against the message's SHA-256
    digest = {**base, "Message": _b64(hashlib.sha256(b"m").digest()), "MessageType": "DIGEST"}
    assert svc.call("VerifyByAsymmetricKey", {**digest, "SignatureValue": signature})[
        "SignatureValid"
    ]
    junk = {**base, "SignatureValue": _b64(b"junk")}
    assert svc.call("VerifyByAsymmetricKey", junk)["SignatureValid"] is False
    assert _code(svc, "SignByAsymmetricKey", {**base, "Algorithm": "ECDSA_SHA_256"}) == (
        "InvalidParameter"
    )
    assert _code(svc, "SignByAsymmetricKey", {**digest, "Message": _b64(b"x" * 31)}) == (
        "InvalidParameter"
    )
    assert _code(svc, "SignByAsymmetricKey", {**base, "Message": _b64(b"x" * 4097)}) == (
        "InvalidParameter"
    )
    public = svc.call("GetPublicKey", {"KeyId": key["KeyId"]})
    assert public["PublicKeyPem"].startswith("-----BEGIN PUBLIC KEY-----")
    der = base64.b64decode(public["PublicKey"])
    assert verify_locally(der, base64.b64decode(signature), b"m", "ECDSA_SHA_256")
    symmetric = svc.call("CreateKey", {"Alias": "plain"})["KeyId"]
    assert _code(svc, "SignByAsymmetricKey", {**base, "KeyId": symmetric}) == (
        "InvalidParameterValue.InvalidKeyUsage"
    )
    assert _code(svc, "GetPublicKey", {"KeyId": symmetric}) == (
        "InvalidParameterValue.InvalidKeyUsage"
    )


def test_tencent_native_rsa_decrypt_takes_its_three_algorithms() -> None:
    svc = FakeCloud().service(Dialect.TENCENT)
    key = svc.call("CreateKey", {"Alias": "box", "KeyUsage": "ASYMMETRIC_DECRYPT_RSA_2048"})
    der = base64.b64decode(svc.call("GetPublicKey", {"KeyId": key["KeyId"]})["PublicKey"])
    public = load_der_public_key(der)
    oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
    for algorithm, scheme in (
        ("RSAES_PKCS1_V1_5", padding.PKCS1v15()),
        ("RSAES_OAEP_SHA_256", oaep),
    ):
        sealed = public.encrypt(b"pin", scheme)  # type: ignore[union-attr]
        params = {"KeyId": key["KeyId"], "Ciphertext": _b64(sealed), "Algorithm": algorithm}
        answer = svc.call("AsymmetricRsaDecrypt", params)
        assert base64.b64decode(answer["Plaintext"]) == b"pin"
    bad = {"KeyId": key["KeyId"], "Ciphertext": _b64(b"\1" * 256), "Algorithm": "RSAES_OAEP_SHA_1"}
    assert _code(svc, "AsymmetricRsaDecrypt", bad) == "FailedOperation.DecryptError"
    assert _code(svc, "AsymmetricRsaDecrypt", {**bad, "Algorithm": "SM2"}) == "InvalidParameter"


def test_tencent_neutral_rules() -> None:
    kms = unikms.connect("fake://tencent")
    signer = kms.create_key(spec="EC_P256")  # no usage: ECC keys only sign
    assert signer.usage is unikms.KeyUsage.SIGN_VERIFY
    for spec, usage in (("EC_P256K", None), ("RSA_3072", None), ("EC_P256", "ENCRYPT/DECRYPT")):
        with pytest.raises(unikms.UnsupportedByDialectError) as refused:
            kms.create_key(spec=spec, usage=usage)
        assert refused.value.field == "spec"
    with pytest.raises(unikms.UnsupportedByDialectError) as versions:
        kms.sign(signer.key_id, message=b"m", algorithm="ECDSA_SHA_256", version_id="v1")
    assert versions.value.field == "version_id"
    with pytest.raises(unikms.LimitExceededError) as long:
        kms.sign(signer.key_id, message=b"m" * 4097, algorithm="ECDSA_SHA_256")
    assert (long.value.field, long.value.limit) == ("message", 4096)
    signed = kms.sign(signer.key_id, message=b"m", algorithm="ECDSA_SHA_256")
    assert signed.key_version_id is None
    box = kms.create_key(spec="RSA_2048").key_id
    sealed = kms.encrypt_asymmetric(box, b"pin", algorithm="RSAES_OAEP_SHA_1")
    assert sealed.request_id and sealed.key_version_id is None
    opened = kms.decrypt_asymmetric(box, sealed.ciphertext, algorithm="RSAES_OAEP_SHA_1")
    assert opened.plaintext == b"pin"
    with pytest.raises(unikms.LimitExceededError) as too_long:
        kms.encrypt_asymmetric(box, b"x" * 191, algorithm="RSAES_OAEP_SHA_256")
    assert too_long.value.limit == 190


def test_tencent_fake_does_no_sm2_signing_or_decryption() -> None:
    kms = unikms.connect("fake://tencent")
    key = kms.create_key(spec="EC_SM2", usage="SIGN/VERIFY").key_id
    with pytest.raises(unikms.UnsupportedByDialectError):
        kms.sign(key, message=b"m", algorithm="SM2DSA")


# -- AWS -------------------------------------------------------------------------------


def test_aws_native_asymmetric_rules() -> None:
    svc = FakeCloud().service(Dialect("aws"))
    assert _code(svc, "CreateKey", {"KeySpec": "ECC_NIST_P256"}) == "ValidationException"
    refused = {"KeySpec": "ECC_SECG_P256K1", "KeyUsage": "ENCRYPT_DECRYPT"}
    assert _code(svc, "CreateKey", refused) == "ValidationException"
    meta = svc.call("CreateKey", {"KeySpec": "ECC_SECG_P256K1", "KeyUsage": "SIGN_VERIFY"})[
        "KeyMetadata"
    ]
    assert meta["SigningAlgorithms"] == ["ECDSA_SHA_256"]
    base = {"KeyId": meta["KeyId"], "Message": _b64(b"m"), "SigningAlgorithm": "ECDSA_SHA_256"}
    signed = svc.call("Sign", base)
    assert signed["KeyId"] == meta["Arn"]
    assert svc.call("Verify", {**base, "Signature": signed["Signature"]})["SignatureValid"]
    # a signature that does not verify: KMSInvalidSignatureException, never SignatureValid false
    junk = {**base, "Signature": _b64(b"junk")}
    assert _code(svc, "Verify", junk) == "KMSInvalidSignatureException"
    wrong = {**base, "SigningAlgorithm": "RSASSA_PSS_SHA_256"}
    assert _code(svc, "Sign", wrong) == "InvalidKeyUsageException"
    short = {**base, "MessageType": "DIGEST"}
    assert _code(svc, "Sign", short) == "ValidationException"
    assert _code(svc, "RotateKeyOnDemand", {"KeyId": meta["KeyId"]}) == (
        "UnsupportedOperationException"
    )
    assert _code(svc, "EnableKeyRotation", {"KeyId": meta["KeyId"]}) == (
        "UnsupportedOperationException"
    )
    box = svc.call("CreateKey", {"KeySpec": "RSA_3072", "KeyUsage": "ENCRYPT_DECRYPT"})
    box_id = box["KeyMetadata"]["KeyId"]
    no_algorithm = {"KeyId": box_id, "Plaintext": _b64(b"pin")}
    assert _code(svc, "Encrypt", no_algorithm) == "InvalidKeyUsageException"
    sealed = svc.call("Encrypt", {**no_algorithm, "EncryptionAlgorithm": "RSAES_OAEP_SHA_256"})
    opened = svc.call(
        "Decrypt",
        {
            "KeyId": box_id,
            "CiphertextBlob": sealed["CiphertextBlob"],
            "EncryptionAlgorithm": "RSAES_OAEP_SHA_256",
        },
    )
    assert base64.b64decode(opened["Plaintext"]) == b"pin"
    too_long = {
        **no_algorithm,
        "Plaintext": _b64(b"x" * 319),
        "EncryptionAlgorithm": "RSAES_OAEP_SHA_256",
    }
    assert _code(svc, "Encrypt", too_long) == "ValidationException"
    symmetric = svc.call("CreateKey", {})["KeyMetadata"]["KeyId"]
    assert _code(svc, "GetPublicKey", {"KeyId": symmetric}) == "UnsupportedOperationException"
    public = svc.call("GetPublicKey", {"KeyId": box_id})
    assert public["EncryptionAlgorithms"] == ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"]


def test_aws_neutral_rules() -> None:
    kms = unikms.connect("fake://aws")
    signer = kms.create_key(spec="EC_P256K")  # no usage: EC keys sign
    assert (signer.spec, signer.usage) == (unikms.KeySpec.EC_P256K, unikms.KeyUsage.SIGN_VERIFY)
    rsa = kms.create_key(spec="RSA_3072")  # no usage: RSA keys encrypt
    assert (rsa.spec, rsa.usage) == (unikms.KeySpec.RSA_3072, unikms.KeyUsage.ENCRYPT_DECRYPT)
    for spec, usage in (("EC_SM2", None), ("EC_P256", "ENCRYPT/DECRYPT")):
        with pytest.raises(unikms.UnsupportedByDialectError) as refused:
            kms.create_key(spec=spec, usage=usage)
        assert refused.value.field == "spec"
    with pytest.raises(unikms.UnsupportedByDialectError) as versions:
        kms.get_public_key(signer.key_id, version_id="v1")
    assert versions.value.field == "version_id"
    sealed = kms.encrypt_asymmetric(rsa.key_id, b"x" * 318, algorithm="RSAES_OAEP_SHA_256")
    opened = kms.decrypt_asymmetric(rsa.key_id, sealed.ciphertext, algorithm="RSAES_OAEP_SHA_256")
    assert opened.plaintext == b"x" * 318
    with pytest.raises(unikms.LimitExceededError) as too_long:
        kms.encrypt_asymmetric(rsa.key_id, b"x" * 319, algorithm="RSAES_OAEP_SHA_256")
    assert too_long.value.limit == 318
    signed = kms.sign(signer.key_id, message=b"m", algorithm="ECDSA_SHA_256")
    public = kms.get_public_key(signer.key_id)
    assert verify_locally(public.der, signed.signature, b"m", "ECDSA_SHA_256")
    assert not kms.verify(signer.key_id, b"junk", message=b"m", algorithm="ECDSA_SHA_256")
    # the symmetric seam still serves symmetric keys after the asymmetric branches
    plain = kms.create_key().key_id
    assert kms.decrypt(kms.encrypt(plain, b"data").ciphertext).plaintext == b"data"
