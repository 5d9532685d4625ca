"""Drive Alibaba's transfer SDK (``alibabacloud-kms-python-sdk``) against the emulator's gateway.

Runs with the transfer SDK venv's Python (see ``venv.TRANSFER``), never the
project's: the SDK pins ``alibabacloud_dkms_gcs==1.0.2`` and ``protobuf<3.20``.
It takes one JSON argument (endpoint, client key files, key ids, classic
blobs made by the test) and prints one JSON object: each case's outcome, in
both of the SDK's modes (Advance, the default, and
``force_low_version_crypto_transfer``). Blobs the SDK made are printed so that
the test can open them through the classic API.
"""

from __future__ import annotations

import json
import sys
import traceback
from collections.abc import Callable
from typing import Any

Case = Callable[[], dict[str, Any]]


def _error(exc: BaseException) -> dict[str, Any]:
    return {
        "module": type(exc).__module__,
        "type": type(exc).__name__,
        "code": getattr(exc, "code", None),
        "message": str(getattr(exc, "message", exc))[:500],
    }


def run(cfg: dict[str, Any], low_version: bool) -> dict[str, Any]:
    from alibabacloud_kms20160120 import models as km  # type: ignore[import-not-found,unused-ignore]
    from alibabacloud_kms_kms20160120.models import (  # type: ignore[import-not-found,unused-ignore]
        KmsConfig,
    )
    from alibabacloud_kms_kms20160120.transfer_client import (  # type: ignore[import-not-found,unused-ignore]
        TransferClient,
    )
    from alibabacloud_tea_openapi.models import (  # type: ignore[import-not-found,unused-ignore]
        Config as OpenApiConfig,
    )
    from alibabacloud_tea_util.models import (  # type: ignore[import-not-found,unused-ignore]
        RuntimeOptions,
    )

    key_id = cfg["key_id"]
    context = cfg["context"]
    reordered = dict(reversed(list(context.items())))  # the same map, another JSON text
    no_retry = RuntimeOptions(autoretry=False)

    def client(key_file: str, password: str) -> Any:
        # with kms_config alone TransferClient never stores it, so it ignores
        # force_low_version_crypto_transfer (transfer_client.py, __init__): pass both
        return TransferClient(
            config=OpenApiConfig(endpoint=cfg["endpoint"]),
            kms_config=KmsConfig(
                protocol="http",
                endpoint=cfg["endpoint"],
                client_key_file=key_file,
                password=password,
                read_timeout=20000,
                force_low_version_crypto_transfer=low_version,
            ),
        )

    sdk = client(cfg["client_key_file"], cfg["password"])

    def decrypt(blob: str, ctx: dict[str, str] | None) -> Any:
        request = km.DecryptRequest(ciphertext_blob=blob, encryption_context=ctx)
        return sdk.decrypt_with_options(request, no_retry).body

    def encrypt_decrypt() -> dict[str, Any]:
        enc = sdk.encrypt_with_options(
            km.EncryptRequest(key_id=key_id, plaintext=cfg["sdk_text"], encryption_context=context),
            no_retry,
        ).body
        dec = decrypt(enc.ciphertext_blob, reordered)
        return {
            "blob": enc.ciphertext_blob,
            "key_id": enc.key_id,
            "key_version_id": enc.key_version_id,
            "plaintext": dec.plaintext,
            "decrypt_key_id": dec.key_id,
            "decrypt_key_version_id": dec.key_version_id,
        }

    def decrypt_classic() -> dict[str, Any]:
        dec = decrypt(cfg["classic_blob"], reordered)
        return {"plaintext": dec.plaintext, "key_version_id": dec.key_version_id}

    def failing_decrypt(blob_of: Callable[[], str], ctx: dict[str, str] | None) -> Case:
        def case() -> dict[str, Any]:
            decrypt(blob_of(), ctx)
            return {}

        return case

    def data_key() -> dict[str, Any]:
        body = sdk.generate_data_key_with_options(
            km.GenerateDataKeyRequest(key_id=key_id, encryption_context=context), no_retry
        ).body
        dec = decrypt(body.ciphertext_blob, reordered)
        return {
            "blob": body.ciphertext_blob,
            "plaintext": body.plaintext,
            "decrypted": dec.plaintext,
            "key_version_id": body.key_version_id,
        }

    def data_key_without_plaintext() -> dict[str, Any]:
        request = km.GenerateDataKeyWithoutPlaintextRequest(
            key_id=key_id, encryption_context=context, number_of_bytes=16
        )
        body = sdk.generate_data_key_without_plaintext_with_options(request, no_retry).body
        return {
            "blob": body.ciphertext_blob,
            "decrypted": decrypt(body.ciphertext_blob, context).plaintext,
        }

    def with_credentials(key_file: str, password: str) -> Case:
        def case() -> dict[str, Any]:
            other = client(key_file, password)
            request = km.EncryptRequest(key_id=key_id, plaintext="x")
            other.encrypt_with_options(request, no_retry)
            return {}

        return case

    made: dict[str, str] = {}

    def made_blob() -> str:
        return made["blob"]

    cases: dict[str, Case] = {
        "encrypt_decrypt": encrypt_decrypt,
        "decrypt_classic": decrypt_classic,
        "wrong_context": failing_decrypt(made_blob, {**context, "tenant": "other"}),
        "missing_context": failing_decrypt(made_blob, None),
        "classic_wrong_context": failing_decrypt(lambda: cfg["classic_blob"], {"tenant": "x"}),
        "data_key": data_key,
        "data_key_without_plaintext": data_key_without_plaintext,
        "unknown_client_key": with_credentials(cfg["stranger_key_file"], cfg["stranger_password"]),
        "wrong_password": with_credentials(cfg["client_key_file"], cfg["password"] + "!"),
    }
    results: dict[str, Any] = {}
    for name, case in cases.items():
        try:
            results[name] = {"ok": True, **case()}
            if name == "encrypt_decrypt":
                made["blob"] = results[name]["blob"]
        except Exception as exc:  # every SDK failure is an observation
            results[name] = {"ok": False, "error": _error(exc)}
            if not hasattr(exc, "code"):
                results[name]["traceback"] = traceback.format_exc()[-2000:]
    return results


def main(argv: list[str]) -> int:
    cfg = json.loads(argv[1])
    print(
        json.dumps({mode: run(cfg, mode == "low_version") for mode in ("advance", "low_version")})
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
