"""Tencent Cloud KMS's documented examples, for ``cassettes/docs/build.py``: see
:mod:`unikms.contract.doc_examples`. Declared by the package's
``ContractSupport.doc_examples``; loaded only when called.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from unikms.contract.doc_examples import (
    DocExample,
    b64,
    decrypt_call,
    encrypt_call,
    failed,
    gdk_call,
    ok,
)

__all__ = ["examples"]


# -- sources ------------------------------------------------------------------------------
TC_CLI = "TencentCloud/tencentcloud-cli:tccli/services/kms/v20190118/examples.json"
TC_ENCRYPT = [
    "https://www.tencentcloud.com/document/api/1030/32787 (Encrypt, Example 1)",
    "shared/seeds/004_3bfc249d9ed2ea5d.txt (stored copy of that page, updated 2025-12-04)",
    f"{TC_CLI} @ 6e53beb5 (2026-08-21), actions.Encrypt[0]",
]
TC_DECRYPT = [
    f"{TC_CLI} @ 6e53beb5 (2026-08-21), actions.Decrypt[0] (the official doc example)",
    "https://www.tencentcloud.com/document/product/1030/32198 (Decrypt)",
]
TC_GDK = [
    f"{TC_CLI} @ 6e53beb5 (2026-08-21), actions.GenerateDataKey[0] (the official doc example)",
    "https://www.tencentcloud.com/document/product/1030/32188 (GenerateDataKey)",
]
TC_ERRORS = [
    "https://www.tencentcloud.com/document/product/597/35338"
    " (error envelope Response.Error.Code/Message + RequestId, HTTP 200)",
    "/work/notes/tencent.md §1.3; shared/docs/wire-protocols.md 3.5",
]

# -- documented values --------------------------------------------------------------------
TC_KEY = "93866e69-9755-11ef-8e65-52540089bc41"
TC_CONTEXT = {"key1": "value1"}
TC_PLAINTEXT = base64.b64decode("dGVzdAo=")  # b"test\n"
TC_ENC_BLOB = (
    "GPJUsGlmPcSjHKIktXGyzn33yestz+7NteW36M6FuL8hPfJ1xVfdO6Akr8sF69x3yBXMwto4njumJMIsi9WKow==-k-"
    "XqqalxTyNKIC1rITRePFGQ==-k-GqsANzNxvjjXhKwJAOY85vxYYm/2RtsCXRq7Q1iWbCAoeAtZ"
)
TC_GDK_BLOB = (
    "GPJUsGlmPcSjHKIktXGyzn33yestz+7NteW36M6FuL8hPfJ1xVfdO6Akr8sF69x3yBXMwto4njumJMIsi9WKow==-k-"
    "XqqalxTyNKIC1rITRePFGQ==-k-xAL9z9eXIHV/p+WT1RsHP3dm6f43bkomXjwmvWdMXH+JQoFORTThfXgcRh1f9lPNL"
    "ENK4+fCOiQVG1VvLdA0RvcuRvU="
)
TC_GDK_PLAINTEXT = (
    "q+EouJ/tGeiZIo9/tIl2baxQOBFxcN0PNn7F6EIEvpDR6kvQmHohD5PTbUCKPkct6K8jOiYpbuaWZthxco0phMRSE4+H"
    "pB17rX4jmlW8pw3eHWOZo8yRyq/c7RVVo0+DtZofszwhMirQyjcBTJWhLt7xywtE5zqhDjngeEktAEw="
)
TC_ERROR_REQUEST_ID = "ed93f3cb-f35e-473f-b9f3-0d451b8b79c6"  # the envelope page's example
TC_OLD_DECRYPT_BLOB = "Ade234dasdeEWdGVzdCUyMHBsYWlJJlIHL"  # examples.json Decrypt input, 2019-2023


# -- responses ----------------------------------------------------------------------------
def tc_json(inner: dict[str, Any]) -> dict[str, Any]:
    return {
        "status": 200,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps({"Response": inner}, indent=4).encode("utf-8"),
    }


def tc_error(code: str, message: str) -> dict[str, Any]:
    return tc_json({"Error": {"Code": code, "Message": message}, "RequestId": TC_ERROR_REQUEST_ID})


EXAMPLES: list[DocExample] = [
    {
        "name": "encrypt",
        "source": TC_ENCRYPT,
        "note": "Request: the documented call (KeyId, Plaintext 'dGVzdAo=', EncryptionContext "
        '\'{"key1":"value1"}\'), as our adapter sends it. Response: the documented output, '
        "verbatim. Tencent reports no key version.",
        "call": encrypt_call(TC_KEY, TC_PLAINTEXT, context=TC_CONTEXT),
        "response": tc_json(
            {
                "CiphertextBlob": TC_ENC_BLOB,
                "KeyId": TC_KEY,
                "RequestId": "017f4b2a-4ae8-4d2c-a0d2-ec15e07d3deb",
            }
        ),
        "expect": ok(
            "EncryptResult",
            TC_KEY,
            None,
            "017f4b2a-4ae8-4d2c-a0d2-ec15e07d3deb",
            ciphertext_b64=b64(TC_ENC_BLOB.encode("ascii")),
        ),
    },
    {
        "name": "encrypt_cmk_not_found",
        "source": TC_ENCRYPT + TC_ERRORS,
        "note": "Request: the documented Encrypt call. Answer: the Encrypt page's error code "
        "'ResourceUnavailable.CmkNotFound / The CMK does not exist.' in the documented error "
        "envelope (HTTP 200), with the envelope page's example RequestId.",
        "call": encrypt_call(TC_KEY, TC_PLAINTEXT, context=TC_CONTEXT),
        "response": tc_error("ResourceUnavailable.CmkNotFound", "The CMK does not exist."),
        "expect": failed(
            "KeyNotFoundError", "ResourceUnavailable.CmkNotFound", 200, TC_ERROR_REQUEST_ID
        ),
    },
    {
        "name": "decrypt",
        "source": TC_DECRYPT,
        "note": "Request: the documented CiphertextBlob and EncryptionContext; the doc example "
        "also sends EncryptionAlgorithm 'SM2' (without a public key), which unikms does not "
        "send. Response: the documented output, verbatim.",
        "call": decrypt_call(TC_ENC_BLOB, context=TC_CONTEXT),
        "response": tc_json(
            {
                "KeyId": TC_KEY,
                "Plaintext": "dGVzdAo=",
                "RequestId": "4c857b16-e977-4086-b33a-532613f03abd",
            }
        ),
        "expect": ok(
            "DecryptResult",
            TC_KEY,
            None,
            "4c857b16-e977-4086-b33a-532613f03abd",
            plaintext_b64="dGVzdAo=",
        ),
    },
    {
        "name": "decrypt_invalid_ciphertext",
        "source": [
            f"{TC_CLI} @ 0df75d6e (2023-04-28), actions.Decrypt[0] input (CiphertextBlob)",
            "https://www.tencentcloud.com/document/product/1030/32198 (Decrypt error codes)",
            "TencentCloud/tencentcloud-sdk-go-intl-en:tencentcloud/kms/v20190118/errors.go"
            " (message 'Incorrect ciphertext format')",
            *TC_ERRORS,
        ],
        "note": "Request: the CiphertextBlob of the older official Decrypt example "
        "('Ade234dasdeEWdGVzdCUyMHBsYWlJJlIHL', not in the published '-k-' shape). Answer: the "
        "Decrypt page's error code 'InvalidParameterValue.InvalidCiphertext' with the SDK's "
        "English message, in the documented envelope (HTTP 200), with the envelope page's "
        "example RequestId.",
        "call": decrypt_call(TC_OLD_DECRYPT_BLOB),
        "response": tc_error(
            "InvalidParameterValue.InvalidCiphertext", "Incorrect ciphertext format"
        ),
        "expect": failed(
            "DecryptionFailedError",
            "InvalidParameterValue.InvalidCiphertext",
            200,
            TC_ERROR_REQUEST_ID,
        ),
    },
    {
        "name": "generate_data_key",
        "source": TC_GDK,
        "note": "Request: generate_data_key(documented KeyId, number_of_bytes=32, context "
        '{"key1": "value1"}) as our adapter sends it; the doc example also sends KeySpec '
        "AES_256 (NumberOfBytes prevails) and an EncryptionPublicKey with EncryptionAlgorithm "
        "SM2, which unikms does not send. Response: the documented output, verbatim; because "
        "of that public key its Plaintext is the SM2-encrypted data key (128 bytes once "
        "decoded), which the adapter passes through as given.",
        "call": gdk_call(TC_KEY, 32, context=TC_CONTEXT),
        "response": tc_json(
            {
                "CiphertextBlob": TC_GDK_BLOB,
                "KeyId": TC_KEY,
                "Plaintext": TC_GDK_PLAINTEXT,
                "RequestId": "044e823a-7a0c-4603-b03c-e99be5df998d",
            }
        ),
        "expect": ok(
            "DataKey",
            TC_KEY,
            None,
            "044e823a-7a0c-4603-b03c-e99be5df998d",
            plaintext_b64=TC_GDK_PLAINTEXT,
            ciphertext_b64=b64(TC_GDK_BLOB.encode("ascii")),
        ),
    },
    {
        "name": "generate_data_key_cmk_not_found",
        "source": TC_GDK + TC_ERRORS,
        "note": "Request: as in generate_data_key. Answer: the GenerateDataKey error code "
        "'ResourceUnavailable.CmkNotFound / The CMK does not exist.' in the documented "
        "envelope (HTTP 200), with the envelope page's example RequestId.",
        "call": gdk_call(TC_KEY, 32, context=TC_CONTEXT),
        "response": tc_error("ResourceUnavailable.CmkNotFound", "The CMK does not exist."),
        "expect": failed(
            "KeyNotFoundError", "ResourceUnavailable.CmkNotFound", 200, TC_ERROR_REQUEST_ID
        ),
    },
]


def examples() -> list[DocExample]:
    """Tencent's documented Encrypt, Decrypt, GenerateDataKey and their errors."""
    return EXAMPLES
