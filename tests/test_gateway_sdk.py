"""The official ``alibabacloud-dkms-gcs`` 1.0.2 SDK, unmodified, against the emulator's gateway.

The SDK cannot live in the project's environment: it pins ``pyopenssl<23.3``
(so ``cryptography<42``) and ``protobuf<4``, and installs top-level packages
named ``sdk``, ``openapi`` and ``openapi_util``. So this module builds an
isolated virtualenv for it (once; cached under
``~/.cache/unikms/dialects/alibaba/dkms-gcs-venv-<hash>``, keyed by the requirement list and the
Python version; ``UNIKMS_DKMS_GCS_VENV`` names another directory), lets pip
resolve the SDK's own pins there, and runs ``tests/gateway_sdk/driver.py`` with
that venv's Python against a real emulator server on 127.0.0.1. The driver
performs every case once and prints JSON; the tests below assert on it.

Building the venv needs the package index (pip's configured one). When it
cannot be built the tests FAIL with pip's output: they are not skipped. Leave
them out explicitly with ``-m "not sdk_venv"``.
"""

from __future__ import annotations

import hashlib
import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.gateway_sdk import venv as gateway_venv
from tests.gateway_sdk.client_keys import driver_client_keys
from tests.gateway_sdk.serve import serve
from unikms.dialects.alibaba.gateway_wire import GatewayProtocol
from unikms.emulator.app import EmulatorApp
from unikms.emulator.credentials import EmulatorCredentials
from unikms.fake import FakeCloud
from unikms.types import Dialect

pytestmark = pytest.mark.sdk_venv

REQUIREMENTS = gateway_venv.REQUIREMENTS
DRIVER = gateway_venv.DRIVER
installed = gateway_venv.installed
_python = gateway_venv.python


def ensure_venv() -> Path:
    try:
        return gateway_venv.ensure()
    except gateway_venv.VenvBuildError as err:
        pytest.fail(str(err), pytrace=False)


def _major_minor(version: str) -> tuple[int, int]:
    major, minor = version.split(".")[:2]
    return int(major), int(minor)


# -- one emulator, one driver run -----------------------------------------------------------
@pytest.fixture(scope="module")
def sdk_venv() -> Path:
    return ensure_venv()


