"""Every answer belongs to its request, or it is a transport failure (a
:class:`~unikms.native.NativeError` of origin ``transport``, a
:class:`~unikms.errors.TransportError` to the application), never data.

None of the three protocols echoes anything the client chose (Alibaba's
``SignatureNonce``, Tencent's ``Nonce`` and the gateway's headers are not sent
back; every ``RequestId`` is the server's), so the adapters check what an
answer must say about its own request before any field of it is used:

* the answer has the fields its action returns and none that only another
  action's answer has (an ``Encrypt`` answer to a ``Decrypt``, a data key's
  answer to an ``Encrypt``, a truncated answer: all refused);
* ``KeyId`` is the key the request named by id (or key ARN); for an alias it
  must at least be a key id, never an alias or another shape;
* on ``Decrypt`` (classic) and ``AdvanceDecrypt`` (gateway), whose ciphertext
  carries its ``KeyVersionId``, that version must be one of the answer's key
  and equal the answer's ``KeyVersionId``; with AES-GCM the plaintext must be
  as long as the ciphertext allows;
* on the gateway, whose protobuf answers parse as another action's with the
  fields shifted, an encrypt or data key answer must carry an IV (0, 12 or 16
  bytes) and a data key of the size asked for.

What no check can catch is an answer to *another* decrypt under the same key
version of a plaintext of the same length (or any on Tencent, whose blob is
opaque): nothing in it differs. That mix-up can only come from a shared
connection, which :mod:`unikms_adapters._fork` rules out.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from typing import Any

from unikms.dialects import dialect_package
from unikms.dialects.alibaba.common import parse_key_ref
from unikms.native import NativeError
from unikms.types import Dialect

__all__ = ["check_answer"]

#: the fields an answer must carry, non-empty (``Plaintext`` may be empty: present only)
_REQUIRED: dict[str, tuple[str, ...]] = {
    "Encrypt": ("KeyId", "CiphertextBlob"),
    "AdvanceEncrypt": ("KeyId", "CiphertextBlob"),
    "Decrypt": ("KeyId",),
    "AdvanceDecrypt": ("KeyId",),
    "GenerateDataKey": ("KeyId", "CiphertextBlob"),
    "AdvanceGenerateDataKey": ("KeyId", "CiphertextBlob"),
    "GenerateDataKeyWithoutPlaintext": ("KeyId", "CiphertextBlob"),
    # the gateway's signing calls (a Verify answer's Value may be false: KeyId only)
    "Sign": ("KeyId", "Signature"),
    "Verify": ("KeyId",),
    "GetPublicKey": ("KeyId", "PublicKey"),
}
#: fields an answer to the action never has (another action's answer has them)
_NEVER: dict[str, tuple[str, ...]] = {
    "Encrypt": ("Plaintext",),
    "AdvanceEncrypt": ("Plaintext",),
    "GenerateDataKeyWithoutPlaintext": ("Plaintext",),
    "Decrypt": ("CiphertextBlob",),
    "AdvanceDecrypt": ("CiphertextBlob",),
}
_DATA_KEY = {"GenerateDataKey", "AdvanceGenerateDataKey"}
_PRODUCES_IV = {"Encrypt", "AdvanceEncrypt", "GenerateDataKey", "AdvanceGenerateDataKey"}
_WITH_PLAINTEXT = {"Decrypt", "AdvanceDecrypt", "GenerateDataKey", "AdvanceGenerateDataKey"}

_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_TENCENT_KEY_ID = re.compile(_UUID)
#: an Alibaba version id (key id + ``-`` + suffix, or an older UUID), 36 characters
_ALIBABA_VERSION_ID = re.compile(rf"key-[A-Za-z0-9]+-[A-Za-z0-9]+|{_UUID}")
#: IV lengths of the gateway's plain Encrypt: ECB none, GCM 12, CBC 16 (dialects.md 2.8)
_IV_LENGTHS = (0, 12, 16)
_VERSION_LEN = 36
_GCM_IV_LEN = 12
_GCM_TAG_LEN = 16
_ADVANCE_GCM_HEADER = b"$\x00\x02"


def _mismatch(dialect: Dialect, action: str, what: str, answer: Mapping[str, Any]) -> None:
    request_id = answer.get("RequestId")
    raise NativeError(
        "AnswerMismatch",
        f"the answer to {action} does not belong to this request ({what}); nothing from it "
        "was used",
        0,
        str(request_id) if request_id else None,
        origin="transport",
    )


def check_answer(
    dialect: Dialect, action: str, params: Mapping[str, Any], answer: Mapping[str, Any]
) -> None:
    """Raise a transport :class:`NativeError` unless ``answer`` can be the answer to ``params``.

    >>> try:
    ...     check_answer(Dialect.TENCENT, "Encrypt", {"KeyId": "k1"},
    ...                  {"KeyId": "k2", "CiphertextBlob": "x"})
    ... except NativeError as err:
    ...     print(err.origin, err.code, err.message[:53])
    transport AnswerMismatch the answer to Encrypt does not belong to this request
    """
    required = _REQUIRED.get(action)
    if required is None:
        return
    for name in required:
        if not answer.get(name):
            _mismatch(dialect, action, f"it has no {name}", answer)
    sealed_for_recipient = "Recipient" in params or "EncryptionPublicKey" in params
    if action in _WITH_PLAINTEXT and not sealed_for_recipient and answer.get("Plaintext") is None:
        _mismatch(dialect, action, "it has no Plaintext", answer)
    for name in _NEVER.get(action, ()):
        if answer.get(name) is not None:
            _mismatch(dialect, action, f"it has a {name}, which {action} never returns", answer)
    if dialect is Dialect.ALIBABA_INSTANCE:
        _check_gateway_fields(action, params, answer)
    got = str(answer["KeyId"])
    asked = params.get("KeyId")
    if dialect is Dialect.TENCENT:
        if asked is not None and got != asked:
            _mismatch(dialect, action, "it names another key", answer)
        if not _TENCENT_KEY_ID.fullmatch(got):
            _mismatch(dialect, action, "its KeyId is not a key id", answer)
        return
    # an answer's KeyId is an id: never an alias or the dialect's ARN
    arn_prefix = dialect_package(dialect).arn_prefix
    if got.startswith("alias/") or (arn_prefix and got.startswith(arn_prefix)):
        _mismatch(dialect, action, "its KeyId is not a key id", answer)
    if asked:
        ref = parse_key_ref(str(asked))
        if ref.kind == "id" and got != ref.value:
            _mismatch(dialect, action, "it names another key", answer)
    if action.endswith("Decrypt"):
        _check_blob(dialect, action, params, answer, got)


def _check_gateway_fields(
    action: str, params: Mapping[str, Any], answer: Mapping[str, Any]
) -> None:
    """A protobuf answer read with another action's schema shifts its fields: an encrypt
    or data key answer must carry a real IV, and a data key the size asked for."""
    asked = params.get("NumberOfBytes")
    plaintext = bytes(answer.get("Plaintext") or b"")
    if action in _DATA_KEY and isinstance(asked, int) and asked > 0 and len(plaintext) != asked:
        _mismatch(
            Dialect.ALIBABA_INSTANCE, action, "its data key is not the size asked for", answer
        )
    if action in _PRODUCES_IV and len(bytes(answer.get("Iv") or b"")) not in _IV_LENGTHS:
        _mismatch(Dialect.ALIBABA_INSTANCE, action, "its Iv is not an IV", answer)


def _check_blob(
    dialect: Dialect, action: str, params: Mapping[str, Any], answer: Mapping[str, Any], key: str
) -> None:
    """A decrypt answer against the KeyVersionId the request's ciphertext carries, where the
    layout is documented (the classic blob; the gateway's Advance blob): the version must be
    one of the answer's key and equal the answer's KeyVersionId, and with AES-GCM the
    plaintext must be as long as the ciphertext allows."""
    offset = 3 if action.startswith("Advance") else 0
    if dialect is Dialect.TENCENT or (dialect is Dialect.ALIBABA_INSTANCE and not offset):
        return  # Tencent's blob is opaque; the gateway's plain blob carries no version
    raw = _raw(params.get("CiphertextBlob"))
    version = _version_in(raw, offset)
    if version is None or raw is None:
        return  # not a layout we know: nothing to compare
    if version.startswith("key-") and not version.startswith(key + "-"):
        _mismatch(dialect, action, "it names another key", answer)
    if answer.get("KeyVersionId") and answer["KeyVersionId"] != version:
        _mismatch(dialect, action, "it names another key version", answer)
    if offset and raw[:offset] != _ADVANCE_GCM_HEADER:
        return
    plaintext = answer.get("Plaintext")
    size = len(plaintext.encode("utf-8") if isinstance(plaintext, str) else bytes(plaintext or b""))
    if size != len(raw) - offset - _VERSION_LEN - _GCM_IV_LEN - _GCM_TAG_LEN:
        _mismatch(dialect, action, "its plaintext is not the length of this ciphertext's", answer)


def _version_in(raw: bytes | None, offset: int) -> str | None:
    if raw is None or (offset and raw[:1] != b"$"):
        return None
    try:
        version = raw[offset : offset + _VERSION_LEN].decode("ascii")
    except UnicodeDecodeError:
        return None
    return version if _ALIBABA_VERSION_ID.fullmatch(version) else None


def _raw(blob: object) -> bytes | None:
    if isinstance(blob, bytes):
        return blob
    if isinstance(blob, str):
        try:
            return base64.b64decode(blob, validate=True)
        except (binascii.Error, ValueError):
            return None
    return None
