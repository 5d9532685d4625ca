"""Real symmetric encryption for the fake: AES and SM4 in GCM, CBC and ECB.

All six algorithms of the Alibaba instance gateway come from ``cryptography``
(SM4 included, in all three modes). GCM output is ``ciphertext || 16-byte tag``.
PKCS#7 padding applies to CBC and ECB only; ``NO_PADDING`` requires whole blocks.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import padding as _padding
from cryptography.hazmat.primitives.asymmetric import padding as _asym
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

__all__ = [
    "ALGORITHMS",
    "BLOCK",
    "NO_PADDING",
    "PKCS7_PADDING",
    "CipherFailure",
    "iv_length",
    "open_",
    "public_encrypt",
    "rsa_decrypt",
    "rsa_encrypt",
    "seal",
]

PKCS7_PADDING = "PKCS7_PADDING"
NO_PADDING = "NO_PADDING"
BLOCK = 16
TAG = 16
ALGORITHMS = ("AES_GCM", "AES_CBC", "AES_ECB", "SM4_GCM", "SM4_CBC", "SM4_ECB")


class CipherFailure(Exception):
    """Authentication or padding failure; carries no detail about the data."""


def iv_length(algorithm: str) -> int:
    """IV length the algorithm takes: 12 for GCM, 16 for CBC, 0 for ECB and RSA."""
    if algorithm.startswith("RSAES_"):
        return 0
    mode = algorithm.split("_", 1)[1]
    return {"GCM": 12, "CBC": 16, "ECB": 0}[mode]


def _cipher(algorithm: str, key: bytes, iv: bytes | None, tag: bytes | None = None) -> Cipher:  # type: ignore[type-arg]
    family, mode = algorithm.split("_", 1)
    algo = algorithms.AES(key) if family == "AES" else algorithms.SM4(key)
    m: modes.Mode
    if mode == "GCM":
        assert iv is not None
        m = modes.GCM(iv, tag) if tag is not None else modes.GCM(iv)
    elif mode == "CBC":
        assert iv is not None
        m = modes.CBC(iv)
    else:
        m = modes.ECB()  # noqa: S305 -- the instance gateway offers AES_ECB and SM4_ECB
    return Cipher(algo, m)


def seal(
    algorithm: str,
    key: bytes,
    plaintext: bytes,
    *,
    iv: bytes | None = None,
    aad: bytes | None = None,
    padding: str = PKCS7_PADDING,
) -> bytes:
    """Encrypt ``plaintext``; the caller validated algorithm, IV length and padding."""
    if algorithm == "AES_GCM":
        assert iv is not None
        return AESGCM(key).encrypt(iv, plaintext, aad or None)
    if algorithm.endswith("_GCM"):
        enc = _cipher(algorithm, key, iv).encryptor()
        if aad:
            enc.authenticate_additional_data(aad)
        body = enc.update(plaintext) + enc.finalize()
        return body + enc.tag
    if padding == PKCS7_PADDING:
        padder = _padding.PKCS7(BLOCK * 8).padder()
        plaintext = padder.update(plaintext) + padder.finalize()
    enc = _cipher(algorithm, key, iv).encryptor()
    return enc.update(plaintext) + enc.finalize()


def open_(
    algorithm: str,
    key: bytes,
    ciphertext: bytes,
    *,
    iv: bytes | None = None,
    aad: bytes | None = None,
    padding: str = PKCS7_PADDING,
) -> bytes:
    """Decrypt ``ciphertext``; raise :class:`CipherFailure` when it does not verify."""
    try:
        if algorithm == "AES_GCM":
            assert iv is not None
            return AESGCM(key).decrypt(iv, ciphertext, aad or None)
        if algorithm.endswith("_GCM"):
            if len(ciphertext) < TAG:
                raise CipherFailure
            dec = _cipher(algorithm, key, iv, ciphertext[-TAG:]).decryptor()
            if aad:
                dec.authenticate_additional_data(aad)
            return dec.update(ciphertext[:-TAG]) + dec.finalize()
        if not ciphertext or len(ciphertext) % BLOCK:
            raise CipherFailure
        dec = _cipher(algorithm, key, iv).decryptor()
        body = dec.update(ciphertext) + dec.finalize()
        if padding == PKCS7_PADDING:
            unpadder = _padding.PKCS7(BLOCK * 8).unpadder()
            body = unpadder.update(body) + unpadder.finalize()
        return body
    except (InvalidTag, ValueError):
        raise CipherFailure from None


def public_encrypt(public_key: rsa.RSAPublicKey, algorithm: str, plaintext: bytes) -> bytes:
    """RSAES ``RSAES_PKCS1_V1_5``, ``RSAES_OAEP_SHA_1`` or ``RSAES_OAEP_SHA_256`` under a
    caller's public key; :class:`CipherFailure` when the plaintext is too long for it."""
    scheme = _asym.PKCS1v15() if algorithm == "RSAES_PKCS1_V1_5" else _oaep(algorithm)
    try:
        return public_key.encrypt(plaintext, scheme)
    except ValueError:
        raise CipherFailure from None


def _oaep(algorithm: str) -> _asym.OAEP:
    digest = hashes.SHA256() if algorithm == "RSAES_OAEP_SHA_256" else hashes.SHA1()  # noqa: S303
    return _asym.OAEP(mgf=_asym.MGF1(algorithm=digest), algorithm=digest, label=None)


def rsa_encrypt(key: rsa.RSAPrivateKey, algorithm: str, plaintext: bytes) -> bytes:
    """RSAES-OAEP (``RSAES_OAEP_SHA_256`` or ``_SHA_1``) with the key's public half;
    :class:`CipherFailure` when the plaintext is too long for the key."""
    try:
        return key.public_key().encrypt(plaintext, _oaep(algorithm))
    except ValueError:
        raise CipherFailure from None


def rsa_decrypt(key: rsa.RSAPrivateKey, algorithm: str, ciphertext: bytes) -> bytes:
    """The inverse of :func:`rsa_encrypt`; :class:`CipherFailure` when it does not open."""
    try:
        return key.decrypt(ciphertext, _oaep(algorithm))
    except ValueError:
        raise CipherFailure from None
