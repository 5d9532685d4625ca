"""Drive a KMS instance gateway with the official ``alibabacloud-dkms-gcs`` SDK, unmodified.

Runs in the SDK's own virtualenv (see ``tests/test_gateway_sdk.py``), never in
the project's environment: the SDK pins ``pyopenssl<23.3`` (so
``cryptography<42``) and ``protobuf<4``, and installs top-level packages named
``sdk``, ``openapi`` and ``openapi_util``. So the SDK is imported inside the
functions only, and this module imports cleanly anywhere (pytest's doctest
collection imports it).

Usage::

    python driver.py CONFIG_JSON

``CONFIG_JSON`` is a JSON object: ``endpoint`` (``127.0.0.1:PORT``),
``client_key_file`` and ``password`` (a client key the emulator issued),
``stranger_key_file`` and ``stranger_password`` (a client key it does not
know), ``key_id``, ``disabled_key_id``, ``alias`` (``alias/...`` of
``key_id``) and ``missing_key_id``. It prints one JSON object, one entry per
case: ``{"ok": true, ...}`` with the case's observations (bytes as hex), or
``{"ok": false, "error": {...}}`` with the exception the SDK raised.
"""

from __future__ import annotations

import asyncio
import base64
import json
import sys
import traceback
from collections.abc import Callable
from typing import Any

Case = Callable[[], dict[str, Any]]

MIGRATION_HEADER = "x-kms-migrationkeyversionid"


def _hex(data: bytes | None) -> str | None:
    return None if data is None else data.hex()


def _error(exc: BaseException) -> dict[str, Any]:
    data = getattr(exc, "data", None)
    return {
        "type": type(exc).__name__,
        "module": type(exc).__module__,
        "code": getattr(exc, "code", None),
        "message": str(getattr(exc, "message", None) or exc)[:500],
        "data": data if isinstance(data, dict) else None,
    }


