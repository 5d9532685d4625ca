"""What the two Alibaba dialects share: identifiers, key specs, blob layouts.

Both gateways reach the same keys (a key in a KMS instance is usable through
the classic OpenAPI too), so identifiers and the ciphertext layout are common.
The layouts are the ones Alibaba's transfer SDK (``alibabacloud-kms-python-sdk``)
converts between; see ``docs/dialects.md`` for the sources.

Classic blob (Base64 on the wire)::

    KeyVersionId (36 ASCII bytes) || IV (12) || AES-GCM ciphertext || tag (16)

Instance ``AdvanceEncrypt`` blob (raw bytes on the wire)::

    '$' || (cipher_version << 4 | padding) || algorithm || KeyVersionId (36) || IV || ciphertext

An ``AES_GCM`` Advance blob is the classic blob behind the 3-byte header
``b"$\\x00\\x02"``, which is how the transfer SDK moves between the two.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Mapping

import attrs

from unikms.dialects.base import canonical_context_json
from unikms.types import KeySpec, KeyState

__all__ = [
    "ADVANCE_MAGIC",
    "ALGORITHM_IDS",
    "CLASSIC_GCM_HEADER",
    "IV_LEN",
    "KEY_STATES",
    "PADDING_IDS",
    "SPEC_NAMES",
    "VERSION_ID_LEN",
    "AdvanceBlob",
    "ClassicBlob",
    "KeyRef",
    "gateway_aad_binding",
    "parse_key_ref",
    "transfer_sdk_advance_aad",
]

VERSION_ID_LEN = 36
IV_LEN = 12
TAG_LEN = 16
ADVANCE_MAGIC = b"$"
#: algorithm byte of the Advance blob. AES_GCM = 0x02 is Alibaba's (transfer
#: SDK ``ALG_AES_GCM``); the others are this fake's own choice.
ALGORITHM_IDS = {
    "AES_GCM": 0x02,
    "AES_CBC": 0x03,
    "AES_ECB": 0x04,
    "SM4_GCM": 0x12,
    "SM4_CBC": 0x13,
    "SM4_ECB": 0x14,
}
#: padding nibble of the Advance blob: 0 (no padding mode, GCM) is Alibaba's.
PADDING_IDS = {"": 0, "PKCS7_PADDING": 1, "NO_PADDING": 2}
CLASSIC_GCM_HEADER = ADVANCE_MAGIC + bytes([0x00, ALGORITHM_IDS["AES_GCM"]])

#: the key states an Alibaba key can be in: no Archived (that is Tencent's)
KEY_STATES = frozenset(KeyState) - {KeyState.ARCHIVED}

#: neutral key spec -> Alibaba ``KeySpec``
SPEC_NAMES = {
    KeySpec.AES_256: "Aliyun_AES_256",
    KeySpec.AES_128: "Aliyun_AES_128",
    KeySpec.SM4: "Aliyun_SM4",
    KeySpec.RSA_2048: "RSA_2048",
    KeySpec.RSA_3072: "RSA_3072",
    KeySpec.EC_P256: "EC_P256",
    KeySpec.EC_SM2: "EC_SM2",
}
SPECS_BY_NAME = {v: k for k, v in SPEC_NAMES.items()}

_ALIAS = re.compile(r"alias/[A-Za-z0-9_/-]{1,255}")


@attrs.frozen
class KeyRef:
    """A parsed Alibaba key reference: ``kind`` is ``id``, ``alias`` or ``arn``."""

    kind: str
    value: str
    region: str | None = None
    account: str | None = None


def parse_key_ref(ref: str) -> KeyRef:
    """Classify a KeyId parameter: key id, ``alias/<name>``, or an ARN.

    >>> parse_key_ref("acs:kms:cn-hangzhou:123:alias/app")
    KeyRef(kind='alias', value='alias/app', region='cn-hangzhou', account='123')
    """
    if ref.startswith("acs:kms:"):
        parts = ref.split(":", 4)
        if len(parts) == 5:
            _, _, region, account, resource = parts
            if resource.startswith("key/"):
                return KeyRef("id", resource[4:], region, account)
            if resource.startswith("alias/"):
                return KeyRef("alias", resource, region, account)
        return KeyRef("invalid", ref)
    if ref.startswith("alias/"):
        return KeyRef("alias", ref)
    return KeyRef("id", ref)


def valid_alias(alias: str) -> bool:
    """Alias rule: ``alias/`` + 1-255 of ``[A-Za-z0-9_/-]``, not ``alias/acs...``."""
    return bool(_ALIAS.fullmatch(alias)) and not alias.startswith("alias/acs")


@attrs.frozen
class ClassicBlob:
    """The classic ciphertext: version id, 12-byte IV, GCM body (ciphertext || tag)."""

    version_id: str
    iv: bytes
    body: bytes

    def pack(self) -> bytes:
        return self.version_id.encode("ascii") + self.iv + self.body

    @classmethod
    def unpack(cls, blob: bytes) -> ClassicBlob | None:
        """Split a classic blob; ``None`` when it cannot be one."""
        if len(blob) < VERSION_ID_LEN + IV_LEN + TAG_LEN:
            return None
        # bytes that are not ASCII name no version either: the lookup fails the same way
        version_id = blob[:VERSION_ID_LEN].decode("ascii", "replace")
        cut = VERSION_ID_LEN + IV_LEN
        return cls(version_id, blob[VERSION_ID_LEN:cut], blob[cut:])


@attrs.frozen
class AdvanceBlob:
    """The instance ``AdvanceEncrypt`` ciphertext (self-describing)."""

    algorithm: str
    padding: str
    version_id: str
    iv: bytes
    body: bytes

    def pack(self) -> bytes:
        return self.pack_fields(self.algorithm, self.padding, self.version_id, self.iv, self.body)

    @staticmethod
    def pack_fields(algorithm: str, padding: str, version_id: str, iv: bytes, body: bytes) -> bytes:
        """:meth:`pack` without building the object first (the fake's hot path)."""
        head = bytes((PADDING_IDS[padding], ALGORITHM_IDS[algorithm]))
        return ADVANCE_MAGIC + head + version_id.encode("ascii") + iv + body

    @classmethod
    def unpack(cls, blob: bytes, iv_length: Mapping[str, int]) -> AdvanceBlob | None:
        """Parse an Advance blob; ``None`` when the header is not one."""
        fields = cls.split(blob, iv_length)
        return None if fields is None else cls(*fields)

    @staticmethod
    def split(
        blob: bytes, iv_length: Mapping[str, int]
    ) -> tuple[str, str, str, bytes, bytes] | None:
        """:meth:`unpack` as a tuple ``(algorithm, padding, version_id, iv, body)``."""
        if len(blob) < 3 + VERSION_ID_LEN or blob[:1] != ADVANCE_MAGIC or blob[1] >> 4:
            return None
        padding = _PADDING_BY_ID.get(blob[1] & 0x0F)
        algorithm = _ALGORITHM_BY_ID.get(blob[2])
        if padding is None or algorithm is None:
            return None
        version_id = blob[3 : 3 + VERSION_ID_LEN].decode("ascii", "replace")
        start = 3 + VERSION_ID_LEN
        n = iv_length[algorithm]
        if len(blob) < start + n:
            return None
        return algorithm, padding, version_id, blob[start : start + n], blob[start + n :]


def _reverse(table: Mapping[str, int]) -> dict[int, str]:
    return {v: k for k, v in table.items()}


_PADDING_BY_ID = _reverse(PADDING_IDS)
_ALGORITHM_BY_ID = _reverse(ALGORITHM_IDS)


def transfer_sdk_advance_aad(context: Mapping[str, str]) -> bytes:
    """The AAD an Alibaba ``EncryptionContext`` binds, on the classic API and the gateway.

    Sorted keys, ``k=v`` joined with ``&``, the SHA-256 hex digest as 64 ASCII
    bytes: what Alibaba's Python transfer SDK sends as ``Aad`` on its Advance
    path so that classic ciphertexts open on an instance (so what the classic
    service binds; ``docs/dialects.md`` section 1.7). The join is lossy:
    ``{"a": "b&c=d"}`` and ``{"a": "b", "c": "d"}`` give the same bytes, as on
    Alibaba.

    >>> transfer_sdk_advance_aad({"a": "1"})[:16]
    b'c22fea5d7428e5cf'
    """
    return _advance_digest(canonical_context_json(context))


@functools.lru_cache(maxsize=1024)  # the same few contexts come back again and again
def _advance_digest(canonical: str) -> bytes:
    """:func:`transfer_sdk_advance_aad` of the context whose canonical JSON is ``canonical``
    (keys already sorted, so the join keeps their order)."""
    context = json.loads(canonical)
    joined = "&".join(f"{k}={v}" for k, v in context.items())
    return hashlib.sha256(joined.encode("utf-8")).hexdigest().encode("ascii")


@functools.lru_cache(maxsize=1024)  # pure, and the same few contexts come back again and again
def gateway_aad_binding(aad: bytes) -> bytes:
    """The AAD the fake gateway binds for an ``Aad`` field.

    An ``Aad`` that is the JSON text of a non-empty ``EncryptionContext`` (an object
    of strings, in any key order or spacing, as the transfer SDK's low-version
    handlers send it) binds that context's :func:`transfer_sdk_advance_aad`;
    any other bytes bind as they are (the fake's choice: ``docs/dialects.md``
    section 2.7).

    >>> gateway_aad_binding(b'{"a":"1"}') == transfer_sdk_advance_aad({"a": "1"})
    True
    >>> gateway_aad_binding(b"opaque")
    b'opaque'
    """
    if aad[:1] != b"{":
        return aad
    try:
        context = json.loads(aad.decode("utf-8"))
    except ValueError:  # UnicodeDecodeError is one
        return aad
    if (
        not isinstance(context, dict)
        or not context
        or not all(isinstance(v, str) for v in context.values())
    ):
        return aad
    return transfer_sdk_advance_aad(context)
