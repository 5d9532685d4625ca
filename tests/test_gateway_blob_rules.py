"""An Advance blob's algorithm and padding bytes are held to the key's rules.

The blob header says how to open the body. Trusting it lets anyone relabel a
GCM ciphertext as CBC or ECB and get unauthenticated bytes back as a success,
or ECB-decrypt a chosen block under the key (a decryption oracle). The rules
are the ones a ``Decrypt`` request's ``Algorithm``/``PaddingMode`` obey; they
hold on the native action, the in-process fast path and the emulator's gateway.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from tests.test_emulator_gateway import Signer
from unikms import KmsClient
from unikms.dialects.alibaba.common import VERSION_ID_LEN
from unikms.dialects.alibaba.dkms.wire import pb
from unikms.dialects.alibaba.fake import ALGORITHM_IDS, PADDING_IDS, AlibabaInstanceService
from unikms.dialects.alibaba.gateway_wire import GatewayProtocol
from unikms.dialects.alibaba.instance import RULES
from unikms.emulator.credentials import EmulatorCredentials
from unikms.errors import DecryptionFailedError, ServiceError
from unikms.fake import FakeCloud
from unikms.native import NativeError
from unikms.types import Dialect, KeySpec, KeyUsage, KeyVersion


def relabel(blob: bytes, algorithm: str | None = None, padding: str | None = None) -> bytes:
    head = bytearray(blob[:3])
    if padding is not None:
        head[1] = (head[1] & 0xF0) | PADDING_IDS[padding]
    if algorithm is not None:
        head[2] = ALGORITHM_IDS[algorithm]
    return bytes(head) + blob[3:]


@pytest.fixture
def instance() -> AlibabaInstanceService:
    svc = FakeCloud().service(Dialect.ALIBABA_INSTANCE)
    assert isinstance(svc, AlibabaInstanceService)
    return svc


def refused(svc: AlibabaInstanceService, blob: bytes) -> NativeError:
    with pytest.raises(NativeError) as err:
        svc.call("AdvanceDecrypt", {"CiphertextBlob": blob})
    return err.value


GCM_RELABELS = [
    ("AES_CBC", "PKCS7_PADDING"),
    ("AES_CBC", "NO_PADDING"),
    ("AES_ECB", "NO_PADDING"),
    ("AES_ECB", "PKCS7_PADDING"),
    ("AES_GCM", "PKCS7_PADDING"),  # a padding GCM does not use
    ("AES_GCM", "NO_PADDING"),
    ("SM4_GCM", ""),  # another family than the key's
]


@pytest.mark.parametrize(("algorithm", "padding"), GCM_RELABELS)
def test_a_relabelled_gcm_blob_is_refused(
    instance: AlibabaInstanceService, algorithm: str, padding: str
) -> None:
    key = instance.call("CreateKey", {})["KeyMetadata"]["KeyId"]
    blob = instance.call("AdvanceEncrypt", {"KeyId": key, "Plaintext": b"x" * 32})["CiphertextBlob"]
    err = refused(instance, relabel(blob, algorithm, padding))
    assert (err.code, err.http_status) == ("InvalidParameter", 400)


def test_no_ecb_oracle_on_a_software_key(instance: AlibabaInstanceService) -> None:
    """A chosen block behind an ECB header is not decrypted under the key's material."""
    key_id = instance.call("CreateKey", {})["KeyMetadata"]["KeyId"]
    key = instance.store.get(key_id)
    assert key is not None
    version = key.primary.version_id.encode("ascii")
    chosen = os.urandom(16)
    blob = relabel(b"$\x00\x02", "AES_ECB", "NO_PADDING") + version + chosen
    err = refused(instance, blob)
    assert err.code == "InvalidParameter"
    # what the oracle would have answered: the raw block decryption under the material
    raw = Cipher(algorithms.AES(key.primary.material), modes.ECB()).decryptor().update(chosen)
    assert raw not in err.message.encode("latin-1", "replace")


def test_block_mode_blobs_need_a_block_padding(instance: AlibabaInstanceService) -> None:
    """An external key may use CBC on AdvanceEncrypt; its blob opens, but not without a
    padding byte, nor relabelled as GCM or as ECB."""
    key = instance.store.create_key(
        spec=KeySpec.AES_256, usage=KeyUsage.ENCRYPT_DECRYPT, origin="EXTERNAL"
    ).key_id
    r = instance.call(
        "AdvanceEncrypt", {"KeyId": key, "Plaintext": b"y" * 20, "Algorithm": "AES_CBC"}
    )
    blob = r["CiphertextBlob"]
    assert instance.call("AdvanceDecrypt", {"CiphertextBlob": blob})["Plaintext"] == b"y" * 20
    assert refused(instance, relabel(blob, padding="")).code == "InvalidParameter"


def test_blobs_of_asymmetric_keys_are_refused(instance: AlibabaInstanceService) -> None:
    """An RSA key's version id behind a GCM header: its material is no AES key."""
    key_id = instance.call("CreateKey", {"KeySpec": "RSA_2048"})["KeyMetadata"]["KeyId"]
    key = instance.store.get(key_id)
    assert key is not None
    version = key.versions[0].version_id.encode("ascii")
    blob = b"$\x00\x02" + version + os.urandom(12 + 32)
    assert len(version) == VERSION_ID_LEN
    assert refused(instance, blob).code == "InvalidParameter"