def run(cfg: dict[str, Any]) -> dict[str, Any]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12
    from openapi.models import Config  # type: ignore[import-not-found,unused-ignore]
    from openapi_util.models import RuntimeOptions  # type: ignore[import-not-found,unused-ignore]
    from sdk import models as m  # type: ignore[import-not-found,unused-ignore]
    from sdk.client import Client  # type: ignore[import-not-found,unused-ignore]

    endpoint = cfg["endpoint"]
    key_id = cfg["key_id"]
    hsm = cfg["hsm_key_id"]  # a hardware key: CBC and ECB, no Advance operations

    def config(**kw: Any) -> Any:
        return Config(endpoint=endpoint, protocol="http", read_timeout=20000, **kw)

    client = Client(config(client_key_file=cfg["client_key_file"], password=cfg["password"]))
    no_retry = RuntimeOptions(autoretry=False, response_headers=[MIGRATION_HEADER])
    headers = RuntimeOptions(response_headers=[MIGRATION_HEADER])

    def encrypt_decrypt(
        algorithm: str | None,
        padding: str | None,
        plaintext: bytes,
        aad: bytes | None = None,
        iv: bytes | None = None,
        decrypt_key: str | None = None,
        key: str | None = None,
    ) -> dict[str, Any]:
        key = key or key_id
        enc = client.encrypt_with_options(
            m.EncryptRequest(
                key_id=key,
                plaintext=plaintext,
                algorithm=algorithm,
                aad=aad,
                iv=iv,
                padding_mode=padding,
            ),
            headers,
        )
        dec = client.decrypt_with_options(
            m.DecryptRequest(
                ciphertext_blob=enc.ciphertext_blob,
                key_id=decrypt_key or key,
                algorithm=enc.algorithm,
                aad=aad,
                iv=enc.iv,
                padding_mode=enc.padding_mode,
            ),
            headers,
        )
        return {
            "key_id": enc.key_id,
            "algorithm": enc.algorithm,
            "padding_mode": enc.padding_mode,
            "iv": _hex(enc.iv),
            "ciphertext_len": len(enc.ciphertext_blob or b""),
            "request_id": enc.request_id,
            "encrypt_migration": (enc.response_headers or {}).get(MIGRATION_HEADER),
            "decrypt_migration": (dec.response_headers or {}).get(MIGRATION_HEADER),
            "decrypt_key_id": dec.key_id,
            "decrypt_algorithm": dec.algorithm,
            "decrypt_padding_mode": dec.padding_mode,
            "round_trip": dec.plaintext == plaintext,
            "decrypt_request_id": dec.request_id,
        }

    def advance(
        algorithm: str | None,
        padding: str | None,
        plaintext: bytes,
        aad: bytes | None = None,
    ) -> dict[str, Any]:
        enc = client.advance_encrypt(
            m.AdvanceEncryptRequest(
                key_id=key_id,
                plaintext=plaintext,
                algorithm=algorithm,
                aad=aad,
                padding_mode=padding,
            )
        )
        dec = client.advance_decrypt(
            m.AdvanceDecryptRequest(ciphertext_blob=enc.ciphertext_blob, aad=aad)
        )
        return {
            "key_id": enc.key_id,
            "algorithm": enc.algorithm,
            "padding_mode": enc.padding_mode,
            "key_version_id": enc.key_version_id,
            "iv": _hex(enc.iv),
            "decrypt_key_id": dec.key_id,
            "decrypt_key_version_id": dec.key_version_id,
            "decrypt_algorithm": dec.algorithm,
            "round_trip": dec.plaintext == plaintext,
        }

    def advance_decrypt_of_encrypt() -> dict[str, Any]:
        enc = client.encrypt(m.EncryptRequest(key_id=key_id, plaintext=b"form b", aad=b"ctx"))
        dec = client.advance_decrypt(
            m.AdvanceDecryptRequest(
                ciphertext_blob=enc.ciphertext_blob,
                key_id=key_id,
                iv=enc.iv,
                algorithm=enc.algorithm,
                aad=b"ctx",
            )
        )
        return {"round_trip": dec.plaintext == b"form b", "key_version_id": dec.key_version_id}

    def generate_data_key(number_of_bytes: int | None) -> dict[str, Any]:
        gen = client.generate_data_key_with_options(
            m.GenerateDataKeyRequest(key_id=key_id, number_of_bytes=number_of_bytes, aad=b"dk"),
            headers,
        )
        dec = client.decrypt(
            m.DecryptRequest(
                ciphertext_blob=gen.ciphertext_blob,
                key_id=key_id,
                algorithm=gen.algorithm,
                iv=gen.iv,
                aad=b"dk",
            )
        )
        return {
            "key_id": gen.key_id,
            "algorithm": gen.algorithm,
            "plaintext_len": len(gen.plaintext or b""),
            "iv_len": len(gen.iv or b""),
            "migration": (gen.response_headers or {}).get(MIGRATION_HEADER),
            "round_trip": dec.plaintext == gen.plaintext,
        }

    def advance_generate_data_key(number_of_bytes: int | None) -> dict[str, Any]:
        gen = client.advance_generate_data_key(
            m.AdvanceGenerateDataKeyRequest(
                key_id=key_id, number_of_bytes=number_of_bytes, aad=b"adk"
            )
        )
        dec = client.advance_decrypt(
            m.AdvanceDecryptRequest(ciphertext_blob=gen.ciphertext_blob, aad=b"adk")
        )
        return {
            "key_id": gen.key_id,
            "algorithm": gen.algorithm,
            "plaintext_len": len(gen.plaintext or b""),
            "key_version_id": gen.key_version_id,
            "decrypt_key_version_id": dec.key_version_id,
            "round_trip": dec.plaintext == gen.plaintext,
        }

    def asynchronous() -> dict[str, Any]:
        async def go() -> dict[str, Any]:
            enc = await client.advance_encrypt_async(
                m.AdvanceEncryptRequest(key_id=key_id, plaintext=b"aiohttp", aad=b"a")
            )
            dec = await client.advance_decrypt_async(
                m.AdvanceDecryptRequest(ciphertext_blob=enc.ciphertext_blob, aad=b"a")
            )
            return {"round_trip": dec.plaintext == b"aiohttp"}

        return asyncio.run(go())

    def other_credentials(settings: Callable[[], dict[str, Any]]) -> Case:
        def case() -> dict[str, Any]:
            other = Client(config(**settings()))
            enc = other.encrypt_with_options(
                m.EncryptRequest(key_id=key_id, plaintext=b"x"), no_retry
            )
            return {"key_id": enc.key_id}

        return case

    def pkcs1_config() -> dict[str, Any]:
        with open(cfg["client_key_file"], encoding="utf-8") as fh:
            doc = json.load(fh)
        private, _, _ = pkcs12.load_key_and_certificates(
            base64.b64decode(doc["PrivateKeyData"]), cfg["password"].encode()
        )
        pem = private.private_bytes(  # type: ignore[union-attr,unused-ignore]
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        ).decode()
        return {"access_key_id": doc["KeyId"], "private_key": pem}

    def content_config() -> dict[str, Any]:
        with open(cfg["client_key_file"], encoding="utf-8") as fh:
            return {"client_key_content": fh.read(), "password": cfg["password"]}

    def failing_encrypt(key: str, plaintext: bytes = b"x", **kw: Any) -> Case:
        def case() -> dict[str, Any]:
            client.encrypt_with_options(
                m.EncryptRequest(key_id=key, plaintext=plaintext, **kw), no_retry
            )
            return {}

        return case

    def failing_advance_encrypt(key: str, **kw: Any) -> Case:
        def case() -> dict[str, Any]:
            client.advance_encrypt_with_options(
                m.AdvanceEncryptRequest(key_id=key, plaintext=b"x", **kw), no_retry
            )
            return {}

        return case

    def failing_advance_decrypt(blob: bytes, aad: bytes | None = None) -> Case:
        def case() -> dict[str, Any]:
            client.advance_decrypt_with_options(
                m.AdvanceDecryptRequest(ciphertext_blob=blob, aad=aad), no_retry
            )
            return {}

        return case

    def wrong_aad() -> dict[str, Any]:
        enc = client.advance_encrypt(
            m.AdvanceEncryptRequest(key_id=key_id, plaintext=b"p", aad=b"right")
        )
        return failing_advance_decrypt(enc.ciphertext_blob, b"wrong")()

    def unserved() -> dict[str, Any]:
        client.get_secret_value_with_options(m.GetSecretValueRequest(secret_name="s"), no_retry)
        return {}

    def sign_verify(key: str, algorithm: str, message_type: str, message: bytes) -> Case:
        def case() -> dict[str, Any]:
            signed = client.sign(
                m.SignRequest(
                    key_id=key, algorithm=algorithm, message=message, message_type=message_type
                )
            )
            good = client.verify(
                m.VerifyRequest(
                    key_id=key, algorithm=algorithm, message=message,
                    message_type=message_type, signature=signed.signature,
                )
            )  # fmt: skip
            bad = client.verify(
                m.VerifyRequest(
                    key_id=key, algorithm=algorithm, message=message,
                    message_type=message_type,
                    signature=signed.signature[:-1] + bytes([signed.signature[-1] ^ 1]),
                )
            )  # fmt: skip
            public = client.get_public_key(m.GetPublicKeyRequest(key_id=key))
            return {
                "key_id": signed.key_id,
                "algorithm": signed.algorithm,
                "message_type": signed.message_type,
                "signature": _hex(signed.signature),
                "verified": good.value,
                "changed_verified": bad.value,
                "public_key_id": public.key_id,
                "public_key": public.public_key,
            }

        return case

    def extra_signed_header() -> dict[str, Any]:
        # request headers starting with x-kms- are signed too (wire protocol 2.1)
        enc = client.encrypt(
            m.EncryptRequest(
                key_id=key_id, plaintext=b"h", request_headers={"x-kms-extra": "signed-too"}
            )
        )
        return {"key_id": enc.key_id}

    block = bytes(range(32))
    cases: dict[str, Case] = {
        "encrypt_default": lambda: encrypt_decrypt(None, None, b"hello gateway"),
        "encrypt_gcm_aad": lambda: encrypt_decrypt("AES_GCM", None, b"with aad", aad=b"ctx"),
        "encrypt_gcm_own_iv": lambda: encrypt_decrypt(
            "AES_GCM", None, b"own iv", iv=bytes(range(12))
        ),
        "encrypt_by_alias": lambda: encrypt_decrypt(None, None, b"alias", decrypt_key=cfg["alias"]),
        # CBC and ECB: hardware (HSM) keys only
        "encrypt_cbc_pkcs7": lambda: encrypt_decrypt(
            "AES_CBC", "PKCS7_PADDING", b"cbc pkcs7", key=hsm
        ),
        "encrypt_cbc_default_padding": lambda: encrypt_decrypt("AES_CBC", None, b"cbc", key=hsm),
        "encrypt_cbc_no_padding": lambda: encrypt_decrypt("AES_CBC", "NO_PADDING", block, key=hsm),
        "encrypt_cbc_own_iv": lambda: encrypt_decrypt(
            "AES_CBC", "PKCS7_PADDING", b"cbc own iv", iv=bytes(range(16)), key=hsm
        ),
        "encrypt_ecb_pkcs7": lambda: encrypt_decrypt(
            "AES_ECB", "PKCS7_PADDING", b"ecb pkcs7", key=hsm
        ),
        "encrypt_ecb_no_padding": lambda: encrypt_decrypt("AES_ECB", "NO_PADDING", block, key=hsm),
        "encrypt_6k": lambda: encrypt_decrypt(None, None, bytes(6 * 1024)),
        "encrypt_1m": lambda: encrypt_decrypt(None, None, b"\xa5" * (1024 * 1024)),
        "advance_default": lambda: advance(None, None, b"advance"),
        "advance_gcm_aad": lambda: advance("AES_GCM", None, b"advance aad", aad=b"ctx"),
        "advance_decrypt_of_encrypt": advance_decrypt_of_encrypt,
        "generate_data_key": lambda: generate_data_key(32),
        "generate_data_key_16": lambda: generate_data_key(16),
        "advance_generate_data_key": lambda: advance_generate_data_key(32),
        "advance_generate_data_key_64": lambda: advance_generate_data_key(64),
        "async_advance": asynchronous,
        "extra_signed_header": extra_signed_header,
        "client_key_content": other_credentials(content_config),
        "pkcs1_private_key": other_credentials(pkcs1_config),
        # error paths
        "unknown_key": failing_encrypt(cfg["missing_key_id"]),
        "disabled_key": failing_encrypt(cfg["disabled_key_id"]),
        "bad_padding": failing_encrypt(hsm, b"odd", algorithm="AES_CBC", padding_mode="NONE"),
        "cbc_on_a_software_key": failing_encrypt(key_id, b"cbc", algorithm="AES_CBC"),
        "advance_cbc_on_a_software_key": failing_advance_encrypt(key_id, algorithm="AES_CBC"),
        "advance_on_an_hsm_key": failing_advance_encrypt(hsm),
        "wrong_aad": wrong_aad,
        "garbage_blob": failing_advance_decrypt(b"not a blob at all"),
        "body_too_large": failing_encrypt(key_id, b"\0" * (3 * 1024 * 1024 + 1)),
        "unserved_operation": unserved,
        # Sign, Verify, GetPublicKey (a P-256 and an SM2 signing key)
        "sign_raw": sign_verify(cfg["sign_key_id"], "ECDSA_SHA_256", "RAW", b"release 1.4"),
        "sign_digest": sign_verify(
            cfg["sign_key_id"], "ECDSA_SHA_256", "DIGEST", bytes.fromhex(cfg["sha256"])
        ),
        "sign_sm2_raw": sign_verify(cfg["sm2_key_id"], "SM2DSA", "RAW", b"release 1.4"),
        "sign_on_a_symmetric_key": sign_verify(key_id, "ECDSA_SHA_256", "RAW", b"x"),
        "unknown_client_key": other_credentials(
            lambda: {
                "client_key_file": cfg["stranger_key_file"],
                "password": cfg["stranger_password"],
            }
        ),
        "wrong_private_key": lambda: _wrong_private_key(cfg, config, no_retry, key_id),
        "wrong_password": other_credentials(
            lambda: {"client_key_file": cfg["client_key_file"], "password": cfg["password"] + "!"}
        ),
    }
    results: dict[str, Any] = {}
    for name, case in cases.items():
        try:
            results[name] = {"ok": True, **case()}
        except Exception as exc:  # every SDK failure is an observation
            results[name] = {"ok": False, "error": _error(exc)}
            if not hasattr(exc, "code"):
                results[name]["traceback"] = traceback.format_exc()[-2000:]
    return results


def _wrong_private_key(
    cfg: dict[str, Any], config: Callable[..., Any], no_retry: Any, key_id: str
) -> dict[str, Any]:
    """The emulator's client key id, signed with another key's private key."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12
    from sdk import models  # type: ignore[import-not-found,unused-ignore]
    from sdk.client import Client  # type: ignore[import-not-found,unused-ignore]

    with open(cfg["client_key_file"], encoding="utf-8") as fh:
        known_id = json.load(fh)["KeyId"]
    with open(cfg["stranger_key_file"], encoding="utf-8") as fh:
        stranger = json.load(fh)
    private, _, _ = pkcs12.load_key_and_certificates(
        base64.b64decode(stranger["PrivateKeyData"]), cfg["stranger_password"].encode()
    )
    pem = private.private_bytes(  # type: ignore[union-attr,unused-ignore]
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()
    other = Client(config(access_key_id=known_id, private_key=pem))
    other.encrypt_with_options(models.EncryptRequest(key_id=key_id, plaintext=b"x"), no_retry)
    return {}


def main(argv: list[str]) -> int:
    cfg = json.loads(argv[1])
    print(json.dumps(run(cfg), sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
