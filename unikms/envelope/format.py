"""The envelope message format, version 1: constants, header types, encoding.

Specified in ``docs/envelope.md``. A message is a header, then frames::

    header  = magic "UKEV" | version u8 | suite u16 | frame_size u32 | message_id[32]
              | u16 len | context entries | u8 count | wrapped keys
              | commitment[32] | header_tag[16]
    regular = 0x00 | seq u32 | ciphertext[frame_size] | tag[16]
    final   = 0x01 | seq u32 | len u32 | ciphertext[len] | tag[16]

All integers are big-endian. This module only encodes and decodes; nothing
here touches keys (see :mod:`unikms.envelope.derive`).

    >>> block = encode_context({"tenant": "42", "app": "orders"})
    >>> block.hex()
    '000361707000066f7264657273000674656e616e7400023432'
    >>> decode_context(block)
    {'app': 'orders', 'tenant': '42'}
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Mapping

import attrs

from unikms.envelope.errors import (
    MalformedMessageError,
    TooManyWrappedKeysError,
    TruncatedMessageError,
    UnsupportedFormatError,
)

__all__ = [
    "COMMITMENT_BYTES",
    "DATA_KEY_BYTES",
    "DEFAULT_FRAME_SIZE",
    "DEFAULT_MAX_WRAPPED_KEYS",
    "FINAL_FRAME",
    "FRAME_PREFIX",
    "HEADER_NONCE",
    "MAGIC",
    "MAX_FRAMES",
    "MAX_FRAME_SIZE",
    "MAX_WRAPPED_KEYS",
    "MESSAGE_ID_BYTES",
    "NONCE_BYTES",
    "REGULAR_FRAME",
    "SUITE_AES256_GCM_HKDF_SHA256_COMMIT",
    "TAG_BYTES",
    "VERSION",
    "Header",
    "WrappedKey",
    "decode_context",
    "encode_context",
    "encode_header_body",
    "frame_aad",
    "frame_nonce",
    "parse_header",
]

MAGIC = b"UKEV"
VERSION = 1
#: AES-256-GCM frames, HKDF-SHA256 key derivation, 32-byte key commitment
SUITE_AES256_GCM_HKDF_SHA256_COMMIT = 0x0001
SUITES = frozenset({SUITE_AES256_GCM_HKDF_SHA256_COMMIT})

MESSAGE_ID_BYTES = 32
DATA_KEY_BYTES = 32
COMMITMENT_BYTES = 32
TAG_BYTES = 16
NONCE_BYTES = 12
DEFAULT_FRAME_SIZE = 64 * 1024
MAX_FRAME_SIZE = 1 << 24
MAX_FRAMES = 0xFFFFFFFF
MAX_WRAPPED_KEYS = 255
#: how many wrapped keys a decrypt accepts unless told otherwise (``max_wrapped_keys``)
DEFAULT_MAX_WRAPPED_KEYS = 16

REGULAR_FRAME = 0x00
FINAL_FRAME = 0x01

#: frame kind (u8) and sequence number (u32)
FRAME_PREFIX = struct.Struct(">BI")
_U32 = struct.Struct(">I")
_NONCE = struct.Struct(">8xI")
_AAD_TAIL = struct.Struct(">BIQ")
_FIXED = struct.Struct(">4sBHI32s")

#: the header tag's nonce: sequence number 0, which no frame uses
HEADER_NONCE = bytes(NONCE_BYTES)


def frame_nonce(seq: int) -> bytes:
    """The GCM nonce of frame ``seq``: 8 zero bytes, then ``seq`` as u32."""
    return _NONCE.pack(seq)


def frame_aad(message_id: bytes, kind: int, seq: int, length: int) -> bytes:
    """A frame's associated data: message id, kind, sequence number, plaintext length (u64)."""
    return message_id + _AAD_TAIL.pack(kind, seq, length)


def _hex_repr(value: bytes) -> str:
    return value.hex()


def _len_repr(value: bytes) -> str:
    return f"<{len(value)} bytes>"


@attrs.frozen
class WrappedKey:
    """The message's data key, encrypted under one wrapping key.

    ``provider`` is the KMS dialect (``alibaba-classic``, ``alibaba-instance``,
    ``tencent``) or ``raw-aes``; ``key_id`` and ``key_version_id`` are what the
    KMS reported (``None`` where it reports no version); ``ciphertext`` is the
    KMS ciphertext of the data key, as :meth:`unikms.KmsClient.decrypt` takes it.
    """

    provider: str
    key_id: str
    key_version_id: str | None
    ciphertext: bytes = attrs.field(repr=_len_repr)


