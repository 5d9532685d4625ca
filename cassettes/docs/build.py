"""Build the documentation-derived cassettes: the vendors' published examples, through our adapters.

Each example below is a documented call (Encrypt, Decrypt, GenerateDataKey, or one of their
documented error answers) for one dialect. For each, a stub HTTP server on 127.0.0.1 answers
with the documented response (status, headers, body) while the real adapter makes the neutral
call, recorded with the project's vcrpy preset (``cassette_vcr(record_mode="all")``), so the
request in the cassette is exactly what our adapter sends and credentials are scrubbed as in
every other cassette. The top-level ``unikms:`` entry then says where the answer comes from
(``source``), what was substituted (``note``), which neutral call replays it (``call``) and
what the adapter must turn it into (``expect``); ``tests/test_doc_cassettes.py`` checks that.

Run with the project venv, from the repository root::

    .venv/bin/python cassettes/docs/build.py

Existing cassettes under ``cassettes/docs/<dialect>/`` are replaced. Documented values are
masked with ``****``: ids are kept verbatim (the adapters pass them through as strings), while
Base64 and binary fields that the adapters decode get a stated stand-in (``****`` -> ``AAAA``).
"""

from __future__ import annotations

import base64
import contextlib
import http.server
import json
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

ROOT = Path(__file__).resolve().parent
sys.path[:0] = [str(ROOT.parent.parent), str(ROOT.parent.parent / "adapters")]

import yaml  # noqa: E402

import unikms  # noqa: E402
from unikms.contract.cassettes import cassette_vcr, load_cassette  # noqa: E402
from unikms.contract.scenarios import PUBLIC_PLAINTEXTS  # noqa: E402
from unikms.contract.targets import emulator_urls  # noqa: E402
from unikms.dialects.alibaba.dkms.wire import pb  # noqa: E402
from unikms.emulator.credentials import EmulatorCredentials  # noqa: E402
from unikms.types import Dialect  # noqa: E402

HELLO = PUBLIC_PLAINTEXTS[0]  # b"unikms contract: hello": the plaintext we send to Alibaba
REPLAY_ENDPOINT = "127.0.0.1:9"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unmask(text: str) -> str:
    """A documented Base64 value with its ``****`` mask replaced by ``AAAA``, and the ``=``
    padding added where the documented value's length needs it (valid Base64)."""
    out = text.replace("****", "AAAA")
    out += "=" * (-len(out) % 4)
    base64.b64decode(out, validate=True)
    return out


# -- sources ------------------------------------------------------------------------------
ALI_ENCRYPT = [
    "https://www.alibabacloud.com/help/en/kms/key-management-service/developer-reference/api-encrypt",
    "shared/seeds/002_ce1e588fc2bf373a.txt (stored copy of that page, updated Sep 09, 2024)",
]
ALI_DECRYPT = [
    "https://www.alibabacloud.com/help/en/kms/support/api-kms-decrypt",
    "https://www.alibabacloud.com/help/doc-detail/28950.htm",
    "https://www.alibabacloud.com/help/en/kms/key-management-service/developer-reference/api-decrypt",
]
ALI_GDK = [
    "https://www.alibabacloud.com/help/en/kms/key-management-service/developer-reference/api-generatedatakey",
    "aliyun/alibabacloud-typescript-sdk:kms-20160120/src/models/GenerateDataKeyResponseBody.ts"
    " @ dea7cbff (the same documented example values, generated from the API metadata)",
]
ALI_ERRORS = [
    "https://www.alibabacloud.com/help/en/kms/key-management-service/support/sample-responses"
    " (error envelope: HttpStatus, Code, Message, RequestId)",
    "/work/notes/alibaba-classic.md §0 and §1d; shared/docs/wire-protocols.md 1.5.1",
]
ALI_FAQ_REGION = (
    "AlibabaCloudDocs/kms:intl.zh-CN/常见问题/解密时为何出现 Forbidden.KeyNotFound 的错误？.md"  # noqa: RUF001 -- the file's real name
    " (Decrypt answers Forbidden.KeyNotFound for a ciphertext from another region)"
)
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
INST_ENCRYPT = [
    "https://www.alibabacloud.com/help/en/kms/key-management-service/developer-reference/encrypt-2",
    "shared/seeds/000_d2e170ec4749dd4b.txt (stored copy of the instance Encrypt page)",
]
INST_ADVANCE = [
    "https://www.alibabacloud.com/help/en/kms/key-management-service/developer-reference/advanceencrypt",
    "shared/seeds/001_fcb67b32ffa43097.txt (stored copy of the AdvanceEncrypt page)",
]
INST_ADVANCE_GDK = [
    "https://www.alibabacloud.com/help/en/kms/key-management-service/developer-reference/advancegeneratedatakey",
    "/work/notes/alibaba-instance.md §5-6 (example KeyVersionId of that page)",
]
INST_ERRORS = [
    "https://www.alibabacloud.com/help/en/kms/key-management-service/developer-reference/common-error-codes-1",
    "/work/notes/alibaba-instance.md §1 (error table); shared/docs/wire-protocols.md 2.5 (Error"
    " message, e.g. the Error{404 Forbidden.KeyNotFound} encoding) and 2.7",
]
INST_PB_NOTE = (
    "The instance docs give field values only, no byte-level responses: the protobuf answer is "
    "built with unikms.dialects.alibaba.dkms.wire.pb from the documented example field values. "
)

