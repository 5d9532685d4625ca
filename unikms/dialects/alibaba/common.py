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
    "AES_GCM_ID",
    "ARN_PREFIX",
    "CLASSIC_GCM_HEADER",
    "IV_LEN",
    "KEY_STATES",
    "KMS_ARN_PREFIX",
    "NO_PADDING_MODE_ID",
    "SPEC_NAMES",
    "VERSION_ID_LEN",
    "ClassicBlob",
    "KeyRef",
    "gateway_aad_binding",
    "parse_key_ref",
    "transfer_sdk_advance_aad",
]

#: every Alibaba Cloud resource name starts so (``acs:kms:<region>:<account>:key/<id>``)
ARN_PREFIX = "acs:"
KMS_ARN_PREFIX = ARN_PREFIX + "kms:"

VERSION_ID_LEN = 36
IV_LEN = 12
TAG_LEN = 16
ADVANCE_MAGIC = b"$"
#: the Advance blob's algorithm byte for AES_GCM (transfer SDK ``ALG_AES_GCM``) and its
#: padding nibble for "no padding mode": Alibaba's own values. The other bytes are the
#: fake's choice and live with it (``unikms.dialects.alibaba.fake.ALGORITHM_IDS``).
AES_GCM_ID = 0x02
NO_PADDING_MODE_ID = 0
CLASSIC_GCM_HEADER = ADVANCE_MAGIC + bytes([NO_PADDING_MODE_ID, AES_GCM_ID])

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
    KeySpec.EC_P256K: "EC_P256K",
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
    if ref.startswith(KMS_ARN_PREFIX):
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
