"""AWS KMS's documented examples, for ``cassettes/docs/build.py``: see
:mod:`unikms.contract.doc_examples`. Declared by the package's
``ContractSupport.doc_examples``; loaded only when called.

The answers are the Examples sections of the API reference (docs.aws.amazon.com,
``API_Encrypt.html``, ``API_Decrypt.html``, ``API_GenerateDataKey.html``) and, for errors,
each page's Errors section (exception name, description, HTTP status) in the AWS JSON 1.1
error body (docs/dialects-aws.md, A20). The reference gives no sample error response: an
error's message is the exception's documented description, its request id the page's
example one.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from unikms.contract.doc_examples import (
    DocExample,
    decrypt_call,
    encrypt_call,
    failed,
    gdk_call,
    ok,
)

__all__ = ["examples"]

_API = "https://docs.aws.amazon.com/kms/latest/APIReference/"
#: the stored copy of API_Decrypt.html and API_GenerateDataKey.html read for these values
_STORED = "(stored copy of the page, Markdown conversion fetched 2026-09-26)"

# -- sources ------------------------------------------------------------------------------
AWS_ENCRYPT = [
    _API + "API_Encrypt.html (Examples: Example Response body)",
    "the same body quoted as test data 'from: https://docs.aws.amazon.com/kms/latest/APIReference/"
    "API_Encrypt.html' in a public C# KMS client's EncryptResultTests.cs (the page's Examples "
    "section itself was not among the stored copies read)",
]
AWS_DECRYPT = [_API + f"API_Decrypt.html (Examples: Example Request and Response) {_STORED}"]
AWS_GDK = [_API + f"API_GenerateDataKey.html (Examples: Example Request and Response) {_STORED}"]
AWS_ERROR_FORMAT = (
    "AWS JSON 1.1 error body {'__type': <exception>, 'message': <text>}, request id in "
    "x-amzn-RequestId (botocore parsers.py BaseJSONParser._do_error_parse; "
    "docs/dialects-aws.md A20)"
)


def _errors(page: str) -> str:
    return f"{_API}{page} (Errors: exception name, description, HTTP Status Code) {_STORED}"


#: the Encrypt page's copy was not read: its NotFoundException and DisabledException rows are
#: those of the Decrypt and GenerateDataKey pages (every KMS page shares the exception texts)
AWS_ENCRYPT_ERRORS = (
    f"{_API}API_Encrypt.html (Errors: NotFoundException and DisabledException, HTTP Status Code "
    "400); their descriptions and statuses as read in the stored copies of API_Decrypt.html and "
    "API_GenerateDataKey.html (Errors)"
)


# -- documented values --------------------------------------------------------------------
KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
KEY_ARN_EAST2 = f"arn:aws:kms:us-east-2:111122223333:key/{KEY_ID}"
KEY_ARN_WEST2 = f"arn:aws:kms:us-west-2:111122223333:key/{KEY_ID}"
ALIAS = "alias/ExampleAlias"
BLOB = (
    "CiDPoCH188S65r5Cy7pAhIFJMXDlU7mewhSlYUpuQIVBrhKmAQEBAgB4z6Ah9fPEuua+Qsu6QISBSTFw5VO5nsIUpWF"
    "KbkCFQa4AAAB9MHsGCSqGSIb3DQEHBqBuMGwCAQAwZwYJKoZIhvcNAQcBMB4GCWCGSAFlAwQBLjARBAxLc9b6QThC9jB"
    "/ZjYCARCAOt8la8qXLO5wB3JH2NlwWWzWRU2RKqpO9A/0psE5UWwkK6CnwoeC3Zj9Q0A66apZkbRglFfY1lTY+Tc="
)
PLAINTEXT_B64 = "VGhpcyBpcyBEYXkgMSBmb3IgdGhlIEludGVybmV0Cg=="  # "This is Day 1 for the Internet\n"
DEC_REQUEST_ID = "9e02f41f-1c6f-11e6-af63-ab8791945da7"
KEY_MATERIAL_ID = "0b7fd7ddbac6eef27907413567cad8c810e2883dc8a7534067a82ee1142fc1e6"
GDK_BLOB = (
    "AQEDAHjRYf5WytIc0C857tFSnBaPn2F8DgfmThbJlGfR8P3WlwAAAH4wfAYJKoZIhvcNAQcGoG8wbQIBADBoBgkqhkiG"
    "9w0BBwEwHgYJYIZIAWUDBAEuMBEEDEFogLqPWZconQhwHAIBEIA7d9AC7GeJJM34njQvg4Wf1d5sw0NIo1MrBqZa+Ydh"
    "V8MrkBQPeac0ReRVNDt9qleAt+SHgIRF8P0H+7U="
)
GDK_PLAINTEXT_B64 = "VdzKNHGzUAzJeRBVY+uUmofUGGiDzyB3+i9fVkh3piw="
GDK_REQUEST_ID = "4e6fc242-a86c-11e6-aff0-8333261e2fbd"

NOT_FOUND = "The request was rejected because the specified entity or resource could not be found."
DISABLED = "The request was rejected because the specified KMS key is not enabled."
INVALID_CIPHERTEXT = (
    "From the Decrypt or ReEncrypt operation, the request was rejected because the specified "
    "ciphertext, or additional authenticated data incorporated into the ciphertext, such as the "
    "encryption context, is corrupted, missing, or otherwise invalid."
)


# -- responses ----------------------------------------------------------------------------
def aws_json(status: int, doc: dict[str, Any], request_id: str) -> dict[str, Any]:
    """An answer as the pages show it: ``Content-Type: application/x-amz-json-1.1`` and
    ``x-amzn-RequestId``."""
    return {
        "status": status,
        "headers": {"Content-Type": "application/x-amz-json-1.1", "x-amzn-RequestId": request_id},
        "body": json.dumps(doc, indent=2).encode("utf-8"),
    }


def aws_error(code: str, message: str, request_id: str, status: int = 400) -> dict[str, Any]:
    return aws_json(status, {"__type": code, "message": message}, request_id)


_ENCRYPT_NOTE = (
    "Request: kms.encrypt(the documented key id, the plaintext of the Decrypt page's example, "
    "'This is Day 1 for the Internet\\n'). "
)
_DECRYPT_NOTE = (
    "Request: kms.decrypt(the documented CiphertextBlob, as bytes); the documented request also "
    "sends KeyId (the key ARN), which unikms's decrypt without a key does not. "
)
_GDK_NOTE = (
    "Request: kms.generate_data_key('alias/ExampleAlias', number_of_bytes=32); the documented "
    "request sends KeySpec AES_256, the same 32 bytes, where unikms always sends NumberOfBytes. "
)
_ERROR_NOTE = (
    "The API reference gives no sample error response: the answer is the page's documented "
    "exception and HTTP status in the AWS JSON 1.1 error body, its message the exception's "
    "documented description, its request id the page's example x-amzn-RequestId."
)

EXAMPLES: list[DocExample] = [
    {
        "name": "encrypt",
        "source": AWS_ENCRYPT,
        "note": _ENCRYPT_NOTE + "Response: the documented body (CiphertextBlob, KeyId as a "
        "us-east-2 key ARN, EncryptionAlgorithm), verbatim. The Encrypt page's x-amzn-RequestId "
        "was not in the copy read, so the Decrypt page's example request id is used. AWS reports "
        "no key version; the neutral key id is the ARN's key id.",
        "call": encrypt_call(KEY_ID, base64.b64decode(PLAINTEXT_B64)),
        "response": aws_json(
            200,
            {
                "CiphertextBlob": BLOB,
                "KeyId": KEY_ARN_EAST2,
                "EncryptionAlgorithm": "SYMMETRIC_DEFAULT",
            },
            DEC_REQUEST_ID,
        ),
        "expect": ok("EncryptResult", KEY_ID, None, DEC_REQUEST_ID, ciphertext_b64=BLOB),
    },
    {
        "name": "encrypt_not_found",
        "source": [*AWS_ENCRYPT, AWS_ENCRYPT_ERRORS, AWS_ERROR_FORMAT],
        "note": _ENCRYPT_NOTE + "Answer: NotFoundException, HTTP 400. " + _ERROR_NOTE,
        "call": encrypt_call(KEY_ID, base64.b64decode(PLAINTEXT_B64)),
        "response": aws_error("NotFoundException", NOT_FOUND, DEC_REQUEST_ID),
        "expect": failed("KeyNotFoundError", "NotFoundException", 400, DEC_REQUEST_ID),
    },
    {
        "name": "encrypt_disabled",
        "source": [*AWS_ENCRYPT, AWS_ENCRYPT_ERRORS, AWS_ERROR_FORMAT],
        "note": _ENCRYPT_NOTE + "Answer: DisabledException, HTTP 400 (a Disabled key, "
        "key-state.html). " + _ERROR_NOTE,
        "call": encrypt_call(KEY_ID, base64.b64decode(PLAINTEXT_B64)),
        "response": aws_error("DisabledException", DISABLED, DEC_REQUEST_ID),
        "expect": failed("KeyUnavailableError", "DisabledException", 400, DEC_REQUEST_ID),
    },
    {
        "name": "decrypt",
        "source": AWS_DECRYPT,
        "note": _DECRYPT_NOTE + "Response: the documented body (KeyId as a us-west-2 key ARN, "
        "KeyMaterialId, Plaintext, EncryptionAlgorithm) and x-amzn-RequestId, verbatim.",
        "call": decrypt_call(base64.b64decode(BLOB)),
        "response": aws_json(
            200,
            {
                "KeyId": KEY_ARN_WEST2,
                "KeyMaterialId": KEY_MATERIAL_ID,
                "Plaintext": PLAINTEXT_B64,
                "EncryptionAlgorithm": "SYMMETRIC_DEFAULT",
            },
            DEC_REQUEST_ID,
        ),
        "expect": ok("DecryptResult", KEY_ID, None, DEC_REQUEST_ID, plaintext_b64=PLAINTEXT_B64),
    },
    {
        "name": "decrypt_invalid_ciphertext",
        "source": [*AWS_DECRYPT, _errors("API_Decrypt.html"), AWS_ERROR_FORMAT],
        "note": _DECRYPT_NOTE + "Answer: InvalidCiphertextException, HTTP 400 (the ciphertext "
        "or its encryption context does not match). " + _ERROR_NOTE + " On decrypt it is "
        "DecryptionFailedError.",
        "call": decrypt_call(base64.b64decode(BLOB)),
        "response": aws_error("InvalidCiphertextException", INVALID_CIPHERTEXT, DEC_REQUEST_ID),
        "expect": failed(
            "DecryptionFailedError", "InvalidCiphertextException", 400, DEC_REQUEST_ID
        ),
    },
    {
        "name": "decrypt_not_found",
        "source": [*AWS_DECRYPT, _errors("API_Decrypt.html"), AWS_ERROR_FORMAT],
        "note": _DECRYPT_NOTE + "Answer: NotFoundException, HTTP 400 (the ciphertext's key "
        "does not exist). " + _ERROR_NOTE + " On decrypt a missing key is "
        "CiphertextKeyNotFoundError.",
        "call": decrypt_call(base64.b64decode(BLOB)),
        "response": aws_error("NotFoundException", NOT_FOUND, DEC_REQUEST_ID),
        "expect": failed("CiphertextKeyNotFoundError", "NotFoundException", 400, DEC_REQUEST_ID),
    },
    {
        "name": "generate_data_key",
        "source": AWS_GDK,
        "note": _GDK_NOTE + "Response: the documented body (CiphertextBlob, KeyId as a "
        "us-east-2 key ARN, KeyMaterialId, Plaintext) and x-amzn-RequestId, verbatim.",
        "call": gdk_call(ALIAS, 32),
        "response": aws_json(
            200,
            {
                "CiphertextBlob": GDK_BLOB,
                "KeyId": KEY_ARN_EAST2,
                "KeyMaterialId": KEY_MATERIAL_ID,
                "Plaintext": GDK_PLAINTEXT_B64,
            },
            GDK_REQUEST_ID,
        ),
        "expect": ok(
            "DataKey",
            KEY_ID,
            None,
            GDK_REQUEST_ID,
            plaintext_b64=GDK_PLAINTEXT_B64,
            ciphertext_b64=GDK_BLOB,
        ),
    },
    {
        "name": "generate_data_key_not_found",
        "source": [*AWS_GDK, _errors("API_GenerateDataKey.html"), AWS_ERROR_FORMAT],
        "note": _GDK_NOTE + "Answer: NotFoundException, HTTP 400 (no such alias). " + _ERROR_NOTE,
        "call": gdk_call(ALIAS, 32),
        "response": aws_error("NotFoundException", NOT_FOUND, GDK_REQUEST_ID),
        "expect": failed("KeyNotFoundError", "NotFoundException", 400, GDK_REQUEST_ID),
    },
    {
        "name": "generate_data_key_disabled",
        "source": [*AWS_GDK, _errors("API_GenerateDataKey.html"), AWS_ERROR_FORMAT],
        "note": _GDK_NOTE + "Answer: DisabledException, HTTP 400. " + _ERROR_NOTE,
        "call": gdk_call(ALIAS, 32),
        "response": aws_error("DisabledException", DISABLED, GDK_REQUEST_ID),
        "expect": failed("KeyUnavailableError", "DisabledException", 400, GDK_REQUEST_ID),
    },
]


def examples() -> list[DocExample]:
    """AWS's documented Encrypt, Decrypt, GenerateDataKey and their errors."""
    return EXAMPLES
