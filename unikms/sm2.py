"""SM2 (GB/T 32918) for asymmetric keys: signatures over a given digest, verification,
public keys in PEM, and SM2 public-key encryption, with the arithmetic of ``gmalg``.

``cryptography`` has no SM2 curve. ``gmalg`` (pure Python, MIT, no dependencies: the
optional extra ``unikms[sm2]``) has it, but its ``SM2.sign`` hashes the message itself
(``SM3(Z || M)``), while Alibaba's ``AsymmetricSign`` takes the digest ``e`` already
computed. So the signing equation of GB/T 32918.2 section 6.1 is done here on ``e``,
with gmalg's curve (``kG``, point addition and multiplication) and its SM3:

* ``e = SM3(Z || M)``, ``Z = SM3(ENTL || ID || a || b || xG || yG || xA || yA)`` with the
  default identity ``1234567812345678`` (GB/T 35276 section 5.3; the ID Alibaba's and
  AWS's pages name for SM2 keys);
* sign: random ``k``, ``(x1, y1) = kG``, ``r = (e + x1) mod n``, ``s = (1 + d)^-1 (k - r d)
  mod n``, retried while ``r = 0``, ``r + k = n`` or ``s = 0``;
* verify: ``t = (r + s) mod n``, ``(x1, y1) = sG + tP``, valid when ``(e + x1) mod n = r``.

A signature is the DER ``SEQUENCE { INTEGER r, INTEGER s }`` (GM/T 0009), as ECDSA's is.
A public key is a ``SubjectPublicKeyInfo`` of id-ecPublicKey on sm2p256v1
(``1.2.156.10197.1.301``). Ciphertexts are GM/T 0009's ``SM2Cipher``
``SEQUENCE { INTEGER x1, INTEGER y1, OCTET STRING C3, OCTET STRING C2 }``.

    >>> key = Sm2Key.from_material(bytes(range(32)))
    >>> e = key.digest(b"release 1.4")
    >>> key.verify_digest(e, key.sign_digest(e)), key.verify_digest(e, b"0")
    (True, False)
    >>> public_pem(key.point).splitlines()[1][:36]
    'MFkwEwYHKoZIzj0CAQYIKoEcz1UBgi0DQgAE'
"""

from __future__ import annotations

import base64
import importlib
import secrets
from typing import Any

__all__ = [
    "DEFAULT_ID",
    "EC_PUBLIC_KEY_OID",
    "SM2_CURVE_OID",
    "NotAnSm2Key",
    "Sm2Key",
    "Sm2Unavailable",
    "decrypt",
    "encrypt",
    "point_of_der",
    "public_der",
    "public_pem",
    "verify_digest",
    "z_digest",
]

#: the default signer identity of GB/T 32918.2 and GB/T 35276 (16 bytes)
DEFAULT_ID = b"1234567812345678"
#: id-ecPublicKey (1.2.840.10045.2.1) and the SM2 curve, sm2p256v1 (1.2.156.10197.1.301)
EC_PUBLIC_KEY_OID = bytes.fromhex("2a8648ce3d0201")
SM2_CURVE_OID = bytes.fromhex("2a811ccf5501822d")
_SPKI_PREFIX = bytes.fromhex("3059301306072a8648ce3d020106082a811ccf5501822d034200")
_COORD = 32


class Sm2Unavailable(RuntimeError):
    """``gmalg`` (the ``unikms[sm2]`` extra) is not installed."""


class NotAnSm2Key(ValueError):
    """Bytes that are not an SM2 public key (or not a well-formed SM2 object)."""


#: gmalg's SM2 core, once made (``"core"``)
_CORE: dict[str, Any] = {}


def _core() -> Any:
    """gmalg's SM2 core (curve and SM3), made once; :class:`Sm2Unavailable` without it."""
    core = _CORE.get("core")
    if core is None:
        try:
            gmalg = importlib.import_module("gmalg")
        except ImportError:
            raise Sm2Unavailable(
                "SM2 needs the optional extra: pip install 'unikms[sm2]' (gmalg)"
            ) from None
        # the SM2Core: ecdlp (the curve, kG, point arithmetic) and entity_info (Z)
        core = _CORE["core"] = gmalg.SM2()._core
    return core


def _sm3(data: bytes) -> bytes:
    h = importlib.import_module("gmalg").SM3()
    h.update(data)
    return bytes(h.value())


def _order() -> int:
    return int(_core().ecdlp.fpn.p)


