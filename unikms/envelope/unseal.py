"""Decrypting: find a wrapped data key that opens, check the header, then frames.

:class:`MessageReader` reads the header and opens the data key when it is
made (so key and context problems surface before any output exists), then
yields each frame's plaintext only after that frame's tag verified.
:func:`decrypt_stream` writes those frames as they come; :func:`decrypt`
returns the whole plaintext.

Streaming and failures: a failure after N frames leaves the N frames
(authenticated, in order, but not the whole message) already written. The
error says so (``frames_released``, ``bytes_released``). For all or nothing,
decrypt to a temporary file and rename it on success
(:func:`unikms.envelope.decrypt_file` does that), or use :func:`decrypt`.

    >>> import io, unikms
    >>> from unikms import envelope
    >>> kms = unikms.connect("fake://alibaba-classic")
    >>> key = kms.create_key().key_id
    >>> sealed = envelope.encrypt(b"a" * 70_000, [(kms, key)], context={"t": "1"})
    >>> reader = envelope.MessageReader(io.BytesIO(sealed), [kms], context={"t": "1"})
    >>> [len(chunk) for chunk in reader], reader.opened_with.key_id == key
    ([65536, 4464], True)
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable, Iterator, Mapping, Sequence

import attrs
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from unikms.client import KmsClient
from unikms.context import canonical_context_json
from unikms.envelope.cache import DataKeyCache
from unikms.envelope.derive import DerivedKeys, commitment_matches, derive, header_tag_matches
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
    TrailingDataError,
    TruncatedMessageError,
)
from unikms.envelope.format import (
    DATA_KEY_BYTES,
    DEFAULT_MAX_WRAPPED_KEYS,
    FINAL_FRAME,
    FRAME_PREFIX,
    MAX_WRAPPED_KEYS,
    REGULAR_FRAME,
    TAG_BYTES,
    Header,
    WrappedKey,
    frame_aad,
    frame_nonce,
    parse_header,
)
from unikms.envelope.keyring import (
    AllowedKeys,
    KeyFilter,
    Match,
    Opener,
    RawAesKey,
    as_key_filter,
    as_openers,
    describe_opener,
    match,
    unwrap,
)
from unikms.envelope.streams import (
    Progress,
    Readable,
    Writable,
    check_progress,
    check_readable,
    check_writable,
    read_exact,
)
from unikms.errors import InvalidRequestError, KmsError

__all__ = ["Clients", "MessageReader", "Opened", "decrypt", "decrypt_stream", "read_header"]

#: what ``clients`` may be: KmsClients and RawAesKeys, in order of preference
Clients = Sequence[KmsClient | RawAesKey] | KmsClient | RawAesKey


@attrs.frozen
class Opened:
    """What a decrypt found: the header, the wrapped key that opened, the plaintext size."""

    header: Header
    opened_with: WrappedKey
    plaintext_bytes: int


def read_header(source: bytes | bytearray | memoryview | Readable) -> Header:
    """The header of a message, without any key: **not authenticated**.

    For looking (which keys wrap it, its context); nothing here is checked
    beyond its layout. A stream is left just after the header.

    >>> import unikms
    >>> from unikms import envelope
    >>> kms = unikms.connect("fake://tencent")
    >>> key = kms.create_key().key_id
    >>> h = envelope.read_header(envelope.encrypt(b"x", [(kms, key)], context={"a": "b"}))
    >>> h.context, [(w.provider, w.key_id == key) for w in h.wrapped_keys]
    ({'a': 'b'}, [('tencent', True)])
    """
    if isinstance(source, (bytes, bytearray, memoryview)):
        source = io.BytesIO(memoryview(source).tobytes())
    stream = check_readable(source, "source")
    header, _body, _tag = parse_header(read_exact(stream.read, "source"))
    return header


def _check_max_wrapped_keys(value: object) -> int:
    if value is None:
        return MAX_WRAPPED_KEYS
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_WRAPPED_KEYS:
        raise InvalidRequestError(
            f"max_wrapped_keys must be an integer from 1 to {MAX_WRAPPED_KEYS} (or None: no "
            f"limit beyond the format's), got {value!r}",
            field="max_wrapped_keys",
        )
    return value


def _check_context(header: Header, context: Mapping[str, str] | None) -> None:
    if context is not None and not isinstance(context, Mapping):
        raise InvalidRequestError(
            f"context must be a mapping of str to str, got {type(context).__name__}",
            field="context",
        )
    given = dict(context or {})
    for name, value in given.items():
        if not isinstance(name, str) or not isinstance(value, str):
            raise InvalidRequestError("context must map str to str", field="context")
    stored = header.context
    if given == stored:
        return
    missing = tuple(sorted(set(stored) - set(given)))
    unexpected = tuple(sorted(set(given) - set(stored)))
    different = tuple(sorted(k for k in set(stored) & set(given) if stored[k] != given[k]))
    details = []
    if missing:
        details.append(f"missing {', '.join(missing)}")
    if unexpected:
        details.append(f"not in the message: {', '.join(unexpected)}")
    if different:
        details.append(f"different values for {', '.join(different)}")
    raise ContextMismatchError(
        "the encryption context is not the one the message was sealed with ("
        + "; ".join(details)
        + ")",
        missing=missing,
        unexpected=unexpected,
        different=different,
    )


def _open_data_key(
    header: Header,
    openers: list[Opener],
    key_filter: KeyFilter | None = None,
    cache: DataKeyCache | None = None,
) -> tuple[bytes, DerivedKeys, WrappedKey]:
    """Try the wrapped keys: openers in the caller's order, exact dialect matches
    before compatible ones; the first data key that matches the commitment wins.
    With ``key_filter``, a KMS client only gets the wrapped keys it allows; with
    ``cache``, a KMS client's earlier opening of the same wrapped key is reused.
    Returns the data key, the keys derived from it, and the wrapped key that opened."""
    context = header.context or None
    context_block = canonical_context_json(context) if context else ""
    attempts: list[Attempt] = []
    refused: list[WrappedKey] = []
    commitment_failures = 0
    for level in (Match.EXACT, Match.COMPATIBLE):
        for opener in openers:
            for wk in header.wrapped_keys:
                if match(opener, wk) is not level:
                    continue
                if (
                    key_filter is not None
                    and isinstance(opener, KmsClient)
                    and not key_filter.allows(wk)
                ):
                    if wk not in refused:
                        refused.append(wk)
                    continue

                def failed(reason: str, wk: WrappedKey = wk, opener: Opener = opener) -> None:
                    attempts.append(
                        Attempt(
                            wk.provider,
                            wk.key_id,
                            wk.key_version_id,
                            describe_opener(opener),
                            reason,
                        )
                    )

                try:
                    if cache is not None and isinstance(opener, KmsClient):
                        data_key = cache.get_or_open(
                            (
                                "open",
                                id(opener),
                                wk.provider,
                                wk.key_id,
                                wk.ciphertext,
                                context_block,
                            ),
                            functools.partial(unwrap, opener, wk, context),
                            owners=opener,
                        )
                    else:
                        data_key = unwrap(opener, wk, context)
                except KmsError as err:
                    failed(f"{type(err).__name__}: {err}")
                    continue
                if len(data_key) != DATA_KEY_BYTES:
                    failed(f"it did not open to a {DATA_KEY_BYTES}-byte data key")
                    continue
                keys = derive(data_key, header.message_id, header.suite)
                if not commitment_matches(keys, header.commitment):
                    commitment_failures += 1
                    failed("the key it opened does not match the message's key commitment")
                    continue
                return data_key, keys, wk
    wrapped = tuple((wk.provider, wk.key_id) for wk in header.wrapped_keys)
    if commitment_failures:
        raise KeyCommitmentError(
            "no data key matches the message's key commitment (the header was altered, or "
            "a wrapped key opens to another key): " + "; ".join(a.describe() for a in attempts),
            attempts=tuple(attempts),
        )
    not_allowed = ""
    if refused:
        not_allowed = (
            " (not in allowed_keys, so not tried: "
            + ", ".join(f"{wk.provider} key {wk.key_id}" for wk in refused)
            + ")"
        )
    if not attempts:
        carried = ", ".join(f"{p} key {k}" for p, k in wrapped)
        given = ", ".join(describe_opener(o) for o in openers) or "none"
        raise NoUsableKeyError(
            f"no client given can open any of the message's wrapped keys ({carried}); "
            f"clients given: {given}{not_allowed}",
            wrapped=wrapped,
        )
    raise NoUsableKeyError(
        "none of the message's wrapped keys could be opened: "
        + "; ".join(a.describe() for a in attempts)
        + not_allowed,
        attempts=tuple(attempts),
        wrapped=wrapped,
    )


class MessageReader:
    """Opens one message from ``src``; iterate it for authenticated plaintext chunks.

    The constructor reads the header, checks ``context`` against it, opens a
    data key with ``clients`` (tried in order) and verifies the header tag.
    Iteration yields one chunk per frame, each only after its tag verified,
    and checks that nothing follows the final frame before yielding it.
    ``progress`` is called with the number of input bytes consumed.

    ``max_wrapped_keys`` (default :data:`DEFAULT_MAX_WRAPPED_KEYS`, 16; ``None``:
    the format's 255) refuses a message carrying more wrapped keys with
    :class:`TooManyWrappedKeysError` before any KMS call. ``allowed_keys``
    (default ``None``: any) lists the wrapped keys a KMS client may be asked to
    decrypt: key ids, ``(provider, key id)`` pairs (the provider a name, a
    :class:`~unikms.Dialect` or a client) or :class:`KmsKey` objects naming key
    ids; the others are never sent to a KMS. :class:`RawAesKey` openers are
    specific keys already and are not filtered. See "Security considerations"
    in ``docs/envelope.md``. ``cache`` (a :class:`DataKeyCache`) reuses data keys
    this client opened before from the same wrapped key, within ``max_age``.
    """

    def __init__(
        self,
        src: Readable,
        clients: Clients,
        *,
        context: Mapping[str, str] | None = None,
        progress: Progress | None = None,
        max_wrapped_keys: int | None = DEFAULT_MAX_WRAPPED_KEYS,
        allowed_keys: AllowedKeys | None = None,
        cache: DataKeyCache | None = None,
    ) -> None:
        self._open(
            src,
            clients,
            context=context,
            progress=progress,
            max_wrapped_keys=max_wrapped_keys,
            allowed_keys=allowed_keys,
            cache=cache,
        )

    @classmethod
    def _with_data_key(
        cls,
        src: Readable,
        clients: Clients,
        *,
        context: Mapping[str, str] | None,
        progress: Progress | None,
        max_wrapped_keys: int | None,
        allowed_keys: AllowedKeys | None,
        check_header: Callable[[Header], None] | None = None,
    ) -> tuple[MessageReader, bytes]:
        """A reader, opened exactly as the constructor opens it, and its data key
        (for :func:`unikms.envelope.rewrap`, which keeps the data key).
        ``check_header`` sees the parsed header before any KMS call."""
        reader = cls.__new__(cls)
        data_key = reader._open(
            src,
            clients,
            context=context,
            progress=progress,
            max_wrapped_keys=max_wrapped_keys,
            allowed_keys=allowed_keys,
            check_header=check_header,
        )
        return reader, data_key

    def _open(
        self,
        src: Readable,
        clients: Clients,
        *,
        context: Mapping[str, str] | None,
        progress: Progress | None,
        max_wrapped_keys: int | None,
        allowed_keys: AllowedKeys | None,
        check_header: Callable[[Header], None] | None = None,
        cache: DataKeyCache | None = None,
    ) -> bytes:
        if cache is not None and not isinstance(cache, DataKeyCache):
            raise InvalidRequestError(
                f"cache must be a DataKeyCache or None, got {type(cache).__name__}", field="cache"
            )
        openers = as_openers(clients)
        limit = _check_max_wrapped_keys(max_wrapped_keys)
        key_filter = as_key_filter(allowed_keys)
        self._progress = check_progress(progress)
        self._read = read_exact(check_readable(src, "src").read, "src")
        header, body, tag = parse_header(self._read, max_wrapped_keys=limit)
        _check_context(header, context)
        if check_header is not None:
            check_header(header)
        data_key, keys, wk = _open_data_key(header, openers, key_filter, cache)
        aead = AESGCM(keys.message_key)
        if not header_tag_matches(aead, body, tag):
            raise HeaderAuthenticationError(
                "the header's authentication tag does not verify: the header was altered"
            )
        if progress is not None:
            progress(len(body) + len(tag))
        self.header = header
        self.opened_with = wk
        self._aead = aead
        self.frames_released = 0
        self.bytes_released = 0
        self._started = False
        return data_key

    def __repr__(self) -> str:
        return (
            f"MessageReader(opened_with={self.opened_with!r}, "
            f"frames_released={self.frames_released})"
        )

    def __iter__(self) -> Iterator[bytes]:
        if self._started:
            raise InvalidRequestError("a MessageReader can be iterated once", field="src")
        self._started = True
        return self._frames()

    def _frames(self) -> Iterator[bytes]:
        try:
            yield from self._frames_unchecked()
        except EnvelopeError as err:
            raise err.released(self.frames_released, self.bytes_released) from None

    def _frames_unchecked(self) -> Iterator[bytes]:
        read = self._read
        decrypt = self._aead.decrypt
        mid = self.header.message_id
        frame_size = self.header.frame_size
        progress = self._progress
        prefix_size = FRAME_PREFIX.size
        unpack = FRAME_PREFIX.unpack
        expected = 0
        while True:
            expected += 1
            prefix = read(prefix_size)
            if len(prefix) < prefix_size:
                if not prefix:
                    raise TruncatedMessageError(
                        f"the message ends after {expected - 1} frames, before its final frame",
                        part=f"frame {expected}",
                    )
                raise TruncatedMessageError(
                    f"the message ends inside frame {expected}", part=f"frame {expected}"
                )
            kind, seq = unpack(prefix)
            if kind not in (REGULAR_FRAME, FINAL_FRAME):
                raise MalformedMessageError(
                    f"frame {expected} has an unknown kind 0x{kind:02x}", part=f"frame {expected}"
                )
            if seq != expected:
                raise FrameSequenceError(
                    f"frame {seq} found where frame {expected} belongs (frames dropped, "
                    "reordered or repeated)",
                    expected=expected,
                    found=seq,
                )
            final = kind == FINAL_FRAME
            consumed = prefix_size
            if final:
                length_b = read(4)
                if len(length_b) < 4:
                    raise TruncatedMessageError(
                        f"the message ends inside frame {seq}", part=f"frame {seq}"
                    )
                length = int.from_bytes(length_b, "big")
                consumed += 4
                if length > frame_size:
                    raise MalformedMessageError(
                        f"final frame {seq} claims {length} bytes; frames hold at most "
                        f"{frame_size}",
                        part=f"frame {seq}",
                    )
            else:
                length = frame_size
            body = read(length + TAG_BYTES)
            if len(body) < length + TAG_BYTES:
                raise TruncatedMessageError(
                    f"the message ends inside frame {seq}", part=f"frame {seq}"
                )
            try:
                plaintext = decrypt(frame_nonce(seq), body, frame_aad(mid, kind, seq, length))
            except InvalidTag:
                raise FrameAuthenticationError(
                    f"frame {seq}{' (final)' if final else ''} does not authenticate: altered, "
                    "moved, or from another message",
                    frame=seq,
                    final=final,
                ) from None
            if final and read(1):
                raise TrailingDataError(f"bytes follow the final frame (frame {seq})")
            if progress is not None:
                progress(consumed + len(body))
            self.frames_released += 1
            self.bytes_released += len(plaintext)
            yield plaintext
            if final:
                return


def decrypt_stream(
    src: Readable,
    dst: Writable,
    clients: Clients,
    *,
    context: Mapping[str, str] | None = None,
    progress: Progress | None = None,
    max_wrapped_keys: int | None = DEFAULT_MAX_WRAPPED_KEYS,
    allowed_keys: AllowedKeys | None = None,
    cache: DataKeyCache | None = None,
) -> Opened:
    """Decrypt one message from ``src`` to ``dst``, frame by frame.

    Only authenticated plaintext is written, but it is written as it comes: if
    this raises after N frames, ``dst`` holds those N frames (the error's
    ``frames_released`` and ``bytes_released`` say how much). Key and header
    errors come before anything is written. For all or nothing, write to a
    temporary file and rename it on success (:func:`unikms.envelope.decrypt_file`).
    ``max_wrapped_keys``, ``allowed_keys`` and ``cache``: as for :class:`MessageReader`.

    >>> import io, unikms
    >>> from unikms import envelope
    >>> kms = unikms.connect("fake://tencent")
    >>> key = kms.create_key().key_id
    >>> out = io.BytesIO()
    >>> opened = envelope.decrypt_stream(
    ...     io.BytesIO(envelope.encrypt(b"hello", [(kms, key)])), out, [kms])
    >>> out.getvalue(), opened.plaintext_bytes
    (b'hello', 5)
    """
    write = check_writable(dst, "dst").write
    reader = MessageReader(
        src,
        clients,
        context=context,
        progress=progress,
        max_wrapped_keys=max_wrapped_keys,
        allowed_keys=allowed_keys,
        cache=cache,
    )
    for chunk in reader:
        write(chunk)
    return Opened(reader.header, reader.opened_with, reader.bytes_released)


def decrypt(
    blob: bytes | bytearray | memoryview,
    clients: Clients,
    *,
    context: Mapping[str, str] | None = None,
    max_wrapped_keys: int | None = DEFAULT_MAX_WRAPPED_KEYS,
    allowed_keys: AllowedKeys | None = None,
    cache: DataKeyCache | None = None,
) -> bytes:
    """Decrypt a whole message held in memory; all or nothing.

    ``clients``: :class:`~unikms.KmsClient` objects (and :class:`RawAesKey`
    objects), tried in order; each tries the wrapped keys of its own dialect.
    ``context`` must equal the message's (``None`` means none).
    ``max_wrapped_keys`` (default 16) and ``allowed_keys`` (default any) limit
    which wrapped keys reach a KMS, as for :class:`MessageReader`; ``cache``
    (a :class:`DataKeyCache`) saves KMS calls for messages sharing a data key.

    >>> import unikms
    >>> from unikms import envelope
    >>> kms = unikms.connect("fake://alibaba-classic")
    >>> key = kms.create_key().key_id
    >>> sealed = envelope.encrypt(b"hi", [(kms, key)], context={"k": "v"})
    >>> envelope.decrypt(sealed, [kms], context={"k": "v"})
    b'hi'
    >>> envelope.decrypt(sealed, [kms])
    Traceback (most recent call last):
    ...
    unikms.envelope.errors.ContextMismatchError: the encryption context is not the one the \
message was sealed with (missing k)
    """
    if not isinstance(blob, (bytes, bytearray, memoryview)):
        raise InvalidRequestError(f"blob must be bytes, got {type(blob).__name__}", field="blob")
    reader = MessageReader(
        io.BytesIO(blob if isinstance(blob, bytes) else memoryview(blob).tobytes()),
        clients,
        context=context,
        max_wrapped_keys=max_wrapped_keys,
        allowed_keys=allowed_keys,
        cache=cache,
    )
    return b"".join(reader)
