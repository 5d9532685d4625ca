"""Asymmetric keys, neutrally: which algorithms a key spec has, digests, size limits,
public keys, and verifying a signature with the public key alone.

What is the same on every dialect lives here (the algorithms themselves are standards:
RSASSA-PSS and RSASSA-PKCS1-v1_5 with SHA-256, ECDSA with SHA-256, RSAES-OAEP); what
a dialect allows is declared by its operations (``signing_algorithms``,
``encryption_algorithms``: docs/dialects.md cites each). A signature a KMS made
verifies here with nothing but the exported public key::

    >>> import unikms
    >>> from unikms.asymmetric import verify_locally
    >>> kms = unikms.connect("fake://alibaba-classic")
    >>> key = kms.create_key(spec="EC_P256", usage="SIGN/VERIFY").key_id
    >>> signed = kms.sign(key, message=b"release 1.4", algorithm="ECDSA_SHA_256")
    >>> public = kms.get_public_key(key, version_id=signed.key_version_id)
    >>> verify_locally(public.der, signed.signature, b"release 1.4", "ECDSA_SHA_256")
    True
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils

from unikms.types import AsymmetricAlgorithm, KeySpec, SigningAlgorithm

__all__ = [
    "DIGEST_BYTES",
    "RSA_KEY_BYTES",
    "der_of_pem",
    "encrypt_locally",
    "message_digest",
    "oaep_max_plaintext",
    "pem_of_der",
    "verify_locally",
]

#: every neutral signing algorithm signs a 32-byte digest (SHA-256, or SM3 for SM2DSA)
DIGEST_BYTES = 32
#: the modulus length of each RSA spec, in bytes
RSA_KEY_BYTES = {KeySpec.RSA_2048: 256, KeySpec.RSA_3072: 384}
_OAEP_HASH_BYTES = {
    AsymmetricAlgorithm.RSAES_OAEP_SHA_256: 32,
    AsymmetricAlgorithm.RSAES_OAEP_SHA_1: 20,
}


def oaep_max_plaintext(spec: KeySpec, algorithm: AsymmetricAlgorithm) -> int:
    """The longest plaintext RSAES-OAEP takes with a key of ``spec``: ``k - 2 hLen - 2``
    (RFC 8017 section 7.1.1), which is the table of Alibaba's ``AsymmetricEncrypt`` page.

    >>> oaep_max_plaintext(KeySpec.RSA_2048, AsymmetricAlgorithm.RSAES_OAEP_SHA_256)
    190
    >>> oaep_max_plaintext(KeySpec.RSA_3072, AsymmetricAlgorithm.RSAES_OAEP_SHA_1)
    342
    """
    return RSA_KEY_BYTES[spec] - 2 * _OAEP_HASH_BYTES[algorithm] - 2


def message_digest(algorithm: SigningAlgorithm, message: bytes) -> bytes:
    """The digest ``algorithm`` signs for ``message``: SHA-256 for RSA and ECDSA.

    SM2DSA signs SM3 of the signer's ``Z`` (its identity and public key) followed by the
    message, which needs the public key: not computed here (``ValueError``).
    """
    if algorithm is SigningAlgorithm.SM2DSA:
        raise ValueError("an SM2DSA digest is SM3 over Z(A) || M: it needs the public key")
    return hashlib.sha256(message).digest()


def der_of_pem(pem: str) -> bytes:
    """The DER bytes of one PEM block (any type, SM2 keys included, which ``cryptography``
    cannot load)."""
    lines = [line.strip() for line in pem.strip().splitlines()]
    body = "".join(line for line in lines if line and not line.startswith("-----"))
    return base64.b64decode(body, validate=True)


def pem_of_der(der: bytes, label: str = "PUBLIC KEY") -> str:
    """A PEM block of ``der`` (64 Base64 characters a line)."""
    text = base64.b64encode(der).decode("ascii")
    lines = [text[i : i + 64] for i in range(0, len(text), 64)]
    return f"-----BEGIN {label}-----\n" + "\n".join(lines) + f"\n-----END {label}-----\n"


def _public_key(der: bytes) -> rsa.RSAPublicKey | ec.EllipticCurvePublicKey:
    try:
        key = serialization.load_der_public_key(der)
    except (ValueError, UnsupportedAlgorithm) as err:
        raise ValueError(f"not a public key cryptography can load: {err}") from None
    if not isinstance(key, (rsa.RSAPublicKey, ec.EllipticCurvePublicKey)):
        raise ValueError(f"not an RSA or EC public key: {type(key).__name__}")
    return key


def verify_locally(
    public_key_der: bytes,
    signature: bytes,
    message: bytes | None,
    algorithm: SigningAlgorithm | str,
    *,
    digest: bytes | None = None,
) -> bool:
    """Whether ``signature`` of ``message`` (or of its ``digest``) verifies under the
    public key alone, with ``cryptography`` (RSA and ECDSA; SM2DSA is not offered).

    ``False`` for a signature that does not verify; ``ValueError`` for a key that is
    not RSA or EC, or an algorithm that is not the key's.
    """
    algorithm = SigningAlgorithm(algorithm)
    key = _public_key(public_key_der)
    if digest is None:
        if message is None:
            raise ValueError("pass message or digest")
        digest = message_digest(algorithm, message)
    prehashed = utils.Prehashed(hashes.SHA256())
    try:
        if algorithm is SigningAlgorithm.ECDSA_SHA_256 and isinstance(
            key, ec.EllipticCurvePublicKey
        ):
            key.verify(signature, digest, ec.ECDSA(prehashed))
        elif algorithm is SigningAlgorithm.RSA_PSS_SHA_256 and isinstance(key, rsa.RSAPublicKey):
            pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=DIGEST_BYTES)
            key.verify(signature, digest, pss, prehashed)
        elif algorithm is SigningAlgorithm.RSA_PKCS1_SHA_256 and isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, digest, padding.PKCS1v15(), prehashed)
        else:
            raise ValueError(f"{algorithm.value} is not an algorithm of a {type(key).__name__}")
    except InvalidSignature:
        return False
    return True


def encrypt_locally(
    public_key_der: bytes, plaintext: bytes, algorithm: AsymmetricAlgorithm | str
) -> bytes:
    """RSAES-OAEP of ``plaintext`` under the public key alone: what a party that never
    calls KMS sends, to be opened by ``decrypt_asymmetric``."""
    algorithm = AsymmetricAlgorithm(algorithm)
    key = _public_key(public_key_der)
    if algorithm not in _OAEP_HASH_BYTES or not isinstance(key, rsa.RSAPublicKey):
        raise ValueError(f"{algorithm.value} is not an RSA OAEP algorithm of this key")
    digest: hashes.HashAlgorithm = (
        hashes.SHA256() if algorithm is AsymmetricAlgorithm.RSAES_OAEP_SHA_256 else hashes.SHA1()  # noqa: S303 - RSAES_OAEP_SHA_1 is the service's algorithm
    )
    return key.encrypt(
        plaintext, padding.OAEP(mgf=padding.MGF1(digest), algorithm=digest, label=None)
    )