def _point(raw: bytes) -> tuple[int, int]:
    """``04 || x || y`` as a point on the curve, else :class:`NotAnSm2Key`."""
    if len(raw) != 1 + 2 * _COORD or raw[0] != 0x04:
        raise NotAnSm2Key("not an uncompressed SM2 point")
    point = (int.from_bytes(raw[1:33], "big"), int.from_bytes(raw[33:], "big"))
    if not _core().verify_pk(point):
        raise NotAnSm2Key("the point is not on the SM2 curve")
    return point


def _raw(point: tuple[int, int]) -> bytes:
    return b"\x04" + point[0].to_bytes(_COORD, "big") + point[1].to_bytes(_COORD, "big")


def z_digest(point: bytes, message: bytes, uid: bytes = DEFAULT_ID) -> bytes:
    """``e = SM3(Z || M)``: the 32-byte digest an SM2DSA signature of ``message`` signs, for
    the public key ``point`` (``04 || x || y``) and the signer identity ``uid``."""
    z = _core().entity_info(uid, _point(point))
    return _sm3(bytes(z) + message)


# -- DER ------------------------------------------------------------------------------
def _der_length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def _der_integer(value: int) -> bytes:
    body = value.to_bytes(max(1, (value.bit_length() + 8) // 8), "big")
    return b"\x02" + _der_length(len(body)) + body


def _der_octets(value: bytes) -> bytes:
    return b"\x04" + _der_length(len(value)) + value


def _der_sequence(*parts: bytes) -> bytes:
    body = b"".join(parts)
    return b"\x30" + _der_length(len(body)) + body


def _read(data: bytes, at: int) -> tuple[int, bytes, int]:
    """One DER element at ``at``: (tag, contents, offset after it)."""
    if at + 2 > len(data):
        raise NotAnSm2Key("truncated DER")
    tag, first = data[at], data[at + 1]
    at += 2
    if first < 0x80:
        length = first
    else:
        count = first & 0x7F
        if count == 0 or count > 3 or at + count > len(data):
            raise NotAnSm2Key("bad DER length")
        length = int.from_bytes(data[at : at + count], "big")
        if length < 0x80:
            raise NotAnSm2Key("a DER length in the long form that fits the short one")
        at += count
    if at + length > len(data):
        raise NotAnSm2Key("truncated DER")
    return tag, data[at : at + length], at + length


def _sequence(data: bytes, tags: tuple[int, ...]) -> list[bytes]:
    """The elements of one DER SEQUENCE (the whole of ``data``) whose tags are ``tags``."""
    tag, body, end = _read(data, 0)
    if tag != 0x30 or end != len(data):
        raise NotAnSm2Key("not a DER SEQUENCE")
    parts, at = [], 0
    for wanted in tags:
        tag, value, at = _read(body, at)
        if tag != wanted:
            raise NotAnSm2Key("unexpected DER element")
        parts.append(value)
    if at != len(body):
        raise NotAnSm2Key("trailing bytes in a DER SEQUENCE")
    return parts


def _integer(value: bytes) -> int:
    if not value or value[0] & 0x80 or (len(value) > 1 and value[0] == 0 and value[1] < 0x80):
        raise NotAnSm2Key("not a positive minimal DER INTEGER")
    return int.from_bytes(value, "big")


# -- public keys ---------------------------------------------------------------------
def public_der(point: bytes) -> bytes:
    """The ``SubjectPublicKeyInfo`` (DER) of the SM2 public key ``point``."""
    return _SPKI_PREFIX + _raw(_point(point))


def public_pem(point: bytes) -> str:
    """:func:`public_der` as a PEM ``PUBLIC KEY`` block."""
    text = base64.b64encode(public_der(point)).decode("ascii")
    lines = [text[i : i + 64] for i in range(0, len(text), 64)]
    return "-----BEGIN PUBLIC KEY-----\n" + "\n".join(lines) + "\n-----END PUBLIC KEY-----\n"


def point_of_der(der: bytes) -> bytes:
    """The point (``04 || x || y``) of an SM2 ``SubjectPublicKeyInfo``; :class:`NotAnSm2Key`
    for any other key (an RSA or P-256 key, another curve, a malformed one)."""
    if not der.startswith(_SPKI_PREFIX) or len(der) != len(_SPKI_PREFIX) + 1 + 2 * _COORD:
        raise NotAnSm2Key("not an SM2 SubjectPublicKeyInfo (id-ecPublicKey on sm2p256v1)")
    return _raw(_point(der[len(_SPKI_PREFIX) :]))


# -- signatures ---------------------------------------------------------------------
def verify_digest(point: bytes, e: bytes, signature: bytes) -> bool:
    """Whether the DER ``signature`` of the digest ``e`` verifies under ``point``
    (GB/T 32918.2 section 7.1); a malformed signature is ``False``."""
    core = _core()
    n = _order()
    try:
        r_bytes, s_bytes = _sequence(signature, (0x02, 0x02))
        r, s = _integer(r_bytes), _integer(s_bytes)
    except NotAnSm2Key:
        return False
    if not (1 <= r < n and 1 <= s < n):
        return False
    t = (r + s) % n
    if t == 0:
        return False
    ec = core.ecdlp.ec
    x1, _ = ec.add(core.ecdlp.kG(s), ec.mul(t, _point(point)))
    return (int.from_bytes(e, "big") + int(x1)) % n == r


class Sm2Key:
    """An SM2 private key: the scalar ``d`` in ``[1, n - 2]`` and its public ``point``."""

    __slots__ = ("d", "point")

    def __init__(self, d: int) -> None:
        if not 1 <= d <= _order() - 2:
            raise ValueError("an SM2 private key is in [1, n - 2]")
        self.d = d
        self.point = _raw(_core().generate_pk(d))

    def __repr__(self) -> str:
        return "Sm2Key(d=<redacted>)"

    @classmethod
    def from_material(cls, material: bytes) -> Sm2Key:
        """The key 32 bytes of material stand for: ``d = m mod (n - 2) + 1``, so that any
        bytes make a valid key (the fake's SM2 keys have always held 32 random bytes)."""
        if len(material) != _COORD:
            raise ValueError(f"SM2 material is {_COORD} bytes, not {len(material)}")
        return cls(int.from_bytes(material, "big") % (_order() - 2) + 1)

    def digest(self, message: bytes, uid: bytes = DEFAULT_ID) -> bytes:
        """``SM3(Z || M)`` for this key (:func:`z_digest`)."""
        return z_digest(self.point, message, uid)

    def sign_digest(self, e: bytes) -> bytes:
        """The DER signature of the 32-byte digest ``e`` (GB/T 32918.2 section 6.1)."""
        core = _core()
        n = _order()
        value = int.from_bytes(e, "big")
        inverse = pow(1 + self.d, -1, n)
        while True:
            k = secrets.randbelow(n - 1) + 1
            x1, _ = core.ecdlp.kG(k)
            r = (value + int(x1)) % n
            if r == 0 or r + k == n:
                continue
            s = inverse * (k - r * self.d) % n
            if s:
                return _der_sequence(_der_integer(r), _der_integer(s))

    def verify_digest(self, e: bytes, signature: bytes) -> bool:
        return verify_digest(self.point, e, signature)

    def decrypt(self, ciphertext: bytes) -> bytes:
        """The plaintext of an ``SM2Cipher`` (:func:`encrypt`); :class:`NotAnSm2Key` when it
        is malformed or does not open."""
        x1, y1, c3, c2 = _sequence(ciphertext, (0x02, 0x02, 0x04, 0x04))
        if len(c3) != _COORD or not c2:
            raise NotAnSm2Key("not an SM2Cipher")
        x, y = _integer(x1), _integer(y1)
        if max(x, y).bit_length() > 8 * _COORD:
            raise NotAnSm2Key("not an SM2Cipher")
        c1 = _point(b"\x04" + x.to_bytes(_COORD, "big") + y.to_bytes(_COORD, "big"))
        try:
            return bytes(_core().decrypt(c1, c2, c3, self.d))
        except Exception as err:  # gmalg: CheckFailedError and kin
            raise NotAnSm2Key(f"the ciphertext does not open: {type(err).__name__}") from None


def encrypt(point: bytes, plaintext: bytes) -> bytes:
    """SM2 public-key encryption (GB/T 32918.4, SM3) of ``plaintext`` for ``point``, as
    GM/T 0009's DER ``SM2Cipher`` (C1 as two INTEGERs, then C3, then C2)."""
    c1, c2, c3 = _core().encrypt(plaintext, _point(point))
    return _der_sequence(
        _der_integer(int(c1[0])), _der_integer(int(c1[1])), _der_octets(bytes(c3)),
        _der_octets(bytes(c2)),
    )  # fmt: skip


def decrypt(key: Sm2Key, ciphertext: bytes) -> bytes:
    """:meth:`Sm2Key.decrypt`."""
    return key.decrypt(ciphertext)
