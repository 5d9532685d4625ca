"""The fake's asymmetric cryptography: real signatures and RSAES-OAEP with the private
keys the key store holds (``cryptography``), so that what the fake signs verifies, and
what is encrypted with its public keys opens, outside unikms.

SM2 keys (``EC_SM2``) hold 32 bytes of material, the private scalar
(:meth:`unikms.sm2.Sm2Key.from_material`); their signatures, public keys and SM2PKE
come from :mod:`unikms.sm2` (``gmalg``, the optional extra ``unikms[sm2]``: without it
an SM2 operation raises :class:`unikms.sm2.Sm2Unavailable`, which each service turns
into its typed refusal).
"""

from __future__ import annotations

import hashlib

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils

from unikms import sm2
from unikms.asymmetric import DIGEST_BYTES
from unikms.fake import cipher
from unikms.fake.keystore import FakeKey, FakeKeyVersion, asymmetric_private_key
from unikms.types import KeySpec, SigningAlgorithm

__all__ = [
    "message_digest",
    "private_key",
    "public_der",
    "public_pem",
    "sign_digest",
    "sm2_decrypt",
    "sm2_encrypt",
    "verify_digest",
]

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | sm2.Sm2Key


def private_key(key: FakeKey, version: FakeKeyVersion) -> PrivateKey:
    """The version's private key, parsed once (:class:`~unikms.sm2.Sm2Unavailable` for an
    SM2 key without ``gmalg``)."""
    if key.spec is KeySpec.EC_SM2:
        return version.derived("sm2-private-key", lambda v: sm2.Sm2Key.from_material(v.material))
    return version.derived(
        "asymmetric-private-key", lambda v: asymmetric_private_key(v.material, key.spec)
    )


def public_der(private: PrivateKey) -> bytes:
    """The public half as DER ``SubjectPublicKeyInfo``."""
    if isinstance(private, sm2.Sm2Key):
        return sm2.public_der(private.point)
    return private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def public_pem(private: PrivateKey) -> str:
    """The public half as a PEM ``PUBLIC KEY`` block (what GetPublicKey answers)."""
    if isinstance(private, sm2.Sm2Key):
        return sm2.public_pem(private.point)
    return (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )


def _pss() -> padding.PSS:
    return padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=DIGEST_BYTES)


def message_digest(private: PrivateKey, message: bytes) -> bytes:
    """The digest a signature of ``message`` signs: ``SM3(Z || M)`` for an SM2 key (its
    identity the default one, :data:`unikms.sm2.DEFAULT_ID`), else SHA-256."""
    if isinstance(private, sm2.Sm2Key):
        return private.digest(message)
    return hashlib.sha256(message).digest()


def sign_digest(private: PrivateKey, algorithm: SigningAlgorithm, digest: bytes) -> bytes:
    """The signature of a SHA-256 (SM2: ``SM3(Z || M)``) ``digest`` (DER for ECDSA and
    SM2DSA)."""
    if isinstance(private, sm2.Sm2Key):
        return private.sign_digest(digest)
    prehashed = utils.Prehashed(hashes.SHA256())
    if isinstance(private, ec.EllipticCurvePrivateKey):
        return private.sign(digest, ec.ECDSA(prehashed))
    if algorithm is SigningAlgorithm.RSA_PSS_SHA_256:
        return private.sign(digest, _pss(), prehashed)
    return private.sign(digest, padding.PKCS1v15(), prehashed)


def verify_digest(
    private: PrivateKey, algorithm: SigningAlgorithm, digest: bytes, signature: bytes
) -> bool:
    """Whether ``signature`` of ``digest`` verifies (any malformed signature: ``False``)."""
    if isinstance(private, sm2.Sm2Key):
        return private.verify_digest(digest, signature)
    prehashed = utils.Prehashed(hashes.SHA256())
    public = private.public_key()
    try:
        if isinstance(public, ec.EllipticCurvePublicKey):
            public.verify(signature, digest, ec.ECDSA(prehashed))
        elif algorithm is SigningAlgorithm.RSA_PSS_SHA_256:
            public.verify(signature, digest, _pss(), prehashed)
        else:
            public.verify(signature, digest, padding.PKCS1v15(), prehashed)
    except (InvalidSignature, ValueError):
        return False
    return True


def oaep_encrypt(private: PrivateKey, algorithm: str, plaintext: bytes) -> bytes:
    """RSAES-OAEP under the public half; :class:`~unikms.fake.cipher.CipherFailure` when
    too long."""
    assert isinstance(private, rsa.RSAPrivateKey)
    return cipher.rsa_encrypt(private, algorithm, plaintext)


def oaep_decrypt(private: PrivateKey, algorithm: str, ciphertext: bytes) -> bytes:
    """The inverse of :func:`oaep_encrypt`; ``CipherFailure`` when it does not open."""
    assert isinstance(private, rsa.RSAPrivateKey)
    return cipher.rsa_decrypt(private, algorithm, ciphertext)


def sm2_encrypt(private: PrivateKey, plaintext: bytes) -> bytes:
    """SM2PKE under the public half: GM/T 0009's DER ``SM2Cipher``."""
    assert isinstance(private, sm2.Sm2Key)
    return sm2.encrypt(private.point, plaintext)


def sm2_decrypt(private: PrivateKey, ciphertext: bytes) -> bytes:
    """The inverse of :func:`sm2_encrypt`; :class:`~unikms.fake.cipher.CipherFailure` when
    it does not open."""
    assert isinstance(private, sm2.Sm2Key)
    try:
        return private.decrypt(ciphertext)
    except sm2.NotAnSm2Key:
        raise cipher.CipherFailure("the SM2 ciphertext does not open") from None