def test_an_sm4_key_keeps_its_transfer_sdk_gcm_byte(instance: AlibabaInstanceService) -> None:
    key = instance.call("CreateKey", {"KeySpec": "Aliyun_SM4"})["KeyMetadata"]["KeyId"]
    blob = instance.call("AdvanceEncrypt", {"KeyId": key, "Plaintext": b"z"})["CiphertextBlob"]
    as_aes_gcm = relabel(blob, "AES_GCM")  # the transfer SDK writes 0x02 for every key
    assert instance.call("AdvanceDecrypt", {"CiphertextBlob": as_aes_gcm})["Plaintext"] == b"z"
    assert refused(instance, relabel(blob, "AES_CBC", "PKCS7_PADDING")).code == ("InvalidParameter")


@pytest.mark.parametrize(("algorithm", "padding"), GCM_RELABELS)
def test_the_fast_path_refuses_a_relabelled_blob(algorithm: str, padding: str) -> None:
    kms = KmsClient(FakeCloud().service(Dialect.ALIBABA_INSTANCE))
    key = kms.create_key().key_id
    blob = kms.encrypt(key, b"secret" * 4).ciphertext
    with pytest.raises(DecryptionFailedError) as err:
        kms.decrypt(relabel(blob, algorithm, padding))
    assert err.value.code == "InvalidParameter"


def test_the_emulator_gateway_refuses_a_relabelled_blob(tmp_path: Path) -> None:
    cloud = FakeCloud()
    service = cloud.service(Dialect.ALIBABA_INSTANCE)
    key = service.call("CreateKey", {})["KeyMetadata"]["KeyId"]
    credentials = EmulatorCredentials()
    signer = Signer(credentials.issue_client_key(tmp_path / "keys"))
    gateway = GatewayProtocol(service, credentials)
    answer = gateway.handle(
        signer.request("AdvanceEncrypt", pb.AdvanceEncryptRequest(KeyId=key, Plaintext=b"a" * 16))
    )
    blob = pb.AdvanceEncryptResponse.FromString(answer.body).CiphertextBlob
    for algorithm, padding in GCM_RELABELS:
        request = pb.AdvanceDecryptRequest(CiphertextBlob=relabel(blob, algorithm, padding))
        answer = gateway.handle(signer.request("AdvanceDecrypt", request))
        error = pb.Error.FromString(answer.body)
        assert (answer.status, error.ErrorCode) == (400, "InvalidParameter"), algorithm


# -- a ciphertext that does not open: the Decrypt page's answer -------------------------------
def test_a_wrong_key_decrypt_answers_internal_failure(instance: AlibabaInstanceService) -> None:
    """The gateway's Decrypt page documents one error, HTTP 500 ``InternalFailure``, for a
    ciphertext that does not open under the key (wrong key, tampered body, wrong Aad)."""
    one = instance.call("CreateKey", {})["KeyMetadata"]["KeyId"]
    other = instance.call("CreateKey", {})["KeyMetadata"]["KeyId"]
    enc = instance.call("Encrypt", {"KeyId": one, "Plaintext": b"data"})
    blob = enc["CiphertextBlob"]
    tampered = blob[:-1] + bytes([blob[-1] ^ 1])  # never the blob itself
    attempts = [
        {"KeyId": other, "CiphertextBlob": blob, "Iv": enc["Iv"]},
        {"KeyId": one, "CiphertextBlob": tampered, "Iv": enc["Iv"]},
        {"KeyId": one, "CiphertextBlob": blob, "Iv": enc["Iv"], "Aad": b"a"},
    ]
    for params in attempts:
        with pytest.raises(NativeError) as err:
            instance.call("Decrypt", params)
        assert (err.value.code, err.value.http_status) == ("InternalFailure", 500)
    adv = instance.call("AdvanceEncrypt", {"KeyId": one, "Plaintext": b"data"})["CiphertextBlob"]
    with pytest.raises(NativeError) as err:
        instance.call("AdvanceDecrypt", {"CiphertextBlob": adv[:-1] + bytes([adv[-1] ^ 1])})
    assert (err.value.code, err.value.http_status) == ("InternalFailure", 500)


def test_internal_failure_on_decrypt_is_a_decryption_failure() -> None:
    """Neutral: ``DecryptionFailedError`` with the native code and status kept."""
    kms = KmsClient(FakeCloud().service(Dialect.ALIBABA_INSTANCE))
    key = kms.create_key().key_id
    blob = kms.encrypt(key, b"data").ciphertext
    with pytest.raises(DecryptionFailedError) as err:
        kms.decrypt(blob[:-1] + bytes([blob[-1] ^ 1]))
    assert (err.value.code, err.value.http_status) == ("InternalFailure", 500)
    detached = kms.encrypt(key, b"data", version=KeyVersion.INITIAL).ciphertext
    with pytest.raises(DecryptionFailedError) as err:
        kms.decrypt(detached, context={"tenant": "other"})
    assert (err.value.code, err.value.http_status) == ("InternalFailure", 500)
    # outside a decrypt the same code is a service error
    native = RULES.error("InternalFailure")
    assert type(RULES.neutral(native)) is ServiceError
    assert type(RULES.neutral(native, decrypting=True)) is DecryptionFailedError


def test_the_gcm_shortcut_agrees_with_the_rules() -> None:
    """``blob_mode`` answers AES_GCM without padding at once for AES keys: the rules agree."""
    from unikms.dialects.alibaba.instance import allowed_algorithms, allowed_paddings

    for spec in (KeySpec.AES_128, KeySpec.AES_256):
        for level in ("SOFTWARE", "HSM"):
            for external in (False, True):
                assert "AES_GCM" in allowed_algorithms(spec, level, external)
    assert allowed_paddings("AES_GCM") == {""}