# -- documented values --------------------------------------------------------------------
ALI_KEY = "key-hzz630494463ejqjx****"
ALI_ENC_VERSION = "86a9efd9-3d16-4894-bd4f-1fc43f3f****"
ALI_ENC_BLOB_DOC = (
    "DZhOWVmZDktM2QxNi00ODk0LWJkNGYtMWZjNDNmM2YyYWJmaaSl+TztSIMe43nbTH/Z1Wr4XfLftKhAciUmDQXuMRl4"
    "WTvKhxjMThjK****"
)
ALI_ENC_REQUEST_ID = "475f1620-b9d3-4d35-b5c6-3fbdd941423d"
ALI_DEC_KEY = "202b9877-5a25-46e3-a763-e20791b5****"
ALI_DEC_VERSION = "2ab1a983-7072-4bbc-a582-584b5bd8****"
ALI_DEC_PLAINTEXT_DOC = "tRYXuCwgja12xxO1N/gZERDDCLw9doZEQiPDk/Bv****"
ALI_DEC_REQUEST_ID = "207596a2-36d3-4840-b1bd-f87044699bd7"
ALI_GDK_KEY = "7906979c-8e06-46a2-be2d-68e3ccbc****"
ALI_GDK_BLOB_DOC = (
    "ODZhOWVmZDktM2QxNi00ODk0LWJkNGYtMWZjNDNmM2YyYWJmS7FmDBBQ0BkKsQrtRnidtPwirmDcS0ZuJCU41xxAAWk4"
    "Z8qsADfbV0b+i6kQmlvj79dJdGOvtX69Uycs901qOjop4bTS****"
)
ALI_GDK_PLAINTEXT_DOC = "QmFzZTY0IGVuY29kZWQgcGxhaW50****"
ALI_GDK_REQUEST_ID = "7021b6ec-4be7-4d3c-8a68-1e85d4d515a0"
ALI_ERROR_REQUEST_ID = "e85db688-a2d3-44ca-9790-4259f59e90d8"  # the envelope page's example

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

INST_KEY = "key-hzz62f1cb66fa42qo****"
INST_ADV_VERSION = "key-hzz62f1cb66fa42qopd9s-17kedv****"  # AdvanceEncrypt page
INST_GDK_VERSION = "key-hzz62f1cb66fa42qo****-17kedv****"  # AdvanceGenerateDataKey page
INST_ENC_REQUEST_ID = "475f1620-b9d3-4d35-b5c6-3fbdd941423d"  # instance Encrypt page
INST_ADV_REQUEST_ID = "c0037a6d-7784-4ef2-a692-288fdefc7b9d"  # AdvanceEncrypt page
ZERO_IV = bytes(12)
#: an Advance blob in the documented layout ('$', 0x00, AES_GCM 0x02, 36-byte version id, IV,
#: GCM body); the body bytes (ciphertext || tag of HELLO) are zeros: the docs say "Binary data"
ADVANCE_BLOB = b"$\x00\x02" + INST_ADV_VERSION.encode() + ZERO_IV + bytes(len(HELLO) + 16)
GDK_ADVANCE_BLOB = b"$\x00\x02" + INST_GDK_VERSION.encode() + ZERO_IV + bytes(32 + 16)
INST_DATA_KEY = bytes(32)


