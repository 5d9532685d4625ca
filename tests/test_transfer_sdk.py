"""Alibaba's transfer SDK (``alibabacloud-kms-python-sdk`` 1.1.3), unmodified, against the gateway.

The transfer SDK runs classic-API code (``Encrypt``/``Decrypt``/``GenerateDataKey``
with an ``EncryptionContext``) on a KMS instance: it sends the instance gateway's
protobuf calls and builds the classic blob (KeyVersionId || IV || ciphertext). Its
Advance mode (the default) sends the context as the SHA-256 hex of the sorted
``k=v&...`` join; ``force_low_version_crypto_transfer`` sends the raw JSON and, on
``Decrypt``, no ``KeyId`` but the ``x-kms-migrationkeyversionid`` request header.
Both modes must open blobs the classic API made with the same context, and the
classic API must open theirs (``docs/dialects.md`` 1.7, 2.7).

It pins ``alibabacloud_dkms_gcs==1.0.2`` (so old ``cryptography``) and ``protobuf<3.20``,
so it runs from its own cached virtualenv (:data:`tests.gateway_sdk.venv.TRANSFER`)
with ``tests/gateway_sdk/transfer_driver.py``. When that venv cannot be built the
tests are skipped with pip's reason (``-ra`` prints it).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.gateway_sdk import venv as sdk_venv
from tests.gateway_sdk.client_keys import driver_client_keys
from tests.gateway_sdk.serve import serve
from unikms.dialects.alibaba.gateway_wire import GatewayProtocol
from unikms.emulator.app import EmulatorApp
from unikms.emulator.credentials import EmulatorCredentials
from unikms.fake import FakeCloud
from unikms.types import Dialect

pytestmark = pytest.mark.sdk_venv

DRIVER = Path(__file__).parent / "gateway_sdk" / "transfer_driver.py"
CONTEXT = {"tenant": "42", "purpose": "transfer"}  # not in sorted order: the SDK keeps it
MODES = ("advance", "low_version")
#: classic plaintexts are Base64 text (dialects.md 1.5); the SDK sends their UTF-8 bytes
CLASSIC_TEXT = base64.b64encode(b"classic text").decode()
SDK_TEXT = base64.b64encode(b"transfer text").decode()


@pytest.fixture(scope="module")
def transfer_venv() -> Path:
    return sdk_venv.ensure_or_skip(sdk_venv.TRANSFER)


@pytest.fixture(scope="module")
def world(
    transfer_venv: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    """A key with two versions, a classic blob under its primary, the driver's results."""
    cloud = FakeCloud()
    classic = cloud.service(Dialect.ALIBABA_CLASSIC)
    instance = cloud.service(Dialect.ALIBABA_INSTANCE)
    key_id = classic.call("CreateKey", {})["KeyMetadata"]["KeyId"]
    cloud.clock.advance(days=8)
    classic.call("CreateKeyVersion", {"KeyId": key_id})  # primary != initial from here on
    sealed = classic.call(
        "Encrypt",
        {"KeyId": key_id, "Plaintext": CLASSIC_TEXT, "EncryptionContext": json.dumps(CONTEXT)},
    )
    directory = tmp_path_factory.mktemp("transfer-keys")
    credentials = EmulatorCredentials()
    app = EmulatorApp([GatewayProtocol(instance, credentials)])
    key = classic.store.get(key_id)
    assert key is not None
    with serve(app) as endpoint:
        cfg = {
            "endpoint": endpoint,
            **driver_client_keys(credentials, directory),
            "key_id": key_id,
            "context": CONTEXT,
            "classic_blob": sealed["CiphertextBlob"],
            "sdk_text": SDK_TEXT,
        }
        results = sdk_venv.run_driver(transfer_venv, DRIVER, cfg)
    yield {
        "results": results,
        "classic": classic,
        "key_id": key_id,
        "initial": key.initial.version_id,
        "primary": key.primary.version_id,
        "classic_version": sealed["KeyVersionId"],
    }


def ok(world: dict[str, Any], mode: str, case: str) -> dict[str, Any]:
    result: dict[str, Any] = world["results"][mode][case]
    assert result["ok"], f"{mode} {case}: {result.get('error')}\n{result.get('traceback', '')}"
    return result


