"""Encrypting: a header, then AES-256-GCM frames.

:func:`encrypt_stream` pulls from a readable binary stream;
:class:`MessageWriter` is pushed to (``write``, then ``close``). Both hold at
most two frames of plaintext at a time.

    >>> import io, unikms
    >>> from unikms import envelope
    >>> kms = unikms.connect("fake://tencent")
    >>> key = kms.create_key(alias="alias/logs").key_id
    >>> out = io.BytesIO()
    >>> with envelope.MessageWriter(out, [(kms, key)], context={"day": "2026-01-01"}) as w:
    ...     _ = w.write(b"line 1\\n")
    ...     _ = w.write(b"line 2\\n")
    >>> envelope.decrypt(out.getvalue(), [kms], context={"day": "2026-01-01"})
    b'line 1\\nline 2\\n'
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from unikms.client import KmsClient
from unikms.envelope.cache import DataKeyCache, Materials
from unikms.envelope.derive import derive, header_tag
from unikms.envelope.format import (
    DEFAULT_FRAME_SIZE,
    FINAL_FRAME,
    FRAME_PREFIX,
    MAX_FRAME_SIZE,
    MAX_FRAMES,
    MAX_WRAPPED_KEYS,
    MESSAGE_ID_BYTES,
    REGULAR_FRAME,
    SUITE_AES256_GCM_HKDF_SHA256_COMMIT,
    Header,
    encode_context,
    encode_header_body,
    frame_aad,
    frame_nonce,
)
from unikms.envelope.keyring import KmsKey, RandomSource, RawAesKey, Target, as_targets
from unikms.envelope.streams import (
    Progress,
    Readable,
    Writable,
    check_progress,
    check_readable,
    check_writable,
    read_exact,
)
from unikms.errors import InvalidRequestError, LimitExceededError

__all__ = ["Keys", "MessageWriter", "encrypt", "encrypt_stream"]

#: what ``keys`` may be: a list of :class:`KmsKey`, :class:`RawAesKey` or ``(client, key)``
Keys = Sequence[KmsKey | RawAesKey | tuple[KmsClient, str]] | KmsKey | RawAesKey


def check_frame_size(frame_size: object) -> int:
    """``frame_size`` if it is an integer from 1 to ``MAX_FRAME_SIZE``, else
    :class:`InvalidRequestError` (``field="frame_size"``); ``rewrap`` checks it the same way."""
    if (
        not isinstance(frame_size, int)
        or isinstance(frame_size, bool)
        or not 1 <= frame_size <= MAX_FRAME_SIZE
    ):
        raise InvalidRequestError(
            f"frame_size must be an integer from 1 to {MAX_FRAME_SIZE}, got {frame_size!r}",
            field="frame_size",
        )
    return frame_size


def _context_block(context: Mapping[str, str] | None) -> tuple[dict[str, str], bytes]:
    if context is not None and not isinstance(context, Mapping):
        raise InvalidRequestError(
            f"context must be a mapping of str to str, got {type(context).__name__}",
            field="context",
        )
    ctx = dict(context or {})
    try:
        return ctx, encode_context(ctx)
    except ValueError as err:
        raise InvalidRequestError(str(err), field="context") from None


def _make_materials(
    targets: list[Target], context: Mapping[str, str] | None, random: RandomSource
) -> Materials:
    data_key, first = targets[0].generate(context, random)
    wrapped = [first]
    wrapped.extend(t.wrap(data_key, context, random) for t in targets[1:])
    return Materials(data_key=data_key, wrapped_keys=tuple(wrapped))


class Sealer:
    """One message being written: header first, then frames in order.

    The writer under :func:`encrypt`, :func:`encrypt_stream` and ``rewrap`` (which starts
    one from an opened message's materials with :meth:`from_materials`); not application
    API, so not in ``__all__``.
    """

    __slots__ = ("_aead", "_mid", "_seq", "_write", "frame_size", "header", "plaintext_bytes")

    def __init__(
        self,
        write: Callable[[bytes], object],
        keys: Keys,
        *,
        context: Mapping[str, str] | None,
        frame_size: int,
        cache: DataKeyCache | None,
        size: int | None,
        random: RandomSource,
    ) -> None:
        targets = as_targets(keys)
        if len(targets) > MAX_WRAPPED_KEYS:
            raise InvalidRequestError(
                f"a message carries at most {MAX_WRAPPED_KEYS} wrapped keys", field="keys"
            )
        self.frame_size = check_frame_size(frame_size)
        if size is not None and (not isinstance(size, int) or isinstance(size, bool) or size < 0):
            raise InvalidRequestError(
                f"size must be a non-negative integer, got {size!r}", field="size"
            )
        ctx, block = _context_block(context)
        kms_context = ctx or None
        if cache is not None and not isinstance(cache, DataKeyCache):
            raise InvalidRequestError(
                f"cache must be a DataKeyCache or None, got {type(cache).__name__}", field="cache"
            )
        if cache is None:
            materials = _make_materials(targets, kms_context, random)
        else:
            cache_key = (tuple(t.identity() for t in targets), block)
            materials = cache.get_or_make(
                cache_key,
                size,
                lambda: _make_materials(targets, kms_context, random),
                owners=tuple(targets),
            )
        self._begin(write, materials, ctx, block, random)

    @classmethod
    def from_materials(
        cls,
        write: Callable[[bytes], object],
        materials: Materials,
        *,
        context: Mapping[str, str] | None,
        frame_size: int,
        random: RandomSource,
        avoid_message_id: bytes | None = None,
    ) -> Sealer:
        """A new message under an existing data key and wrapped keys (for rewrap).

        Draws a fresh message id (so a fresh message key); ``avoid_message_id``
        is the one it must differ from: the same id under the same data key
        would reuse the header tag's GCM nonce under the same key.
        """
        self = cls.__new__(cls)
        if not 1 <= len(materials.wrapped_keys) <= MAX_WRAPPED_KEYS:
            raise InvalidRequestError(
                f"a message carries 1 to {MAX_WRAPPED_KEYS} wrapped keys", field="keys"
            )
        self.frame_size = check_frame_size(frame_size)
        ctx, block = _context_block(context)
        self._begin(write, materials, ctx, block, random, avoid_message_id)
        return self

    def _begin(
        self,
        write: Callable[[bytes], object],
        materials: Materials,
        ctx: dict[str, str],
        block: bytes,
        random: RandomSource,
        avoid_message_id: bytes | None = None,
    ) -> None:
        """Draw the message id, derive the message key, write the header."""
        message_id = random(MESSAGE_ID_BYTES)
        if avoid_message_id is not None and message_id == avoid_message_id:
            raise RuntimeError("the random source repeated a message id; refusing to reuse it")
        keys_ = derive(materials.data_key, message_id)
        self._aead = AESGCM(keys_.message_key)
        try:
            body = encode_header_body(
                frame_size=self.frame_size,
                message_id=message_id,
                context_block=block,
                wrapped_keys=materials.wrapped_keys,
                commitment=keys_.commitment,
            )
        except (ValueError, UnicodeError) as err:
            # a key id, version or ciphertext the format cannot hold (over 65535 bytes)
            raise InvalidRequestError(
                f"a wrapped key does not fit the message header: {err}", field="keys"
            ) from None
        self.header = Header(
            version=1,
            suite=SUITE_AES256_GCM_HKDF_SHA256_COMMIT,
            frame_size=self.frame_size,
            message_id=message_id,
            context=ctx,
            wrapped_keys=materials.wrapped_keys,
            commitment=keys_.commitment,
        )
        self._mid = message_id
        self._seq = 0
        self._write = write
        self.plaintext_bytes = 0
        write(body + header_tag(self._aead, body))

    def frame(self, data: bytes | bytearray | memoryview, final: bool) -> None:
        """Encrypt and write one frame: exactly ``frame_size`` bytes unless ``final``."""
        seq = self._seq + 1
        if seq > MAX_FRAMES:
            raise LimitExceededError(
                f"a message holds at most {MAX_FRAMES} frames; use a larger frame_size",
                field="frame_size",
                size=seq,
                limit=MAX_FRAMES,
            )
        self._seq = seq
        n = len(data)
        self.plaintext_bytes += n
        kind = FINAL_FRAME if final else REGULAR_FRAME
        sealed = self._aead.encrypt(frame_nonce(seq), data, frame_aad(self._mid, kind, seq, n))
        if final:
            self._write(FRAME_PREFIX.pack(kind, seq) + n.to_bytes(4, "big"))
        else:
            self._write(FRAME_PREFIX.pack(kind, seq))
        self._write(sealed)


def seal_stream(
    src: Readable,
    dst: Writable,
    keys: Keys,
    *,
    context: Mapping[str, str] | None,
    frame_size: int,
    cache: DataKeyCache | None,
    size: int | None,
    progress: Progress | None,
    random: RandomSource,
) -> Header:
    """:func:`encrypt_stream` with every option explicit, ``random`` included (the
    scripted randomness of ``unikms.envelope.testing`` comes in here)."""
    read = read_exact(check_readable(src, "src").read, "src")
    write = check_writable(dst, "dst").write
    progress = check_progress(progress)
    sealer = Sealer(
        write,
        keys,
        context=context,
        frame_size=frame_size,
        cache=cache,
        size=size,
        random=random,
    )
    fs = sealer.frame_size
    current = read(fs)
    while True:
        following = read(fs) if len(current) == fs else b""
        final = not following
        if size is not None and sealer.plaintext_bytes + len(current) > size:
            raise InvalidRequestError(
                f"the source holds more than the {size} bytes declared in size", field="size"
            )
        sealer.frame(current, final)
        if progress is not None:
            progress(len(current))
        if final:
            break
        current = following
    if size is not None and sealer.plaintext_bytes != size:
        raise InvalidRequestError(
            f"the source held {sealer.plaintext_bytes} bytes, not the {size} declared in size",
            field="size",
        )
    return sealer.header


def encrypt_stream(
    src: Readable,
    dst: Writable,
    keys: Keys,
    *,
    context: Mapping[str, str] | None = None,
    frame_size: int = DEFAULT_FRAME_SIZE,
    cache: DataKeyCache | None = None,
    size: int | None = None,
    progress: Progress | None = None,
) -> Header:
    """Encrypt everything ``src`` holds into one message written to ``dst``.

    ``keys``: the wrapping keys (see :mod:`unikms.envelope.keyring`); the first
    makes the data key. ``context`` is bound to the message and passed to
    every KMS call. ``size`` declares the plaintext length in advance (then it
    must be exact); it lets a ``cache`` with a byte limit serve the stream.
    Holds at most two frames of plaintext. Returns the header written.

    If this raises after the header was written, ``dst`` holds a message
    without its final frame, which every decrypt refuses as truncated.

    >>> import io, unikms
    >>> from unikms import envelope
    >>> kms = unikms.connect("fake://alibaba-instance")
    >>> key = kms.create_key().key_id
    >>> sealed = io.BytesIO()
    >>> header = envelope.encrypt_stream(io.BytesIO(b"x" * 100_000), sealed, [(kms, key)])
    >>> header.wrapped_keys[0].key_id == key, header.frame_size
    (True, 65536)
    """
    return seal_stream(
        src,
        dst,
        keys,
        context=context,
        frame_size=frame_size,
        cache=cache,
        size=size,
        progress=progress,
        random=os.urandom,
    )


def encrypt(
    data: bytes | bytearray | memoryview,
    keys: Keys,
    *,
    context: Mapping[str, str] | None = None,
    frame_size: int = DEFAULT_FRAME_SIZE,
    cache: DataKeyCache | None = None,
) -> bytes:
    """Encrypt ``data`` (any size, empty included) into one envelope message.

    >>> import unikms
    >>> from unikms import envelope
    >>> ali = unikms.connect("fake://alibaba-classic")
    >>> ten = unikms.connect("fake://tencent")
    >>> a, t = ali.create_key().key_id, ten.create_key().key_id
    >>> sealed = envelope.encrypt(b"payroll" * 10_000, [(ali, a), (ten, t)], context={"y": "2026"})
    >>> envelope.decrypt(sealed, [ten], context={"y": "2026"}) == b"payroll" * 10_000
    True
    """
    return encrypt_bytes(
        data, keys, context=context, frame_size=frame_size, cache=cache, random=os.urandom
    )


def encrypt_bytes(
    data: bytes | bytearray | memoryview,
    keys: Keys,
    *,
    context: Mapping[str, str] | None,
    frame_size: int,
    cache: DataKeyCache | None,
    random: RandomSource,
) -> bytes:
    """:func:`encrypt` with every option explicit, ``random`` included (the scripted
    randomness of ``unikms.envelope.testing`` comes in here)."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise InvalidRequestError(f"data must be bytes, got {type(data).__name__}", field="data")
    view = memoryview(data)
    view = view.cast("B") if view.c_contiguous else memoryview(view.tobytes())
    out: list[bytes] = []
    sealer = Sealer(
        out.append,
        keys,
        context=context,
        frame_size=frame_size,
        cache=cache,
        size=len(view),
        random=random,
    )
    fs = sealer.frame_size
    total = len(view)
    pos = 0
    while True:
        end = pos + fs
        final = end >= total
        sealer.frame(view[pos : min(end, total)], final)
        if final:
            break
        pos = end
    return b"".join(out)


class MessageWriter:
    """A writable stream that encrypts into one message on ``dst``.

    Frames go out as they fill; :meth:`close` writes the final frame (it does
    not close ``dst``). Used as a context manager, an exception inside the
    block leaves the message without its final frame, so it never decrypts as
    if complete. ``header`` is the header written.
    """

    def __init__(
        self,
        dst: Writable,
        keys: Keys,
        *,
        context: Mapping[str, str] | None = None,
        frame_size: int = DEFAULT_FRAME_SIZE,
        cache: DataKeyCache | None = None,
        size: int | None = None,
    ) -> None:
        self._sealer = Sealer(
            check_writable(dst, "dst").write,
            keys,
            context=context,
            frame_size=frame_size,
            cache=cache,
            size=size,
            random=os.urandom,
        )
        self._size = size
        self._buffer = bytearray()
        self._written = 0
        self.closed = False

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        return f"MessageWriter({state}, plaintext_bytes={self._written})"

    @property
    def header(self) -> Header:
        return self._sealer.header

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:
        """Add plaintext; full frames are encrypted and written once more follows."""
        if self.closed:
            raise InvalidRequestError("write to a closed MessageWriter", field="data")
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise InvalidRequestError(
                f"data must be bytes, bytearray or memoryview, got {type(data).__name__}",
                field="data",
            )
        if isinstance(data, memoryview):
            data = data.cast("B") if data.c_contiguous else data.tobytes()
        n = len(data)
        if self._size is not None and self._written + n > self._size:
            raise InvalidRequestError(
                f"more than the {self._size} bytes declared in size were written", field="size"
            )
        self._buffer += data
        self._written += n
        fs = self._sealer.frame_size
        # keep at least one byte back: the final frame must not be empty unless
        # the whole message is, and only close() knows which frame is final
        if len(self._buffer) > fs:
            view = memoryview(self._buffer)
            pos = 0
            try:
                while len(self._buffer) - pos > fs:
                    self._sealer.frame(view[pos : pos + fs], final=False)
                    pos += fs
            finally:
                view.release()
            del self._buffer[:pos]
        return n

    def close(self) -> None:
        """Write the final frame. Idempotent."""
        if self.closed:
            return
        if self._size is not None and self._written != self._size:
            raise InvalidRequestError(
                f"{self._written} bytes were written, not the {self._size} declared in size",
                field="size",
            )
        self.closed = True
        self._sealer.frame(bytes(self._buffer), final=True)
        self._buffer.clear()

    def __enter__(self) -> MessageWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.closed = True
            self._buffer.clear()