# -- responses ----------------------------------------------------------------------------
def ali_json(status: int, doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "status": status,
        "headers": {"Content-Type": "application/json;charset=utf-8"},
        "body": json.dumps(doc, indent=2).encode("utf-8"),
    }


def ali_error(status: int, code: str, message: str) -> dict[str, Any]:
    return ali_json(
        status,
        {"HttpStatus": status, "Code": code, "Message": message, "RequestId": ALI_ERROR_REQUEST_ID},
    )


def tc_json(inner: dict[str, Any]) -> dict[str, Any]:
    return {
        "status": 200,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps({"Response": inner}, indent=4).encode("utf-8"),
    }


def tc_error(code: str, message: str) -> dict[str, Any]:
    return tc_json({"Error": {"Code": code, "Message": message}, "RequestId": TC_ERROR_REQUEST_ID})


def gateway(status: int, message: Any) -> dict[str, Any]:
    return {
        "status": status,
        "headers": {"Content-Type": "application/x-protobuf"},
        "body": bytes(message.SerializeToString()),
    }


def gateway_error(status: int, code: str, message: str, request_id: str) -> dict[str, Any]:
    return gateway(
        status,
        pb.Error(StatusCode=status, ErrorCode=code, ErrorMessage=message, RequestId=request_id),
    )


def ok(
    result: str, key_id: str, version: str | None, request_id: str, **more: Any
) -> dict[str, Any]:
    return {
        "result": result,
        "key_id": key_id,
        "key_version_id": version,
        "request_id": request_id,
        **more,
    }


def failed(error: str, code: str, status: int, request_id: str) -> dict[str, Any]:
    return {"error": error, "code": code, "http_status": status, "request_id": request_id}


def encrypt_call(key: str, plaintext: bytes, **more: Any) -> dict[str, Any]:
    return {"method": "encrypt", "key": key, "plaintext_b64": b64(plaintext), **more}


def decrypt_call(ciphertext: str | bytes, **more: Any) -> dict[str, Any]:
    if isinstance(ciphertext, str):
        return {"method": "decrypt", "ciphertext_text": ciphertext, **more}
    return {"method": "decrypt", "ciphertext_b64": b64(ciphertext), **more}


def gdk_call(key: str, number_of_bytes: int, **more: Any) -> dict[str, Any]:
    return {"method": "generate_data_key", "key": key, "number_of_bytes": number_of_bytes, **more}


ALI_REQUEST_NOTE = (
    "The request plaintext is ours (a public contract plaintext, b'unikms contract: hello'), not "
    "the doc's masked 'SGVsbG8gd29y****'; the answer is the documented one. "
)