def error(world: dict[str, Any], mode: str, case: str) -> dict[str, Any]:
    result: dict[str, Any] = world["results"][mode][case]
    assert not result["ok"], f"{mode} {case} should have failed: {result}"
    found: dict[str, Any] = result["error"]
    return found


def classic_decrypt(world: dict[str, Any], blob: str, context: dict[str, str]) -> Any:
    return world["classic"].call(
        "Decrypt", {"CiphertextBlob": blob, "EncryptionContext": json.dumps(context)}
    )


def test_the_sdk_runs_with_its_own_pins(transfer_venv: Path) -> None:
    pins = sdk_venv.installed(transfer_venv)
    assert pins["alibabacloud-kms-python-sdk"] == "1.1.3"
    assert pins["alibabacloud-dkms-gcs"] == "1.0.2"
    major, minor = (int(p) for p in pins["protobuf"].split(".")[:2])
    assert (major, minor) < (3, 20)


@pytest.mark.parametrize("mode", MODES)
def test_encrypt_then_decrypt_with_the_context(world: dict[str, Any], mode: str) -> None:
    r = ok(world, mode, "encrypt_decrypt")
    assert r["plaintext"] == SDK_TEXT
    assert r["key_id"] == r["decrypt_key_id"] == world["key_id"]
    # Advance encrypts under the primary version, low-version Encrypt under the initial one
    version = world["primary"] if mode == "advance" else world["initial"]
    assert r["key_version_id"] == r["decrypt_key_version_id"] == version
    assert base64.b64decode(r["blob"])[:36] == version.encode()  # the classic layout


@pytest.mark.parametrize("mode", MODES)
def test_the_classic_api_opens_what_the_sdk_sealed(world: dict[str, Any], mode: str) -> None:
    r = ok(world, mode, "encrypt_decrypt")
    assert classic_decrypt(world, r["blob"], CONTEXT)["Plaintext"] == SDK_TEXT
    with pytest.raises(Exception) as err:
        classic_decrypt(world, r["blob"], {"tenant": "43"})
    assert getattr(err.value, "code", None) == "InvalidParameter"


@pytest.mark.parametrize("mode", MODES)
def test_the_sdk_opens_what_the_classic_api_sealed(world: dict[str, Any], mode: str) -> None:
    r = ok(world, mode, "decrypt_classic")
    assert r["plaintext"] == CLASSIC_TEXT
    assert r["key_version_id"] == world["classic_version"] == world["primary"]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", ["wrong_context", "missing_context", "classic_wrong_context"])
def test_a_wrong_context_fails_with_the_gateway_code(
    world: dict[str, Any], mode: str, case: str
) -> None:
    # the gateway answers a tag failure with InternalFailure 500; the SDK keeps the code
    found = error(world, mode, case)
    assert found["code"] == "InternalFailure", found
    assert found["message"] == "Internal Failure"  # the SDK's own table


@pytest.mark.parametrize("mode", MODES)
def test_data_keys_open_on_both_apis(world: dict[str, Any], mode: str) -> None:
    r = ok(world, mode, "data_key")
    assert len(base64.b64decode(r["plaintext"])) == 32
    assert r["decrypted"] == r["plaintext"]  # classic data keys encrypt their Base64 text
    assert classic_decrypt(world, r["blob"], CONTEXT)["Plaintext"] == r["plaintext"]
    bare = ok(world, mode, "data_key_without_plaintext")
    assert len(base64.b64decode(bare["decrypted"])) == 16
    assert classic_decrypt(world, bare["blob"], CONTEXT)["Plaintext"] == bare["decrypted"]


@pytest.mark.parametrize("mode", MODES)
def test_an_unknown_client_key_gets_the_classic_code(world: dict[str, Any], mode: str) -> None:
    # the gateway's Unauthorized, mapped by the SDK to the classic code
    assert error(world, mode, "unknown_client_key")["code"] == "InvalidAccessKeyId.NotFound"


@pytest.mark.parametrize("mode", MODES)
def test_a_wrong_password_fails_in_the_client(world: dict[str, Any], mode: str) -> None:
    found = error(world, mode, "wrong_password")  # the PKCS#12 file does not open
    assert (found["module"], found["type"]) == ("OpenSSL.crypto", "Error"), found
    assert "mac verify failure" in found["message"]
