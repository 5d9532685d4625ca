"""Alibaba Cloud KMS's documented examples (classic API and instance gateway), for
``cassettes/docs/build.py``: see :mod:`unikms.contract.doc_examples`. Declared by
``ContractSupport.doc_examples`` of both packages; loaded only when called.
"""

from __future__ import annotations

import json
from typing import Any

from unikms.contract.doc_examples import (
    HELLO,
    DocExample,
    b64,
    decrypt_call,
    encrypt_call,
    failed,
    gdk_call,
    ok,
    unmask,
)
from unikms.dialects.alibaba.dkms.wire import pb

__all__ = ["classic_examples", "instance_examples"]


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


ALI_REQUEST_NOTE = (
    "The request plaintext is ours (a public contract plaintext, b'unikms contract: hello'), not "
    "the doc's masked 'SGVsbG8gd29y****'; the answer is the documented one. "
)


CLASSIC: list[DocExample] = [
    {
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
        "name": "generate_data_key_key_not_found",
        "source": ALI_GDK + ALI_ERRORS,
        "note": "Request: generate_data_key(documented KeyId, number_of_bytes=32). Answer: the "
        "GenerateDataKey page's error row '404 Forbidden.KeyNotFound' in the documented "
        "envelope, with the envelope page's example RequestId.",
        "call": gdk_call(ALI_GDK_KEY, 32),
        "response": ali_error(404, "Forbidden.KeyNotFound", "The specified Key is not found."),
        "expect": failed("KeyNotFoundError", "Forbidden.KeyNotFound", 404, ALI_ERROR_REQUEST_ID),
    },
]

INSTANCE: list[DocExample] = [
    {
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


def classic_examples() -> list[DocExample]:
    """The classic API's documented Encrypt, Decrypt, GenerateDataKey and their errors."""
    return CLASSIC


def instance_examples() -> list[DocExample]:
    """The instance gateway's documented (Advance)Encrypt, Decrypt, GenerateDataKey and errors."""
    return INSTANCE