EXAMPLES: list[dict[str, Any]] = [
    # ---------------------------------------------------------------- Alibaba classic
    {
        "dialect": Dialect.ALIBABA_CLASSIC,
        "name": "encrypt",
        "source": ALI_ENCRYPT,
        "note": ALI_REQUEST_NOTE + "Response: the documented JSON sample, with the masked "
        "CiphertextBlob's trailing '****' replaced by 'AAAA' and one '=' of padding added (the "
        "documented value is 107 characters) so that it is valid Base64; KeyId "
        "and KeyVersionId are verbatim (masks included).",
        "call": encrypt_call(ALI_KEY, HELLO),
        "response": ali_json(
            200,
            {
                "KeyVersionId": ALI_ENC_VERSION,
                "KeyId": ALI_KEY,
                "CiphertextBlob": unmask(ALI_ENC_BLOB_DOC),
                "RequestId": ALI_ENC_REQUEST_ID,
            },
        ),
        "expect": ok(
            "EncryptResult",
            ALI_KEY,
            ALI_ENC_VERSION,
            ALI_ENC_REQUEST_ID,
            ciphertext_b64=unmask(ALI_ENC_BLOB_DOC),
        ),
    },
    {
        "dialect": Dialect.ALIBABA_CLASSIC,
        "name": "encrypt_key_not_found",
        "source": ALI_ENCRYPT + ALI_ERRORS,
        "note": ALI_REQUEST_NOTE + "Answer: the Encrypt page's error row '404 "
        "Forbidden.KeyNotFound / The specified Key is not found.' in the documented JSON error "
        "envelope; the docs give no RequestId for it, so the envelope page's example RequestId "
        "is used.",
        "call": encrypt_call(ALI_KEY, HELLO),
        "response": ali_error(404, "Forbidden.KeyNotFound", "The specified Key is not found."),
        "expect": failed("KeyNotFoundError", "Forbidden.KeyNotFound", 404, ALI_ERROR_REQUEST_ID),
    },
    {
        "dialect": Dialect.ALIBABA_CLASSIC,
        "name": "encrypt_alias_not_found",
        "source": ALI_ENCRYPT + ALI_ERRORS,
        "note": ALI_REQUEST_NOTE + "The key is an alias (the docs' example alias name "
        "alias/ExampleAlias1, from the ListAliases example). Answer: the Encrypt page's error row "
        "'404 Forbidden.AliasNotFound / The specified Alias is not found.' in the documented "
        "envelope, with the envelope page's example RequestId.",
        "call": encrypt_call("alias/ExampleAlias1", HELLO),
        "response": ali_error(404, "Forbidden.AliasNotFound", "The specified Alias is not found."),
        "expect": failed("KeyNotFoundError", "Forbidden.AliasNotFound", 404, ALI_ERROR_REQUEST_ID),
    },
    {
        "dialect": Dialect.ALIBABA_CLASSIC,
        "name": "encrypt_invalid_parameter",
        "source": ALI_ENCRYPT + ALI_ERRORS,
        "note": ALI_REQUEST_NOTE + "Answer: the Encrypt page's error row '400 InvalidParameter "
        "/ The specified parameter is invalid.' in the documented envelope, with the envelope "
        "page's example RequestId. The docs do not say which input triggers it; on encrypt it "
        "is a rejected request (InvalidRequestError).",
        "call": encrypt_call(ALI_KEY, HELLO),
        "response": ali_error(400, "InvalidParameter", "The specified parameter is invalid."),
        "expect": failed("InvalidRequestError", "InvalidParameter", 400, ALI_ERROR_REQUEST_ID),
    },
    {
        "dialect": Dialect.ALIBABA_CLASSIC,
        "name": "decrypt",
        "source": ALI_DECRYPT,
        "note": "Request: the documented CiphertextBlob, sent verbatim as a native str "
        "(kms.decrypt(str)), masks included. Response: the documented JSON sample with the "
        "masked Plaintext's '****' replaced by 'AAAA' (valid Base64); KeyId, KeyVersionId and "
        "RequestId verbatim. The neutral plaintext is the Base64-decoded Plaintext.",
        "call": decrypt_call(ALI_ENC_BLOB_DOC),
        "response": ali_json(
            200,
            {
                "KeyId": ALI_DEC_KEY,
                "KeyVersionId": ALI_DEC_VERSION,
                "Plaintext": unmask(ALI_DEC_PLAINTEXT_DOC),
                "RequestId": ALI_DEC_REQUEST_ID,
            },
        ),
        "expect": ok(
            "DecryptResult",
            ALI_DEC_KEY,
            ALI_DEC_VERSION,
            ALI_DEC_REQUEST_ID,
            plaintext_b64=unmask(ALI_DEC_PLAINTEXT_DOC),
        ),
    },
    {
        "dialect": Dialect.ALIBABA_CLASSIC,
        "name": "decrypt_key_not_found",
        "source": ALI_DECRYPT + ALI_ERRORS + [ALI_FAQ_REGION],
        "note": "Request: the documented CiphertextBlob, verbatim. Answer: the Decrypt page's "
        "error row '404 Forbidden.KeyNotFound' in the documented envelope, with the envelope "
        "page's example RequestId. On decrypt a missing key is CiphertextKeyNotFoundError.",
        "call": decrypt_call(ALI_ENC_BLOB_DOC),
        "response": ali_error(404, "Forbidden.KeyNotFound", "The specified Key is not found."),
        "expect": failed(
            "CiphertextKeyNotFoundError", "Forbidden.KeyNotFound", 404, ALI_ERROR_REQUEST_ID
        ),
    },
    {
        "dialect": Dialect.ALIBABA_CLASSIC,
        "name": "decrypt_invalid_parameter",
        "source": ALI_DECRYPT + ALI_ERRORS,
        "note": "Request: the documented CiphertextBlob, verbatim (its '****' mask makes it "
        "invalid Base64). Answer: '400 InvalidParameter / The specified parameter is not valid.' "
        "(common error table) in the documented envelope, with the envelope page's example "
        "RequestId. That a bad ciphertext answers InvalidParameter is an inference "
        "(alibaba-classic.md §1e); on decrypt unikms classes it as DecryptionFailedError.",
        "call": decrypt_call(ALI_ENC_BLOB_DOC),
        "response": ali_error(400, "InvalidParameter", "The specified parameter is not valid."),
        "expect": failed("DecryptionFailedError", "InvalidParameter", 400, ALI_ERROR_REQUEST_ID),
    },
    {
        "dialect": Dialect.ALIBABA_CLASSIC,
        "name": "generate_data_key",
        "source": ALI_GDK,
        "note": "Request: what the adapter sends for generate_data_key(key, number_of_bytes=32) "
        "with the documented KeyId (unikms always sends NumberOfBytes). Response: the "
        "documented example values; the masked CiphertextBlob and Plaintext have '****' "
        "replaced by 'AAAA' (valid Base64). The documented Plaintext decodes to 24 bytes, not "
        "32: the adapter passes the service's data key through unchecked.",
        "call": gdk_call(ALI_GDK_KEY, 32),
        "response": ali_json(
            200,
            {
                "CiphertextBlob": unmask(ALI_GDK_BLOB_DOC),
                "KeyId": ALI_GDK_KEY,
                "KeyVersionId": ALI_DEC_VERSION,
                "Plaintext": unmask(ALI_GDK_PLAINTEXT_DOC),
                "RequestId": ALI_GDK_REQUEST_ID,
            },
        ),
        "expect": ok(
            "DataKey",
            ALI_GDK_KEY,
            ALI_DEC_VERSION,
            ALI_GDK_REQUEST_ID,
            plaintext_b64=unmask(ALI_GDK_PLAINTEXT_DOC),
            ciphertext_b64=unmask(ALI_GDK_BLOB_DOC),
        ),
    },
    {
        "dialect": Dialect.ALIBABA_CLASSIC,
        "name": "generate_data_key_key_not_found",
        "source": ALI_GDK + ALI_ERRORS,
        "note": "Request: generate_data_key(documented KeyId, number_of_bytes=32). Answer: the "
        "GenerateDataKey page's error row '404 Forbidden.KeyNotFound' in the documented "
        "envelope, with the envelope page's example RequestId.",
        "call": gdk_call(ALI_GDK_KEY, 32),
        "response": ali_error(404, "Forbidden.KeyNotFound", "The specified Key is not found."),
        "expect": failed("KeyNotFoundError", "Forbidden.KeyNotFound", 404, ALI_ERROR_REQUEST_ID),
    },
    # ---------------------------------------------------------------- Tencent
    {
        "dialect": Dialect.TENCENT,
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
        "dialect": Dialect.TENCENT,
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
        "dialect": Dialect.TENCENT,
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
        "dialect": Dialect.TENCENT,
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
        "dialect": Dialect.TENCENT,
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
        "dialect": Dialect.TENCENT,
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
    # ---------------------------------------------------------------- Alibaba instance gateway
    {
        "dialect": Dialect.ALIBABA_INSTANCE,
        "name": "encrypt",
        "source": INST_ADVANCE,
        "note": INST_PB_NOTE + "kms.encrypt(key, b'unikms contract: hello') sends "
        "AdvanceEncrypt. AdvanceEncryptResponse: KeyId, KeyVersionId, Algorithm AES_GCM and "
        "RequestId as documented; CiphertextBlob and Iv are 'Binary data' in the docs, so the "
        "blob is ours in the documented Advance layout ('$' 0x00 0x02, the 36-byte version id, "
        "a zero IV, a zero GCM body) and the Iv is 12 zero bytes.",
        "call": encrypt_call(INST_KEY, HELLO),
        "response": gateway(
            200,
            pb.AdvanceEncryptResponse(
                KeyId=INST_KEY,
                CiphertextBlob=ADVANCE_BLOB,
                Iv=ZERO_IV,
                RequestId=INST_ADV_REQUEST_ID,
                Algorithm="AES_GCM",
                KeyVersionId=INST_ADV_VERSION,
            ),
        ),
        "expect": ok(
            "EncryptResult",
            INST_KEY,
            INST_ADV_VERSION,
            INST_ADV_REQUEST_ID,
            algorithm="AES_GCM",
            iv_b64=b64(ZERO_IV),
            ciphertext_b64=b64(ADVANCE_BLOB),
        ),
    },
    {
        "dialect": Dialect.ALIBABA_INSTANCE,
        "name": "encrypt_initial_version",
        "source": INST_ENCRYPT,
        "note": INST_PB_NOTE + "kms.encrypt(key, ..., version=INITIAL) sends Encrypt. "
        "EncryptResponse: KeyId, Algorithm AES_GCM and RequestId as documented; CiphertextBlob "
        "and Iv are 'Binary data' in the docs: zero bytes of the GCM body's length and a "
        "12-byte zero IV. Encrypt reports no key version; unikms wraps the answer in its own "
        "detached 'UKD1' blob (not checked here: its bytes are unikms's format).",
        "call": encrypt_call(INST_KEY, HELLO, version="INITIAL"),
        "response": gateway(
            200,
            pb.EncryptResponse(
                KeyId=INST_KEY,
                CiphertextBlob=bytes(len(HELLO) + 16),
                Iv=ZERO_IV,
                RequestId=INST_ENC_REQUEST_ID,
                Algorithm="AES_GCM",
            ),
        ),
        "expect": ok(
            "EncryptResult",
            INST_KEY,
            None,
            INST_ENC_REQUEST_ID,
            algorithm="AES_GCM",
            iv_b64=b64(ZERO_IV),
        ),
    },
    {
        "dialect": Dialect.ALIBABA_INSTANCE,
        "name": "encrypt_key_not_found",
        "source": INST_ADVANCE + INST_ERRORS,
        "note": INST_PB_NOTE + "Answer: the common error row '404 Forbidden.KeyNotFound / The "
        "specified key does not exist.' as a protobuf Error at HTTP 404; the docs give no "
        "RequestId for it, so the AdvanceEncrypt page's example RequestId is used.",
        "call": encrypt_call(INST_KEY, HELLO),
        "response": gateway_error(
            404, "Forbidden.KeyNotFound", "The specified key does not exist.", INST_ADV_REQUEST_ID
        ),
        "expect": failed("KeyNotFoundError", "Forbidden.KeyNotFound", 404, INST_ADV_REQUEST_ID),
    },
    {
        "dialect": Dialect.ALIBABA_INSTANCE,
        "name": "encrypt_only_symmetric_key_supported",
        "source": INST_ADVANCE,
        "note": INST_PB_NOTE + "Answer: the AdvanceEncrypt page's error row '404 "
        "Forbidden.OnlySymmetricKeySupported / The key %s is not a symmetric key. The API only "
        "supports symmetric keys.' (with %s filled in by the KeyId) as a protobuf Error at HTTP "
        "404, with the page's example RequestId.",
        "call": encrypt_call(INST_KEY, HELLO),
        "response": gateway_error(
            404,
            "Forbidden.OnlySymmetricKeySupported",
            f"The key {INST_KEY} is not a symmetric key. The API only supports symmetric keys.",
            INST_ADV_REQUEST_ID,
        ),
        "expect": failed(
            "WrongKeyTypeError", "Forbidden.OnlySymmetricKeySupported", 404, INST_ADV_REQUEST_ID
        ),
    },
    {
        "dialect": Dialect.ALIBABA_INSTANCE,
        "name": "decrypt",
        "source": INST_ADVANCE,
        "note": INST_PB_NOTE + "kms.decrypt(the Advance blob of encrypt.yaml) sends "
        "AdvanceDecrypt. AdvanceDecryptResponse: KeyId, KeyVersionId, Algorithm AES_GCM as "
        "documented for AdvanceEncrypt; Plaintext is the plaintext we sent; the RequestId is the "
        "AdvanceEncrypt page's example (no AdvanceDecrypt example value was found).",
        "call": decrypt_call(ADVANCE_BLOB),
        "response": gateway(
            200,
            pb.AdvanceDecryptResponse(
                KeyId=INST_KEY,
                Plaintext=HELLO,
                RequestId=INST_ADV_REQUEST_ID,
                Algorithm="AES_GCM",
                KeyVersionId=INST_ADV_VERSION,
            ),
        ),
        "expect": ok(
            "DecryptResult",
            INST_KEY,
            INST_ADV_VERSION,
            INST_ADV_REQUEST_ID,
            algorithm="AES_GCM",
            plaintext_b64=b64(HELLO),
        ),
    },
    {
        "dialect": Dialect.ALIBABA_INSTANCE,
        "name": "decrypt_key_not_found",
        "source": INST_ADVANCE + INST_ERRORS,
        "note": INST_PB_NOTE + "kms.decrypt(the Advance blob of encrypt.yaml); answer: '404 "
        "Forbidden.KeyNotFound / The specified key does not exist.' as a protobuf Error, with "
        "the AdvanceEncrypt page's example RequestId. On decrypt a missing key is "
        "CiphertextKeyNotFoundError.",
        "call": decrypt_call(ADVANCE_BLOB),
        "response": gateway_error(
            404, "Forbidden.KeyNotFound", "The specified key does not exist.", INST_ADV_REQUEST_ID
        ),
        "expect": failed(
            "CiphertextKeyNotFoundError", "Forbidden.KeyNotFound", 404, INST_ADV_REQUEST_ID
        ),
    },
    {
        "dialect": Dialect.ALIBABA_INSTANCE,
        "name": "generate_data_key",
        "source": INST_ADVANCE_GDK,
        "note": INST_PB_NOTE + "kms.generate_data_key(key, number_of_bytes=32) sends "
        "AdvanceGenerateDataKey (NumberOfBytes 32 is the page's example). "
        "AdvanceGenerateDataKeyResponse: KeyId, KeyVersionId ('key-hzz62f1cb66fa42qo****-"
        "17kedv****', that page's example), Algorithm AES_GCM; Plaintext, CiphertextBlob and "
        "Iv are 'Binary data' in the docs: a 32-byte zero data key, a blob of ours in the "
        "Advance layout, a zero IV. No example RequestId was found for this page; the "
        "AdvanceEncrypt page's is used.",
        "call": gdk_call(INST_KEY, 32),
        "response": gateway(
            200,
            pb.AdvanceGenerateDataKeyResponse(
                KeyId=INST_KEY,
                Iv=ZERO_IV,
                Plaintext=INST_DATA_KEY,
                CiphertextBlob=GDK_ADVANCE_BLOB,
                RequestId=INST_ADV_REQUEST_ID,
                Algorithm="AES_GCM",
                KeyVersionId=INST_GDK_VERSION,
            ),
        ),
        "expect": ok(
            "DataKey",
            INST_KEY,
            INST_GDK_VERSION,
            INST_ADV_REQUEST_ID,
            algorithm="AES_GCM",
            plaintext_b64=b64(INST_DATA_KEY),
            ciphertext_b64=b64(GDK_ADVANCE_BLOB),
        ),
    },
    {
        "dialect": Dialect.ALIBABA_INSTANCE,
        "name": "generate_data_key_only_symmetric_key_supported",
        "source": INST_ADVANCE_GDK,
        "note": INST_PB_NOTE + "Answer: the AdvanceGenerateDataKey page's error row '404 "
        "Forbidden.OnlySymmetricKeySupported' (message with %s filled in by the KeyId) as a "
        "protobuf Error, with the AdvanceEncrypt page's example RequestId.",
        "call": gdk_call(INST_KEY, 32),
        "response": gateway_error(
            404,
            "Forbidden.OnlySymmetricKeySupported",
            f"The key {INST_KEY} is not a symmetric key. The API only supports symmetric keys.",
            INST_ADV_REQUEST_ID,
        ),
        "expect": failed(
            "WrongKeyTypeError", "Forbidden.OnlySymmetricKeySupported", 404, INST_ADV_REQUEST_ID
        ),
    },
]


# -- recording ----------------------------------------------------------------------------
class _Stub(http.server.BaseHTTPRequestHandler):
    answer: ClassVar[dict[str, Any]] = {}

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        answer = type(self).answer
        body = answer["body"]
        self.send_response_only(answer["status"])
        for name, value in answer["headers"].items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST

    def log_message(self, *args: object) -> None:
        pass


@contextlib.contextmanager
def stub_server() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Stub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def neutral_call(kms: Any, call: dict[str, Any]) -> Any:
    """Make the documented call through the neutral API (the same as the test does)."""
    from unikms.types import KeyVersion

    context = call.get("context")
    if call["method"] == "encrypt":
        version = KeyVersion[call.get("version", "PRIMARY")]
        plaintext = base64.b64decode(call["plaintext_b64"])
        return kms.encrypt(call["key"], plaintext, context=context, version=version)
    if call["method"] == "decrypt":
        ciphertext = call.get("ciphertext_text") or base64.b64decode(call["ciphertext_b64"])
        return kms.decrypt(ciphertext, context=context)
    return kms.generate_data_key(
        call["key"], number_of_bytes=call["number_of_bytes"], context=context
    )


def record(example: dict[str, Any], urls: dict[Dialect, str], endpoint: str) -> Path:
    dialect: Dialect = example["dialect"]
    out = ROOT / dialect.value
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{example['name']}.yaml"
    path.unlink(missing_ok=True)
    _Stub.answer = example["response"]
    kms = unikms.connect(urls[dialect])
    try:
        # credentials are scrubbed as usual; the answers are the vendors' published examples
        config = cassette_vcr(out, record_mode="all", scrub_answers=False)
        # an error answer raises: the test checks what it became
        with config.use_cassette(path.name), contextlib.suppress(unikms.KmsError):
            neutral_call(kms, example["call"])
    finally:
        kms.close()
    doc = load_cassette(path)
    assert len(doc["interactions"]) == 1, f"{path}: expected exactly one request"
    for interaction in doc["interactions"]:  # the stub's port would change on every build
        request = interaction["request"]
        request["uri"] = request["uri"].replace(endpoint, REPLAY_ENDPOINT)
        for name, values in request["headers"].items():
            if name.lower() == "host":
                request["headers"][name] = [v.replace(endpoint, REPLAY_ENDPOINT) for v in values]
    doc["unikms"] = {
        "kind": "documentation-derived",
        "dialect": dialect.value,
        "source": list(example["source"]),
        "note": example["note"],
        "produced_by": "cassettes/docs/build.py (the real adapter against a stub answering "
        "with the documented response)",
        "call": example["call"],
        "expect": example["expect"],
    }
    with open(path, "w", encoding="utf-8") as fh:
        yaml.safe_dump(doc, fh, sort_keys=False, allow_unicode=True, width=100)
    return path


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, stub_server() as endpoint:
        key = EmulatorCredentials().issue_client_key(tmp)
        urls = emulator_urls(endpoint, str(key.path), key.password)
        for example in EXAMPLES:
            print(record(example, urls, endpoint).relative_to(ROOT.parent.parent))


if __name__ == "__main__":
    main()
