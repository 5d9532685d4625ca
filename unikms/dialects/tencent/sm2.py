"""SM2 public-key encryption for Tencent's ``EncryptionPublicKey`` (Decrypt, GenerateDataKey).

Tencent returns ``Plaintext`` sealed for the caller's SM2 public key when
``EncryptionAlgorithm`` is ``SM2`` (C1C3C2, the default) or ``SM2_C1C3C2_ASN1``
(docs/dialects.md §3.5). ``cryptography`` has no SM2 curve, so the arithmetic comes
from ``gmalg`` (pure Python, MIT, no dependencies: the optional extra
``unikms[sm2]``); everything around it (PEM, DER, the two output forms) is here.

    >>> load_public_key("not a pem")
    Traceback (most recent call last):
    ...
    unikms.dialects.tencent.sm2.NotAnSm2Key: not a PEM public key
"""

from __future__ import annotations

import base64
import binascii
import importlib
from typing import Any

__all__ = ["SM2_CURVE_OID", "NotAnSm2Key", "Sm2Unavailable", "encrypt", "load_public_key"]

#: id-ecPublicKey (1.2.840.10045.2.1) and the SM2 curve, sm2p256v1 (1.2.156.10197.1.301)
EC_PUBLIC_KEY_OID = bytes.fromhex("2a8648ce3d0201")
SM2_CURVE_OID = bytes.fromhex("2a811ccf5501822d")


class NotAnSm2Key(ValueError):
    """The PEM is not an SM2 public key on the curve."""


class Sm2Unavailable(RuntimeError):
    """``gmalg`` (the ``unikms[sm2]`` extra) is not installed."""


def _gmalg() -> Any:
    try:
        return importlib.import_module("gmalg")
    except ImportError:
        raise Sm2Unavailable(
            "SM2 needs the optional extra: pip install 'unikms[sm2]' (gmalg)"
        ) from None


def _der(data: bytes, at: int) -> tuple[int, bytes, int]:
    """One DER element at ``at``: (tag, contents, offset after it)."""
    if at + 2 > len(data):
        raise NotAnSm2Key("truncated DER")
    tag, first = data[at], data[at + 1]
    at += 2
    if first < 0x80:
        length = first
    else:
        count = first & 0x7F
        if count == 0 or count > 2 or at + count > len(data):
            raise NotAnSm2Key("bad DER length")
        length = int.from_bytes(data[at : at + count], "big")
        at += count
    if at + length > len(data):
        raise NotAnSm2Key("truncated DER")
    return tag, data[at : at + length], at + length


def load_public_key(pem: str) -> bytes:
    """The uncompressed point (``04 || x || y``, 65 bytes) of an SM2 public key in PEM
    (SubjectPublicKeyInfo: id-ecPublicKey with the sm2p256v1 curve, as in Tencent's
    example ``MFkwEwYHKoZIzj0CAQYIKoEcz1UBgi0DQgAE...``)."""
    lines = [line.strip() for line in pem.strip().splitlines()]
    if len(lines) < 3 or lines[0] != "-----BEGIN PUBLIC KEY-----":
        raise NotAnSm2Key("not a PEM public key")
    if lines[-1] != "-----END PUBLIC KEY-----":
        raise NotAnSm2Key("not a PEM public key")
    try:
        der = base64.b64decode("".join(lines[1:-1]), validate=True)
    except (binascii.Error, ValueError):
        raise NotAnSm2Key("not a PEM public key") from None
    tag, spki, end = _der(der, 0)
    if tag != 0x30 or end != len(der):
        raise NotAnSm2Key("not a SubjectPublicKeyInfo")
    tag, algorithm, at = _der(spki, 0)
    if tag != 0x30:
        raise NotAnSm2Key("not a SubjectPublicKeyInfo")
    tag, oid, inner = _der(algorithm, 0)
    tag2, curve, inner = _der(algorithm, inner) if inner < len(algorithm) else (0, b"", inner)
    if (tag, oid, tag2, curve) != (0x06, EC_PUBLIC_KEY_OID, 0x06, SM2_CURVE_OID):
        raise NotAnSm2Key("not an SM2 key (the curve is not sm2p256v1)")
    tag, bits, end = _der(spki, at)
    if tag != 0x03 or end != len(spki) or len(bits) != 66 or bits[:2] != b"\x00\x04":
        raise NotAnSm2Key("not an uncompressed SM2 point")
    point = bits[1:]
    if not _gmalg().SM2().verify_pk(point):
        raise NotAnSm2Key("the point is not on the SM2 curve")
    return point


def _der_integer(value: bytes) -> bytes:
    value = value.lstrip(b"\x00") or b"\x00"
    if value[0] & 0x80:
        value = b"\x00" + value
    return b"\x02" + _der_length(len(value)) + value


def _der_length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def encrypt(point: bytes, data: bytes, *, asn1: bool) -> bytes:
    """SM2-encrypt ``data`` for ``point`` (GB/T 32918.4, SM3): C1C3C2 as bytes
    (``04 || x1 || y1 || C3 || C2``), or with ``asn1`` the GM/T 0009 ``SM2Cipher``
    ``SEQUENCE {INTEGER x1, INTEGER y1, OCTET STRING C3, OCTET STRING C2}``."""
    sealed: bytes = _gmalg().SM2(pk=point).encrypt(data)
    if not asn1:
        return sealed
    x1, y1, c3, c2 = sealed[1:33], sealed[33:65], sealed[65:97], sealed[97:]
    body = (
        _der_integer(x1)
        + _der_integer(y1)
        + b"\x04"
        + _der_length(len(c3))
        + c3
        + b"\x04"
        + _der_length(len(c2))
        + c2
    )
    return b"\x30" + _der_length(len(body)) + body
