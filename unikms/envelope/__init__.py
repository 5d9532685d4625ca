"""Envelope encryption: data of any size, readable from either cloud.

A message is a versioned header (the data key wrapped under one or more KMS
keys, the encryption context, a key commitment, a header tag) followed by
AES-256-GCM frames. The first wrapping key makes the data key with
``GenerateDataKey``; every other key wraps the same data key with ``Encrypt``,
so a message sealed under an Alibaba key and a Tencent key opens with either
cloud alone. The format is specified in ``docs/envelope.md``.

    >>> import unikms
    >>> from unikms import envelope
    >>> ali = unikms.connect("fake://alibaba-classic")
    >>> ten = unikms.connect("fake://tencent")
    >>> a_key, t_key = ali.create_key().key_id, ten.create_key().key_id
    >>> sealed = envelope.encrypt(b"x" * 1_000_000, [(ali, a_key), (ten, t_key)],
    ...                           context={"bucket": "backups"})
    >>> envelope.decrypt(sealed, [ten], context={"bucket": "backups"}) == b"x" * 1_000_000
    True
    >>> envelope.decrypt(sealed, [ali], context={"bucket": "backups"}) == b"x" * 1_000_000
    True

Streams: :func:`encrypt_stream`, :func:`decrypt_stream`, :class:`MessageWriter`,
:class:`MessageReader`; files, all or nothing: :func:`encrypt_file`,
:func:`decrypt_file`; caching data keys: :class:`DataKeyCache`; looking at a
header without keys: :func:`read_header`; adding and removing wrapping keys (a
new message under the same data key): :func:`rewrap`, :func:`rewrap_stream`,
:func:`rewrap_file`. Decrypting refuses messages with more
than :data:`DEFAULT_MAX_WRAPPED_KEYS` wrapped keys unless told otherwise, and
takes an ``allowed_keys`` list of the KMS keys it may use (``docs/envelope.md``,
"Security considerations").
"""

from unikms.envelope.cache import CacheStats, DataKeyCache
from unikms.envelope.errors import (
    Attempt,
    ContextMismatchError,
    EnvelopeError,
    FrameAuthenticationError,
    FrameSequenceError,
    HeaderAuthenticationError,
    KeyCommitmentError,
    MalformedMessageError,
    NoUsableKeyError,
    TooManyWrappedKeysError,
    TrailingDataError,
    TruncatedMessageError,
    UnsupportedFormatError,
)
from unikms.envelope.files import decrypt_file, encrypt_file
from unikms.envelope.format import (
    DEFAULT_FRAME_SIZE,
    DEFAULT_MAX_WRAPPED_KEYS,
    MAX_FRAME_SIZE,
    MAX_WRAPPED_KEYS,
    Header,
    WrappedKey,
)
from unikms.envelope.keyring import RAW_AES_PROVIDER, KmsKey, RawAesKey
from unikms.envelope.rewrap import Rewrapped, rewrap, rewrap_file, rewrap_stream
from unikms.envelope.seal import MessageWriter, encrypt, encrypt_stream
from unikms.envelope.streams import Readable, Writable
from unikms.envelope.unseal import MessageReader, Opened, decrypt, decrypt_stream, read_header

__all__ = [
    "DEFAULT_FRAME_SIZE",
    "DEFAULT_MAX_WRAPPED_KEYS",
    "MAX_FRAME_SIZE",
    "MAX_WRAPPED_KEYS",
    "RAW_AES_PROVIDER",
    "Attempt",
    "CacheStats",
    "ContextMismatchError",
    "DataKeyCache",
    "EnvelopeError",
    "FrameAuthenticationError",
    "FrameSequenceError",
    "Header",
    "HeaderAuthenticationError",
    "KeyCommitmentError",
    "KmsKey",
    "MalformedMessageError",
    "MessageReader",
    "MessageWriter",
    "NoUsableKeyError",
    "Opened",
    "RawAesKey",
    "Readable",
    "Rewrapped",
    "TooManyWrappedKeysError",
    "TrailingDataError",
    "TruncatedMessageError",
    "UnsupportedFormatError",
    "WrappedKey",
    "Writable",
    "decrypt",
    "decrypt_file",
    "decrypt_stream",
    "encrypt",
    "encrypt_file",
    "encrypt_stream",
    "read_header",
    "rewrap",
    "rewrap_file",
    "rewrap_stream",
]