@pytest.fixture(scope="module")
def world(sdk_venv: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Keys in a fake cloud, a real server, and the driver's results."""
    cloud = FakeCloud()
    service = cloud.service(Dialect.ALIBABA_INSTANCE)
    key_id = service.call("CreateKey", {})["KeyMetadata"]["KeyId"]
    cloud.clock.advance(days=8)
    service.call("CreateKeyVersion", {"KeyId": key_id})  # primary != initial from here on
    hsm_id = service.call("CreateKey", {"ProtectionLevel": "HSM"})["KeyMetadata"]["KeyId"]
    disabled = service.call("CreateKey", {})["KeyMetadata"]["KeyId"]
    service.call("DisableKey", {"KeyId": disabled})
    service.call("CreateAlias", {"KeyId": key_id, "AliasName": "alias/gateway-sdk"})
    signing = {"KeySpec": "EC_P256", "KeyUsage": "SIGN/VERIFY"}
    sign_key_id = service.call("CreateKey", signing)["KeyMetadata"]["KeyId"]
    sm2 = {"KeySpec": "EC_SM2", "KeyUsage": "SIGN/VERIFY"}
    sm2_key_id = service.call("CreateKey", sm2)["KeyMetadata"]["KeyId"]
    directory = tmp_path_factory.mktemp("client-keys")
    credentials = EmulatorCredentials()
    app = EmulatorApp([GatewayProtocol(service, credentials)])
    key, hsm = service.store.get(key_id), service.store.get(hsm_id)
    assert key is not None and hsm is not None
    with serve(app) as endpoint:
        cfg = {
            "endpoint": endpoint,
            **driver_client_keys(credentials, directory),
            "key_id": key_id,
            "hsm_key_id": hsm_id,
            "disabled_key_id": disabled,
            "alias": "alias/gateway-sdk",
            "missing_key_id": "key-hzz" + "0" * 18,
            "sign_key_id": sign_key_id,
            "sm2_key_id": sm2_key_id,
            "sha256": hashlib.sha256(b"release 1.4").hexdigest(),
        }
        results = gateway_venv.run_driver(sdk_venv, DRIVER, cfg)
        with urllib.request.urlopen(f"http://{endpoint}/health", timeout=10) as answer:
            healthy = json.load(answer)["status"] == "ok"
        yield {
            "results": results,
            "key_id": key_id,
            "sign_key_id": sign_key_id,
            "sm2_key_id": sm2_key_id,
            "initial": key.initial.version_id,
            "primary": key.primary.version_id,
            "hsm_key_id": hsm_id,
            "hsm_initial": hsm.initial.version_id,
            "healthy_after": healthy,
        }


def ok(world: dict[str, Any], case: str) -> dict[str, Any]:
    result: dict[str, Any] = world["results"][case]
    assert result["ok"], f"{case}: {result.get('error')}\n{result.get('traceback', '')}"
    return result


def failure(world: dict[str, Any], case: str) -> dict[str, Any]:
    result: dict[str, Any] = world["results"][case]
    assert not result["ok"], f"{case} should have failed: {result}"
    error: dict[str, Any] = result["error"]
    return error


# -- the environment ------------------------------------------------------------------------
def test_the_sdk_runs_with_its_own_pins(sdk_venv: Path) -> None:
    pins = installed(sdk_venv)
    assert pins["alibabacloud-dkms-gcs"] == "1.0.2"
    assert _major_minor(pins["pyopenssl"]) < (23, 3)
    assert _major_minor(pins["cryptography"]) < (42, 0)
    assert _major_minor(pins["protobuf"]) < (4, 0)


def test_the_server_keeps_serving(world: dict[str, Any]) -> None:
    assert world["healthy_after"]


# -- success paths --------------------------------------------------------------------------
# (algorithm, padding, IV length, key): CBC and ECB need a hardware (HSM) key
ENCRYPT_CASES = {
    "encrypt_default": ("AES_GCM", "", 12, ""),
    "encrypt_gcm_aad": ("AES_GCM", "", 12, ""),
    "encrypt_gcm_own_iv": ("AES_GCM", "", 12, ""),
    "encrypt_by_alias": ("AES_GCM", "", 12, ""),
    "encrypt_cbc_pkcs7": ("AES_CBC", "PKCS7_PADDING", 16, "hsm_"),
    "encrypt_cbc_default_padding": ("AES_CBC", "PKCS7_PADDING", 16, "hsm_"),
    "encrypt_cbc_no_padding": ("AES_CBC", "NO_PADDING", 16, "hsm_"),
    "encrypt_cbc_own_iv": ("AES_CBC", "PKCS7_PADDING", 16, "hsm_"),
    "encrypt_ecb_pkcs7": ("AES_ECB", "PKCS7_PADDING", 0, "hsm_"),
    "encrypt_ecb_no_padding": ("AES_ECB", "NO_PADDING", 0, "hsm_"),
    "encrypt_6k": ("AES_GCM", "", 12, ""),
    "encrypt_1m": ("AES_GCM", "", 12, ""),
}


@pytest.mark.parametrize("case", sorted(ENCRYPT_CASES))
def test_encrypt_then_decrypt(world: dict[str, Any], case: str) -> None:
    algorithm, padding, iv_len, key = ENCRYPT_CASES[case]
    r = ok(world, case)
    assert r["round_trip"]
    assert r["key_id"] == r["decrypt_key_id"] == world[f"{key}key_id"]
    assert r["algorithm"] == r["decrypt_algorithm"] == algorithm
    assert r["padding_mode"] == r["decrypt_padding_mode"] == padding
    assert len(bytes.fromhex(r["iv"])) == iv_len
    assert r["request_id"]
    assert r["request_id"] != r["decrypt_request_id"]
    # Encrypt and Decrypt use the initial version, and say so in the migration header
    assert r["encrypt_migration"] == r["decrypt_migration"] == world[f"{key}initial"]


def test_encrypt_keeps_a_caller_iv(world: dict[str, Any]) -> None:
    assert ok(world, "encrypt_gcm_own_iv")["iv"] == bytes(range(12)).hex()
    assert ok(world, "encrypt_cbc_own_iv")["iv"] == bytes(range(16)).hex()


# AdvanceEncrypt takes software keys only, and those encrypt with GCM only
ADVANCE_CASES = {
    "advance_default": ("AES_GCM", ""),
    "advance_gcm_aad": ("AES_GCM", ""),
}


@pytest.mark.parametrize("case", sorted(ADVANCE_CASES))
def test_advance_encrypt_then_advance_decrypt(world: dict[str, Any], case: str) -> None:
    algorithm, padding = ADVANCE_CASES[case]
    r = ok(world, case)
    assert r["round_trip"]
    assert r["key_id"] == r["decrypt_key_id"] == world["key_id"]
    assert r["algorithm"] == r["decrypt_algorithm"] == algorithm
    assert r["padding_mode"] == padding
    # AdvanceEncrypt uses the primary version; the blob carries it back
    assert r["key_version_id"] == r["decrypt_key_version_id"] == world["primary"]


def test_advance_decrypt_opens_an_encrypt_blob(world: dict[str, Any]) -> None:
    r = ok(world, "advance_decrypt_of_encrypt")
    assert r["round_trip"]
    assert r["key_version_id"] == world["initial"]


@pytest.mark.parametrize(
    ("case", "size"), [("generate_data_key", 32), ("generate_data_key_16", 16)]
)
def test_generate_data_key(world: dict[str, Any], case: str, size: int) -> None:
    r = ok(world, case)
    assert r["round_trip"]
    assert r["key_id"] == world["key_id"]
    assert r["algorithm"] == "AES_GCM"
    assert r["plaintext_len"] == size
    assert r["iv_len"] == 12
    assert r["migration"] == world["initial"]


@pytest.mark.parametrize(
    ("case", "size"), [("advance_generate_data_key", 32), ("advance_generate_data_key_64", 64)]
)
def test_advance_generate_data_key(world: dict[str, Any], case: str, size: int) -> None:
    r = ok(world, case)
    assert r["round_trip"]
    assert r["key_id"] == world["key_id"]
    assert r["plaintext_len"] == size
    assert r["key_version_id"] == r["decrypt_key_version_id"] == world["primary"]


def test_the_async_client_works(world: dict[str, Any]) -> None:
    assert ok(world, "async_advance")["round_trip"]


def test_extra_x_kms_request_headers_are_signed_and_accepted(world: dict[str, Any]) -> None:
    assert ok(world, "extra_signed_header")["key_id"] == world["key_id"]


@pytest.mark.parametrize("case", ["client_key_content", "pkcs1_private_key"])
def test_every_credential_form(world: dict[str, Any], case: str) -> None:
    assert ok(world, case)["key_id"] == world["key_id"]


# -- Sign, Verify, GetPublicKey (docs/dialects.md 2.12) -----------------------------------
@pytest.mark.parametrize(("case", "message_type"), [("sign_raw", "RAW"), ("sign_digest", "DIGEST")])
def test_sign_verify_and_the_public_key(
    world: dict[str, Any], case: str, message_type: str
) -> None:
    """The SDK's signature verifies through Verify and, with the public key the SDK
    fetched, through ``cryptography``; a changed signature is ``Value`` false."""
    from unikms.asymmetric import der_of_pem, verify_locally

    result = ok(world, case)
    assert (result["key_id"], result["public_key_id"]) == (world["sign_key_id"],) * 2
    assert (result["algorithm"], result["message_type"]) == ("ECDSA_SHA_256", message_type)
    assert (result["verified"], result["changed_verified"]) == (True, False)
    signature = bytes.fromhex(result["signature"])
    public = der_of_pem(result["public_key"])
    assert verify_locally(public, signature, b"release 1.4", "ECDSA_SHA_256")


def test_sm2_sign_through_the_sdk(world: dict[str, Any]) -> None:
    """SM2DSA of a RAW message: the gateway computes SM3(Z || M) with the default ID, so
    the signature verifies with gmalg from the public key alone."""
    from unikms import sm2
    from unikms.asymmetric import der_of_pem

    pytest.importorskip("gmalg")
    result = ok(world, "sign_sm2_raw")
    assert (result["verified"], result["changed_verified"]) == (True, False)
    point = sm2.point_of_der(der_of_pem(result["public_key"]))
    digest = sm2.z_digest(point, b"release 1.4")
    assert sm2.verify_digest(point, digest, bytes.fromhex(result["signature"]))


# -- error paths ----------------------------------------------------------------------------
ERROR_CASES = {
    "unknown_key": ("Forbidden.KeyNotFound", 404),
    "disabled_key": ("Rejected.Disabled", 409),
    "bad_padding": ("InvalidParameter", 400),
    "cbc_on_a_software_key": ("InvalidParameter", 400),
    "advance_cbc_on_a_software_key": ("InvalidParameter", 400),
    "advance_on_an_hsm_key": ("UnsupportedOperation", 400),
    "wrong_aad": ("InternalFailure", 500),  # the Decrypt page's only error (I5)
    "garbage_blob": ("InvalidParameter", 400),
    "body_too_large": ("None.", 413),
    "unserved_operation": ("UnsupportedOperation", 400),
    "sign_on_a_symmetric_key": ("UnsupportedOperation", 400),
    "unknown_client_key": ("Unauthorized", 404),
    "wrong_private_key": ("SignatureNotMatch", 401),
}


@pytest.mark.parametrize("case", sorted(ERROR_CASES))
def test_errors_reach_the_sdk_as_tea_exceptions(world: dict[str, Any], case: str) -> None:
    code, status = ERROR_CASES[case]
    error = failure(world, case)
    assert (error["module"], error["type"]) == ("Tea.exceptions", "TeaException")
    assert error["code"] == code
    assert error["data"]["httpCode"] == status
    assert error["data"]["requestId"]
    assert error["message"]


def test_a_wrong_password_is_refused_by_the_client_key_loader(world: dict[str, Any]) -> None:
    error = failure(world, "wrong_password")
    assert error["module"] == "OpenSSL.crypto"
    assert "mac verify failure" in error["message"]
