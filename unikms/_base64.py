"""Base64 for the hot paths: ``pybase64`` when installed, else the standard library.

Alibaba classic and Tencent carry every plaintext and ciphertext as Base64, so
the fake and the dialect layer spend most of a 4 KB call here. The standard
library decodes about 0.5 GB/s on CPython 3.11; ``pybase64`` (the optional
``unikms[fast]`` extra) uses SIMD and is 10-20x faster. Both give the same
bytes and refuse the same input (``tests/test_base64.py`` checks one against
the other), so which one is in use never changes a result.

    >>> decode(encode(b"kms"))
    b'kms'
    >>> decode("a2")
    Traceback (most recent call last):
    ...
    binascii.Error: Incorrect padding
"""

from __future__ import annotations

import base64 as _std
import binascii
from collections.abc import Callable

__all__ = [
    "IMPLEMENTATION",
    "decode",
    "encode",
    "encode_bytes",
    "std_decode",
    "std_encode",
    "std_encode_bytes",
]


def std_encode(data: bytes) -> str:
    """Base64 text of ``data`` (standard alphabet, padded)."""
    return _std.b64encode(data).decode("ascii")


def std_encode_bytes(data: bytes) -> bytes:
    """:func:`std_encode` as ASCII bytes."""
    return _std.b64encode(data)


def std_decode(text: str | bytes) -> bytes:
    """Strict decode: only the standard alphabet and correct padding, else
    :class:`binascii.Error` (a :class:`ValueError`)."""
    if isinstance(text, str):
        try:
            text = text.encode("ascii")
        except UnicodeEncodeError:
            raise binascii.Error("Non-base64 digit found") from None
    return _std.b64decode(text, validate=True)


encode: Callable[[bytes], str]
encode_bytes: Callable[[bytes], bytes]
decode: Callable[[str | bytes], bytes]

try:
    import pybase64 as _fast
except ImportError:  # pragma: no cover - depends on the environment
    IMPLEMENTATION = "standard library"
    encode, encode_bytes, decode = std_encode, std_encode_bytes, std_decode
else:
    IMPLEMENTATION = f"pybase64 {_fast.__version__}"

    def _fast_decode(text: str | bytes) -> bytes:
        try:
            return _fast.b64decode(text, validate=True)
        except ValueError:
            # pybase64 is stricter about surplus padding ("QUJD=") and words its
            # errors otherwise: let the standard library decide every refusal
            return std_decode(text)

    encode = _fast.b64encode_as_string
    encode_bytes = _fast.b64encode
    decode = _fast_decode
