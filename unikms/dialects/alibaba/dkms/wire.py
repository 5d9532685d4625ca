"""The Alibaba KMS instance gateway's wire format (``dkms-gcs-0.2``).

Shared by the emulator (which verifies) and the instance adapter (which
signs): the protobuf messages of our own schema (``dkms_gcs.proto``, from the
documented wire format), the operations and their message pairs, and the
string the client key signs. Needs ``protobuf`` (the ``emulator`` or
``alibaba-instance`` extra).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timezone

from google.protobuf.message import Message  # type: ignore[import-untyped,unused-ignore]

from unikms.dialects.alibaba.dkms import dkms_gcs_pb2 as pb

__all__ = [
    "API_VERSION",
    "CONTENT_TYPE",
    "MESSAGES",
    "MIGRATION_HEADER",
    "SIGNATURE_METHOD",
    "parse_date",
    "pb",
    "string_to_sign",
]

API_VERSION = "dkms-gcs-0.2"
CONTENT_TYPE = "application/x-protobuf"
SIGNATURE_METHOD = "RSA_PKCS1_SHA_256"
MIGRATION_HEADER = "x-kms-migrationkeyversionid"

#: the served operations: request and response message of each
MESSAGES: Mapping[str, tuple[type[Message], type[Message]]] = {
    "Encrypt": (pb.EncryptRequest, pb.EncryptResponse),
    "Decrypt": (pb.DecryptRequest, pb.DecryptResponse),
    "GenerateDataKey": (pb.GenerateDataKeyRequest, pb.GenerateDataKeyResponse),
    "AdvanceEncrypt": (pb.AdvanceEncryptRequest, pb.AdvanceEncryptResponse),
    "AdvanceDecrypt": (pb.AdvanceDecryptRequest, pb.AdvanceDecryptResponse),
    "AdvanceGenerateDataKey": (
        pb.AdvanceGenerateDataKeyRequest,
        pb.AdvanceGenerateDataKeyResponse,
    ),
    "GenerateRandom": (pb.GenerateRandomRequest, pb.GenerateRandomResponse),
    "Sign": (pb.SignRequest, pb.SignResponse),
    "Verify": (pb.VerifyRequest, pb.VerifyResponse),
    "GetPublicKey": (pb.GetPublicKeyRequest, pb.GetPublicKeyResponse),
}
_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    )
}
_DATE = re.compile(
    r"^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{2}) ([A-Z][a-z]{2}) (\d{4}) "
    r"(\d{2}):(\d{2}):(\d{2}) GMT$"
)


def parse_date(value: str) -> datetime | None:
    """An RFC 1123 ``Date`` header (``Mon, 23 Nov 2026 06:38:22 GMT``), else None.

    >>> parse_date("Mon, 23 Nov 2026 06:38:22 GMT").isoformat()
    '2026-11-23T06:38:22+00:00'
    >>> parse_date("2026-11-23T06:38:22Z") is None
    True
    """
    m = _DATE.match(value)
    if m is None or m[2] not in _MONTHS:
        return None
    day, _, year, hour, minute, second = m.groups()
    try:
        return datetime(
            int(year), _MONTHS[m[2]], int(day), int(hour), int(minute), int(second),
            tzinfo=timezone.utc,
        )  # fmt: skip
    except ValueError:
        return None


def string_to_sign(headers: Mapping[str, str], content_sha256: str) -> str:
    """The string the SDK signs (wire protocol section 2.4); header names lower-case.

    >>> print(string_to_sign(
    ...     {"date": "Mon, 23 Nov 2026 06:38:23 GMT", "content-type": "application/x-protobuf",
    ...      "x-kms-apiname": "Encrypt", "x-kms-apiversion": "dkms-gcs-0.2", "host": "h"},
    ...     "6027C2AF"))
    POST
    6027C2AF
    application/x-protobuf
    Mon, 23 Nov 2026 06:38:23 GMT
    x-kms-apiname:Encrypt
    x-kms-apiversion:dkms-gcs-0.2
    /
    """
    canonical = "".join(
        f"{name}:{headers[name].strip()}\n" for name in sorted(headers) if name.startswith("x-kms-")
    )
    return (
        f"POST\n{content_sha256}\n{headers.get('content-type', '')}\n"
        f"{headers.get('date', '')}\n{canonical}/"
    )