@attrs.frozen
class Header:
    """A parsed message header. Authenticated only once a data key opened it:
    from :func:`unikms.envelope.read_header` it is what the bytes claim."""

    version: int
    suite: int
    frame_size: int
    message_id: bytes = attrs.field(repr=_hex_repr)
    context: dict[str, str] = attrs.field(hash=False)
    wrapped_keys: tuple[WrappedKey, ...]
    commitment: bytes = attrs.field(repr=_len_repr)


# -- encoding ---------------------------------------------------------------------------


def _utf8(text: str, what: str) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"{what} is not encodable as UTF-8") from None


def encode_context(context: Mapping[str, str] | None) -> bytes:
    """The canonical context entries: sorted by key bytes, each ``u16 len | key | u16 len | value``.

    Raises :class:`ValueError` for empty or non-``str`` names, non-``str``
    values, or an entry longer than 65535 bytes.
    """
    if not context:
        return b""
    entries: list[tuple[bytes, bytes]] = []
    for name, value in context.items():
        if not isinstance(name, str) or not isinstance(value, str):
            raise ValueError("context must map str to str")
        if not name:
            raise ValueError("context names must not be empty")
        entries.append((_utf8(name, "a context name"), _utf8(value, "a context value")))
    entries.sort()
    out = bytearray()
    for name_b, value_b in entries:
        if len(name_b) > 0xFFFF or len(value_b) > 0xFFFF:
            raise ValueError("a context entry is longer than 65535 bytes")
        out += len(name_b).to_bytes(2, "big") + name_b + len(value_b).to_bytes(2, "big") + value_b
    if len(out) > 0xFFFF:
        raise ValueError(f"the context is {len(out)} bytes encoded; the format allows 65535")
    return bytes(out)


def decode_context(block: bytes) -> dict[str, str]:
    """Parse context entries, requiring the canonical form (sorted, unique, non-empty names)."""
    out: dict[str, str] = {}
    pos = 0
    last: bytes | None = None
    while pos < len(block):
        parts: list[bytes] = []
        for _ in range(2):
            if pos + 2 > len(block):
                raise MalformedMessageError(
                    "the context block ends inside an entry", part="context"
                )
            n = int.from_bytes(block[pos : pos + 2], "big")
            pos += 2
            if pos + n > len(block):
                raise MalformedMessageError(
                    "the context block ends inside an entry", part="context"
                )
            parts.append(block[pos : pos + n])
            pos += n
        name_b, value_b = parts
        if not name_b:
            raise MalformedMessageError("a context name is empty", part="context")
        if last is not None and name_b <= last:
            raise MalformedMessageError(
                "context names are not sorted and unique (not canonical)", part="context"
            )
        last = name_b
        try:
            out[name_b.decode("utf-8")] = value_b.decode("utf-8")
        except UnicodeDecodeError:
            raise MalformedMessageError("a context entry is not UTF-8", part="context") from None
    return out


def _field(data: bytes, width: int, what: str) -> bytes:
    if len(data) >= 1 << (8 * width):
        raise ValueError(f"{what} is {len(data)} bytes; the format allows {(1 << 8 * width) - 1}")
    return len(data).to_bytes(width, "big") + data


def encode_wrapped_key(wk: WrappedKey) -> bytes:
    provider = wk.provider.encode("ascii")
    if not provider:
        raise ValueError("a wrapped key needs a provider")
    if not wk.ciphertext:
        raise ValueError("a wrapped key's ciphertext must not be empty")
    return (
        _field(provider, 1, "provider")
        + _field(_utf8(wk.key_id, "a key id"), 2, "key id")
        + _field(_utf8(wk.key_version_id or "", "a key version id"), 2, "key version id")
        + _field(wk.ciphertext, 2, "wrapped key ciphertext")
    )


