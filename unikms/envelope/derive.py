"""Key derivation, key commitment and the header tag (suite 0x0001).

From the 32-byte data key and the 32-byte message id, HKDF-SHA256 derives
two independent values, as the committing suites of the AWS Encryption SDK
do:

* the message key (AES-256-GCM key of the header tag and every frame),
  ``info = suite (u16) || b"UKEV-DERIVEKEY"``;
* the key commitment, stored in the header and compared before anything is
  decrypted, ``info = suite (u16) || b"UKEV-COMMITKEY"``.

Both use ``salt = message_id``. The commitment binds the header to exactly one
data key, so no ciphertext decrypts to two different plaintexts under two keys.

    >>> keys = derive(bytes(32), bytes(32))
    >>> len(keys.message_key), keys.commitment.hex()[:16]
    (32, 'e0d72ebc6af787e5')
"""

from __future__ import annotations

import hmac

import attrs
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from unikms.envelope.format import (
    COMMITMENT_BYTES,
    DATA_KEY_BYTES,
    HEADER_NONCE,
    MESSAGE_ID_BYTES,
    SUITE_AES256_GCM_HKDF_SHA256_COMMIT,
)
from unikms.types import redacted

__all__ = ["DerivedKeys", "commitment_matches", "derive", "header_tag", "header_tag_matches"]

_DERIVE_LABEL = b"UKEV-DERIVEKEY"
_COMMIT_LABEL = b"UKEV-COMMITKEY"


@attrs.frozen
class DerivedKeys:
    """The message key and the key commitment of one message (key hidden in reprs)."""

    message_key: bytes = attrs.field(repr=redacted)
    commitment: bytes


def _hkdf(data_key: bytes, message_id: bytes, info: bytes, length: int) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=message_id, info=info).derive(
        data_key
    )


def derive(
    data_key: bytes, message_id: bytes, suite: int = SUITE_AES256_GCM_HKDF_SHA256_COMMIT
) -> DerivedKeys:
    """Message key and commitment for ``data_key`` and ``message_id``."""
    if len(data_key) != DATA_KEY_BYTES:
        raise ValueError(f"a data key is {DATA_KEY_BYTES} bytes, got {len(data_key)}")
    if len(message_id) != MESSAGE_ID_BYTES:
        raise ValueError(f"a message id is {MESSAGE_ID_BYTES} bytes, got {len(message_id)}")
    prefix = suite.to_bytes(2, "big")
    return DerivedKeys(
        message_key=_hkdf(data_key, message_id, prefix + _DERIVE_LABEL, 32),
        commitment=_hkdf(data_key, message_id, prefix + _COMMIT_LABEL, COMMITMENT_BYTES),
    )


def commitment_matches(keys: DerivedKeys, commitment: bytes) -> bool:
    """Constant-time comparison of a derived commitment with the header's."""
    return hmac.compare_digest(keys.commitment, commitment)


def header_tag(aead: AESGCM, header_body: bytes) -> bytes:
    """The header tag: AES-GCM over no plaintext, the header body as AAD, nonce 0."""
    return aead.encrypt(HEADER_NONCE, b"", header_body)


def header_tag_matches(aead: AESGCM, header_body: bytes, tag: bytes) -> bool:
    try:
        aead.decrypt(HEADER_NONCE, tag, header_body)
    except InvalidTag:
        return False
    return True
