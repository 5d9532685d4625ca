"""The fake's asymmetric cryptography: real signatures and RSAES-OAEP with the private
keys the key store holds (``cryptography``), so that what the fake signs verifies, and
what is encrypted with its public keys opens, outside unikms.

SM2 is not done here: ``cryptography`` has no SM2 curve, and the fake's SM2 keys hold
random bytes; every dialect's fake answers an SM2 operation with its
"unsupported operation" error (docs/dialects.md 1.10).
"""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils

from unikms.asymmetric import DIGEST_BYTES
from unikms.fake import cipher
from unikms.fake.keystore import FakeKey, FakeKeyVersion, asymmetric_private_key
from unikms.types import SigningAlgorithm

__all__ = ["private_key", "public_der", "public_pem", "sign_digest", "verify_digest"]

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


def private_key(key: FakeKey, version: FakeKeyVersion) -> PrivateKey:
    """The version's private key, parsed once."""
    return version.derived(
        "asymmetric-private-key", lambda v: asymmetric_private_key(v.material, key.spec)
    )


def public_der(private: PrivateKey) -> bytes:
    """The public half as DER ``SubjectPublicKeyInfo``."""
    return private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def public_pem(private: PrivateKey) -> str:
    """The public half as a PEM ``PUBLIC KEY`` block (what GetPublicKey answers)."""
    return (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )


def _pss() -> padding.PSS:
    return padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=DIGEST_BYTES)


def sign_digest(private: PrivateKey, algorithm: SigningAlgorithm, digest: bytes) -> bytes:
    """The signature of a SHA-256 ``digest`` (DER for ECDSA)."""
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