def encode_header_body(
    *,
    frame_size: int,
    message_id: bytes,
    context_block: bytes,
    wrapped_keys: tuple[WrappedKey, ...],
    commitment: bytes,
    suite: int = SUITE_AES256_GCM_HKDF_SHA256_COMMIT,
) -> bytes:
    """The header up to and including the commitment: what the header tag authenticates."""
    if not 1 <= len(wrapped_keys) <= MAX_WRAPPED_KEYS:
        raise ValueError(f"a message carries 1 to {MAX_WRAPPED_KEYS} wrapped keys")
    return b"".join(
        [
            _FIXED.pack(MAGIC, VERSION, suite, frame_size, message_id),
            _field(context_block, 2, "context"),
            bytes([len(wrapped_keys)]),
            *(encode_wrapped_key(wk) for wk in wrapped_keys),
            commitment,
        ]
    )


# -- decoding ---------------------------------------------------------------------------


class _HeaderReader:
    """Reads header fields from a stream, keeping every byte for the tag check."""

    def __init__(self, read: Callable[[int], bytes]) -> None:
        self._read = read
        self.taken = bytearray()

    def take(self, n: int, part: str) -> bytes:
        data = self._read(n) if n else b""
        if len(data) < n:
            if not self.taken and not data:
                raise TruncatedMessageError("the message is empty", part="header")
            raise TruncatedMessageError(f"the message ends inside the header ({part})", part=part)
        self.taken += data
        return data

    def number(self, width: int, part: str) -> int:
        return int.from_bytes(self.take(width, part), "big")

    def sized(self, width: int, part: str) -> bytes:
        return self.take(self.number(width, part), part)


def parse_header(
    read: Callable[[int], bytes], *, max_wrapped_keys: int = MAX_WRAPPED_KEYS
) -> tuple[Header, bytes, bytes]:
    """Parse a header with ``read(n)`` (which returns fewer bytes only at the end).

    Returns the header, the bytes the tag covers, and the tag. Checks the
    layout only: the tag is checked once a data key is known. A header with
    more than ``max_wrapped_keys`` wrapped keys raises
    :class:`TooManyWrappedKeysError` as soon as the count is read.
    """
    r = _HeaderReader(read)
    magic = r.take(4, "magic")
    if magic != MAGIC:
        raise MalformedMessageError(
            "not an envelope message (the magic bytes are not 'UKEV')", part="magic"
        )
    version = r.number(1, "version")
    if version != VERSION:
        raise UnsupportedFormatError(
            f"format version {version} is not supported (this implementation reads {VERSION})",
            part="version",
        )
    suite = r.number(2, "suite")
    if suite not in SUITES:
        raise UnsupportedFormatError(
            f"algorithm suite 0x{suite:04x} is not supported", part="suite"
        )
    frame_size = r.number(4, "frame_size")
    if not 1 <= frame_size <= MAX_FRAME_SIZE:
        raise MalformedMessageError(
            f"frame size {frame_size} is outside 1 to {MAX_FRAME_SIZE}", part="frame_size"
        )
    message_id = r.take(MESSAGE_ID_BYTES, "message_id")
    context = decode_context(r.sized(2, "context"))
    count = r.number(1, "wrapped_key_count")
    if count == 0:
        raise MalformedMessageError("the message carries no wrapped key", part="wrapped_key_count")
    if count > max_wrapped_keys:
        raise TooManyWrappedKeysError(
            f"the message carries {count} wrapped keys; this decrypt accepts at most "
            f"{max_wrapped_keys} (max_wrapped_keys)",
            count=count,
            limit=max_wrapped_keys,
        )
    keys = []
    for i in range(count):
        part = f"wrapped key {i + 1}"
        provider_b = r.sized(1, part)
        key_id_b = r.sized(2, part)
        version_b = r.sized(2, part)
        ciphertext = r.sized(2, part)
        try:
            provider = provider_b.decode("ascii")
            key_id = key_id_b.decode("utf-8")
            key_version = version_b.decode("utf-8")
        except UnicodeDecodeError:
            raise MalformedMessageError(f"{part} has a field that is not text", part=part) from None
        if not provider or not ciphertext:
            raise MalformedMessageError(f"{part} has an empty provider or ciphertext", part=part)
        keys.append(WrappedKey(provider, key_id, key_version or None, ciphertext))
    commitment = r.take(COMMITMENT_BYTES, "commitment")
    body = bytes(r.taken)
    tag = r.take(TAG_BYTES, "header_tag")
    header = Header(
        version=version,
        suite=suite,
        frame_size=frame_size,
        message_id=message_id,
        context=context,
        wrapped_keys=tuple(keys),
        commitment=commitment,
    )
    return header, body, tag
