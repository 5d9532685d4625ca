"""Envelope encryption (issue 6): round trips, streaming, tampering, multi-cloud, caching.

Written against the neutral API and run on every driver in ``tests/drivers.py``
(the ``harness`` fixture), so adapters join these tests when they join that table.
"""

from __future__ import annotations

import base64
import io
import itertools
import os
import threading
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import unikms
from tests.drivers import DRIVERS, Harness
from unikms import DecryptionFailedError, Dialect, InvalidRequestError, KmsClient
from unikms import envelope as env
from unikms.envelope import (
    ContextMismatchError,
    DataKeyCache,
    EnvelopeError,
    FrameAuthenticationError,
    FrameSequenceError,
    HeaderAuthenticationError,
    KeyCommitmentError,
    KmsKey,
    MalformedMessageError,
    NoUsableKeyError,
    RawAesKey,
    TrailingDataError,
    TruncatedMessageError,
    UnsupportedFormatError,
)
from unikms.envelope import testing as envtest
from unikms.envelope.format import FRAME_PREFIX, TAG_BYTES, parse_header
from unikms.fake import FakeCloud

FS = 1024  # a small frame size, so that tests have many frames

RAW = RawAesKey("test-raw-key", bytes(range(32)))


def pattern(n: int) -> bytes:
    return bytes(i % 251 for i in range(n)) if n < 4096 else os.urandom(n)


# -- message surgery -----------------------------------------------------------------------


@attrs.define
class Parts:
    header: bytes
    frames: list[bytes]

    def join(self) -> bytes:
        return self.header + b"".join(self.frames)


def split(message: bytes) -> Parts:
    """Cut a message into its header and its frames (layout only, no keys)."""
    src = io.BytesIO(message)
    header, body, tag = parse_header(src.read)
    pos = len(body) + len(tag)
    frames = []
    while pos < len(message):
        kind = message[pos]
        if kind == 0:
            end = pos + FRAME_PREFIX.size + header.frame_size + TAG_BYTES
        else:
            length = int.from_bytes(message[pos + 5 : pos + 9], "big")
            end = pos + 9 + length + TAG_BYTES
        frames.append(message[pos:end])
        pos = end
    return Parts(message[: len(body) + len(tag)], frames)


def flip(data: bytes, index: int, mask: int = 0x01) -> bytes:
    b = bytearray(data)
    b[index] ^= mask
    return bytes(b)


def set_seq(frame: bytes, seq: int) -> bytes:
    return frame[:1] + seq.to_bytes(4, "big") + frame[5:]


class Trickle(io.RawIOBase):
    """A source that returns at most ``step`` bytes per read, like a pipe."""

    def __init__(self, data: bytes, step: int = 7) -> None:
        self._data = memoryview(data)
        self._pos = 0
        self._step = step

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        if n < 0:
            n = len(self._data)
        take = min(n, self._step, len(self._data) - self._pos)
        out = bytes(self._data[self._pos : self._pos + take])
        self._pos += take
        return out


@pytest.fixture
def kms(harness: Harness) -> tuple[KmsClient, str]:
    return harness.client, harness.client.create_key().key_id


# -- round trips -------------------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 1, FS - 1, FS, FS + 1, 3 * FS, 5 * FS + 17])
def test_round_trip_at_frame_boundaries(kms: tuple[KmsClient, str], size: int) -> None:
    client, key = kms
    data = pattern(size)
    sealed = env.encrypt(data, [(client, key)], context={"size": str(size)}, frame_size=FS)
    assert env.decrypt(sealed, [client], context={"size": str(size)}) == data
    parts = split(sealed)
    assert len(parts.frames) == max(1, -(-size // FS))
    assert parts.frames[-1][0] == 1 and all(f[0] == 0 for f in parts.frames[:-1])
    if size >= 16:
        assert data not in sealed


def test_round_trip_a_few_megabytes(kms: tuple[KmsClient, str]) -> None:
    client, key = kms
    data = os.urandom(3 * 1024 * 1024 + 5)
    sealed = env.encrypt(data, [(client, key)])
    assert len(sealed) - len(data) < 2048 + 21 * (len(data) // env.DEFAULT_FRAME_SIZE + 1)
    assert env.decrypt(sealed, [client]) == data
    out = io.BytesIO()
    opened = env.decrypt_stream(io.BytesIO(sealed), out, client)
    assert out.getvalue() == data and opened.plaintext_bytes == len(data)
    assert opened.opened_with.provider == client.dialect.value


def test_header_names_the_kms_key(kms: tuple[KmsClient, str]) -> None:
    client, key = kms
    sealed = env.encrypt(b"x", KmsKey(client, key), context={"a": "1"})
    header = env.read_header(sealed)
    (wk,) = header.wrapped_keys
    assert (wk.provider, wk.key_id) == (client.dialect.value, key)
    info = client.describe_key(key)
    assert wk.key_version_id == info.primary_version_id
    assert header.context == {"a": "1"} and header.frame_size == env.DEFAULT_FRAME_SIZE
    assert len(header.message_id) == 32
    # the wrapped key is the KMS's own ciphertext of the data key, under the same context
    assert len(client.decrypt(wk.ciphertext, context={"a": "1"}).plaintext) == 32
    with pytest.raises(DecryptionFailedError):
        client.decrypt(wk.ciphertext)


def test_aliases_work_and_the_header_keeps_the_key_id(kms: tuple[KmsClient, str]) -> None:
    client, _ = kms
    key = client.create_key(alias="alias/envelope").key_id
    sealed = env.encrypt(b"by alias", [(client, "alias/envelope")])
    assert env.read_header(sealed).wrapped_keys[0].key_id == key
    assert env.decrypt(sealed, [client]) == b"by alias"


def test_two_messages_differ() -> None:
    a, b = env.encrypt(b"same", [RAW]), env.encrypt(b"same", [RAW])
    assert a != b
    assert env.read_header(a).message_id != env.read_header(b).message_id


def test_context_order_does_not_matter() -> None:
    sealed = env.encrypt(b"x", [RAW], context={"a": "1", "b": "2", "\u00e9": "\u4e2d"})
    assert env.decrypt(sealed, [RAW], context={"\u00e9": "\u4e2d", "b": "2", "a": "1"}) == b"x"


@settings(max_examples=60, deadline=None)
@given(
    data=st.binary(max_size=3000),
    frame_size=st.integers(1, 700),
    context=st.dictionaries(st.text(min_size=1, max_size=8), st.text(max_size=8), max_size=3),
    cuts=st.lists(st.integers(0, 3000), max_size=6),
)
def test_round_trip_property(
    data: bytes, frame_size: int, context: dict[str, str], cuts: list[int]
) -> None:
    sealed = env.encrypt(data, [RAW], context=context, frame_size=frame_size)
    assert env.decrypt(sealed, [RAW], context=context) == data
    # the push writer, fed in arbitrary pieces, lays out the same frames
    out = io.BytesIO()
    with env.MessageWriter(out, [RAW], context=context, frame_size=frame_size) as writer:
        pos = 0
        for cut in sorted(c for c in cuts if c <= len(data)):
            writer.write(data[pos:cut])
            pos = cut
        writer.write(data[pos:])
    assert [len(f) for f in split(out.getvalue()).frames] == [len(f) for f in split(sealed).frames]
    assert env.decrypt(out.getvalue(), [RAW], context=context) == data


# -- streaming ---------------------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 1, FS, 4 * FS + 3])
def test_stream_round_trip_through_short_reads(kms: tuple[KmsClient, str], size: int) -> None:
    client, key = kms
    data = pattern(size)
    sealed = io.BytesIO()
    seen: list[int] = []
    header = env.encrypt_stream(
        Trickle(data, 100), sealed, [(client, key)], frame_size=FS, progress=seen.append
    )
    assert sum(seen) == size and header.frame_size == FS
    out = io.BytesIO()
    read: list[int] = []
    env.decrypt_stream(Trickle(sealed.getvalue(), 333), out, [client], progress=read.append)
    assert out.getvalue() == data
    assert sum(read) == len(sealed.getvalue())
    # the same bytes as the in-memory encryptor would lay out
    assert split(sealed.getvalue()).frames.__len__() == max(1, -(-size // FS))


def test_reader_yields_one_authenticated_chunk_per_frame() -> None:
    data = pattern(3 * FS + 5)
    sealed = env.encrypt(data, [RAW], frame_size=FS)
    reader = env.MessageReader(io.BytesIO(sealed), [RAW])
    assert reader.opened_with.key_id == RAW.name
    chunks = list(reader)
    assert [len(c) for c in chunks] == [FS, FS, FS, 5]
    assert reader.frames_released == 4 and reader.bytes_released == len(data)
    with pytest.raises(InvalidRequestError):
        iter(reader)


@pytest.mark.parametrize("writes", [[0], [1], [FS], [FS, 1], [3, FS - 3], [5000, 1, 2 * FS, 0, 7]])
def test_message_writer(writes: list[int]) -> None:
    data = pattern(sum(writes))
    out = io.BytesIO()
    with env.MessageWriter(out, [RAW], context={"w": "1"}, frame_size=FS) as writer:
        pos = 0
        for n in writes:
            assert writer.write(data[pos : pos + n]) == n
            pos += n
    assert env.decrypt(out.getvalue(), [RAW], context={"w": "1"}) == data
    # a writer lays out the same frames as encrypt(): full frames, then a non-empty final one
    assert [len(f) for f in split(out.getvalue()).frames] == [
        len(f) for f in split(env.encrypt(data, [RAW], context={"w": "1"}, frame_size=FS)).frames
    ]


def test_message_writer_interrupted_leaves_a_truncated_message() -> None:
    out = io.BytesIO()
    with pytest.raises(RuntimeError), env.MessageWriter(out, [RAW], frame_size=FS) as writer:
        writer.write(pattern(3 * FS))
        raise RuntimeError("producer failed")
    with pytest.raises(TruncatedMessageError):
        env.decrypt(out.getvalue(), [RAW])
    with pytest.raises(InvalidRequestError):
        writer.write(b"more")


def test_declared_size_must_be_exact() -> None:
    with pytest.raises(InvalidRequestError) as err:
        env.encrypt_stream(io.BytesIO(b"x" * 10), io.BytesIO(), [RAW], size=9, frame_size=4)
    assert err.value.field == "size"
    with pytest.raises(InvalidRequestError):
        env.encrypt_stream(io.BytesIO(b"x" * 10), io.BytesIO(), [RAW], size=11)
    writer = env.MessageWriter(io.BytesIO(), [RAW], size=3)
    with pytest.raises(InvalidRequestError):
        writer.write(b"four")
    writer.write(b"ab")
    with pytest.raises(InvalidRequestError):
        writer.close()


def test_memory_stays_flat_while_streaming() -> None:
    """Streaming 16 MB through 64 KB frames holds a few frames, not the input."""

    class Zeros(io.RawIOBase):
        def __init__(self, n: int) -> None:
            self.left = n

        def readable(self) -> bool:
            return True

        def read(self, n: int = -1) -> bytes:
            n = min(n, self.left)
            self.left -= n
            return bytes(n)

    class Sink(io.RawIOBase):
        def writable(self) -> bool:
            return True

        def write(self, b: bytes) -> int:  # type: ignore[override]
            return len(b)

    size = 16 * 1024 * 1024
    sealed = io.BytesIO()
    env.encrypt_stream(Zeros(256 * 1024), sealed, [RAW])  # warm up imports and caches
    tracemalloc.start()
    try:
        spool = io.BytesIO()
        tracemalloc.reset_peak()
        env.encrypt_stream(Zeros(size), Sink(), [RAW])
        enc_peak = tracemalloc.get_traced_memory()[1]
        env.encrypt_stream(Zeros(size), spool, [RAW])
        spool.seek(0)
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        env.decrypt_stream(spool, Sink(), [RAW])
        dec_peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    frame = env.DEFAULT_FRAME_SIZE
    assert enc_peak < 8 * frame, enc_peak
    assert dec_peak < 8 * frame, dec_peak


# -- tampering ---------------------------------------------------------------------------


@pytest.fixture
def sealed(kms: tuple[KmsClient, str]) -> tuple[KmsClient, str, bytes, bytes]:
    client, key = kms
    data = pattern(4 * FS + 10)
    return client, key, data, env.encrypt(data, [(client, key)], context={"t": "1"}, frame_size=FS)


def open_(client: KmsClient, message: bytes, context: dict[str, str] | None = None) -> bytes:
    return env.decrypt(message, [client], context={"t": "1"} if context is None else context)


def test_truncations_are_detected(sealed: tuple[KmsClient, str, bytes, bytes]) -> None:
    client, _, _, message = sealed
    parts = split(message)
    without_final = Parts(parts.header, parts.frames[:-1]).join()
    with pytest.raises(TruncatedMessageError) as err:
        open_(client, without_final)
    assert err.value.part == "frame 5" and "before its final frame" in str(err.value)
    for cut in (1, 17, len(parts.frames[-1]) - 1):
        with pytest.raises(TruncatedMessageError):
            open_(client, message[:-cut])
    with pytest.raises(TruncatedMessageError):
        open_(client, parts.header)
    for cut in (0, 3, 40, len(parts.header) - 1):
        with pytest.raises(TruncatedMessageError):
            open_(client, message[:cut])


def test_dropped_repeated_and_reordered_frames(sealed: tuple[KmsClient, str, bytes, bytes]) -> None:
    client, _, _, message = sealed
    p = split(message)
    f = p.frames
    cases = {
        "drop frame 2": [f[0], *f[2:]],
        "swap frames 2 and 3": [f[0], f[2], f[1], *f[3:]],
        "repeat frame 1": [f[0], f[0], *f[1:]],
        "final first": [f[-1], *f[:-1]],
    }
    for name, frames in cases.items():
        with pytest.raises(FrameSequenceError) as err:
            open_(client, Parts(p.header, frames).join())
        assert err.value.expected != err.value.found, name
    # renumbering the moved frames does not help: the number is in the nonce and the AAD
    renumbered = [f[0], set_seq(f[2], 2), set_seq(f[1], 3), *f[3:]]
    with pytest.raises(FrameAuthenticationError) as auth:
        open_(client, Parts(p.header, renumbered).join())
    assert auth.value.frame == 2 and not auth.value.final
    assert auth.value.frames_released == 1 and auth.value.bytes_released == FS


def test_final_flag_is_authenticated(sealed: tuple[KmsClient, str, bytes, bytes]) -> None:
    client, _, _, message = sealed
    p = split(message)
    # cut after frame 2 and relabel it final: the frame does not authenticate as final
    f2 = p.frames[1]
    fake_final = b"\x01" + f2[1:5] + FS.to_bytes(4, "big") + f2[5:]
    with pytest.raises(FrameAuthenticationError) as err:
        open_(client, Parts(p.header, [p.frames[0], fake_final]).join())
    assert err.value.final and err.value.frame == 2
    # and the real final frame relabelled as regular is malformed or unauthentic
    last = p.frames[-1]
    with pytest.raises(EnvelopeError):
        open_(client, Parts(p.header, [*p.frames[:-1], b"\x00" + last[1:]]).join())


def test_trailing_bytes_are_refused(sealed: tuple[KmsClient, str, bytes, bytes]) -> None:
    client, _, data, message = sealed
    with pytest.raises(TrailingDataError):
        open_(client, message + b"\x00")
    with pytest.raises(TrailingDataError):
        open_(client, message + message)
    # streaming: everything before the final frame went out, not the final frame
    out = io.BytesIO()
    with pytest.raises(TrailingDataError) as err:
        env.decrypt_stream(io.BytesIO(message + b"!"), out, [client], context={"t": "1"})
    assert out.getvalue() == data[: 4 * FS] and err.value.frames_released == 4


def test_frame_from_another_message_under_the_same_key(
    sealed: tuple[KmsClient, str, bytes, bytes],
) -> None:
    client, key, data, message = sealed
    other = env.encrypt(data, [(client, key)], context={"t": "1"}, frame_size=FS)
    p, q = split(message), split(other)
    for i in range(len(p.frames)):
        frames = list(p.frames)
        frames[i] = q.frames[i]
        with pytest.raises(FrameAuthenticationError) as err:
            open_(client, Parts(p.header, frames).join())
        assert err.value.frame == i + 1
    # a header from one message with the frames of the other
    with pytest.raises(FrameAuthenticationError):
        open_(client, Parts(q.header, p.frames).join())


def test_frame_swap_between_messages_sharing_a_cached_data_key() -> None:
    cache = DataKeyCache(max_age=60)
    a = env.encrypt(pattern(3 * FS), [RAW], frame_size=FS, cache=cache)
    b = env.encrypt(pattern(3 * FS), [RAW], frame_size=FS, cache=cache)
    pa, pb = split(a), split(b)
    assert env.read_header(a).wrapped_keys == env.read_header(b).wrapped_keys
    with pytest.raises(FrameAuthenticationError):
        env.decrypt(Parts(pa.header, [pb.frames[0], *pa.frames[1:]]).join(), [RAW])


def test_frame_bit_flips(sealed: tuple[KmsClient, str, bytes, bytes]) -> None:
    client, _, data, message = sealed
    p = split(message)
    start = len(p.header) + len(p.frames[0])
    frame = p.frames[1]
    for offset in (5, 6, len(frame) // 2, len(frame) - 17, len(frame) - 1):
        out = io.BytesIO()
        with pytest.raises(FrameAuthenticationError) as err:
            env.decrypt_stream(
                io.BytesIO(flip(message, start + offset)), out, [client], context={"t": "1"}
            )
        # a failure after N frames leaves exactly N authenticated frames written
        assert err.value.frame == 2 and err.value.frames_released == 1
        assert out.getvalue() == data[:FS]
    with pytest.raises(MalformedMessageError):
        open_(client, flip(message, start, 0x80))


def test_every_header_byte_is_protected(sealed: tuple[KmsClient, str, bytes, bytes]) -> None:
    client, _, _, message = sealed
    header_len = len(split(message).header)
    seen: set[type[EnvelopeError]] = set()
    for i in range(header_len):
        with pytest.raises(EnvelopeError) as err:
            open_(client, flip(message, i))
        seen.add(type(err.value))
    # the fields fail in their own ways: magic, version, suite, frame size, message id /
    # commitment, context, wrapped key, header tag
    assert {
        MalformedMessageError,
        UnsupportedFormatError,
        KeyCommitmentError,
        ContextMismatchError,
        NoUsableKeyError,
        HeaderAuthenticationError,
    } <= seen


def test_specific_header_fields(sealed: tuple[KmsClient, str, bytes, bytes]) -> None:
    client, _, _, message = sealed
    header = env.read_header(message)
    hlen = len(split(message).header)
    with pytest.raises(MalformedMessageError) as bad:
        open_(client, b"XKEV" + message[4:])
    assert bad.value.part == "magic"
    with pytest.raises(UnsupportedFormatError) as ver:
        open_(client, message[:4] + b"\x02" + message[5:])
    assert ver.value.part == "version"
    # the header tag (last 16 bytes of the header)
    with pytest.raises(HeaderAuthenticationError) as tag:
        open_(client, flip(message, hlen - 1))
    assert type(tag.value) is HeaderAuthenticationError
    # the commitment (the 32 bytes before the tag)
    with pytest.raises(KeyCommitmentError) as commit:
        open_(client, flip(message, hlen - 17))
    assert commit.value.attempts
    # the frame size (a valid but different size): the header tag catches it
    with pytest.raises(HeaderAuthenticationError):
        open_(client, flip(message, 10, 0x02))
    # the message id: the commitment no longer matches
    with pytest.raises(KeyCommitmentError):
        open_(client, flip(message, 11))
    assert header.wrapped_keys[0].ciphertext in message


def test_flipped_wrapped_key(sealed: tuple[KmsClient, str, bytes, bytes]) -> None:
    client, _, _, message = sealed
    wk = env.read_header(message).wrapped_keys[0]
    at = message.index(wk.ciphertext)
    for offset in (0, len(wk.ciphertext) // 2, len(wk.ciphertext) - 1):
        with pytest.raises((NoUsableKeyError, KeyCommitmentError)) as err:
            open_(client, flip(message, at + offset))
        assert err.value.attempts
        assert wk.key_id in str(err.value)
    with pytest.raises(NoUsableKeyError) as err2:
        open_(client, flip(message, at + len(wk.ciphertext) // 2))
    (attempt,) = err2.value.attempts
    assert attempt.key_id == wk.key_id and attempt.provider == client.dialect.value
    assert "DecryptionFailedError" in attempt.error or "KeyNotFound" in attempt.error


def test_wrong_context(sealed: tuple[KmsClient, str, bytes, bytes]) -> None:
    client, _, data, message = sealed
    with pytest.raises(ContextMismatchError) as err:
        open_(client, message, {"t": "2"})
    assert err.value.different == ("t",) and "t" in str(err.value) and "2" not in str(err.value)
    with pytest.raises(ContextMismatchError) as err:
        env.decrypt(message, [client])
    assert err.value.missing == ("t",)
    with pytest.raises(ContextMismatchError) as err:
        open_(client, message, {"t": "1", "extra": "x"})
    assert err.value.unexpected == ("extra",)
    assert isinstance(err.value, DecryptionFailedError)
    assert open_(client, message) == data


def test_edited_context_fails_at_the_kms(sealed: tuple[KmsClient, str, bytes, bytes]) -> None:
    """Changing the stored context (and passing the changed one) fails: the KMS bound it."""
    client, _, _, message = sealed
    edited = message.replace(b"\x00\x01t\x00\x011", b"\x00\x01t\x00\x012", 1)
    assert edited != message
    with pytest.raises(NoUsableKeyError):
        open_(client, edited, {"t": "2"})


def test_not_an_envelope() -> None:
    with pytest.raises(TruncatedMessageError) as err:
        env.decrypt(b"", [RAW])
    assert "empty" in str(err.value)
    with pytest.raises(MalformedMessageError):
        env.decrypt(os.urandom(100), [RAW])
    with pytest.raises(MalformedMessageError):
        env.decrypt(base64.b64encode(env.encrypt(b"x", [RAW])), [RAW])
    with pytest.raises(InvalidRequestError):
        env.decrypt("text", [RAW])  # type: ignore[arg-type]


# -- multi-cloud -------------------------------------------------------------------------


def _pairs() -> Iterator[tuple[str, str]]:
    yield from itertools.permutations(sorted(DRIVERS), 2)


@pytest.mark.parametrize(("first", "second"), list(_pairs()))
def test_multi_cloud_message_opens_with_either_provider(first: str, second: str) -> None:
    ha, hb = DRIVERS[first](), DRIVERS[second]()
    try:
        ka, kb = ha.client.create_key().key_id, hb.client.create_key().key_id
        data = pattern(2 * FS + 3)
        ctx = {"dr": "yes"}
        sealed = env.encrypt(data, [(ha.client, ka), (hb.client, kb)], context=ctx, frame_size=FS)
        wrapped = env.read_header(sealed).wrapped_keys
        assert [(w.provider, w.key_id) for w in wrapped] == [
            (ha.dialect.value, ka),
            (hb.dialect.value, kb),
        ]
        for h in (ha, hb):
            out = io.BytesIO()
            opened = env.decrypt_stream(io.BytesIO(sealed), out, [h.client], context=ctx)
            assert out.getvalue() == data
            assert opened.opened_with.key_id in (ka, kb)
        # the caller's order is the preference
        assert env.MessageReader(io.BytesIO(sealed), [hb.client, ha.client], context=ctx)
    finally:
        ha.client.close()
        hb.client.close()


def two_clouds() -> tuple[KmsClient, str, KmsClient, str]:
    ali_cloud, ten_cloud = FakeCloud(), FakeCloud()
    ali = KmsClient(ali_cloud.service(Dialect.ALIBABA_CLASSIC))
    ten = KmsClient(ten_cloud.service(Dialect.TENCENT))
    return ali, ali.create_key().key_id, ten, ten.create_key().key_id


def test_alibaba_plus_tencent_disaster_recovery() -> None:
    ali, a_key, ten, t_key = two_clouds()
    data = pattern(5 * FS)
    sealed = env.encrypt(data, [(ali, a_key), (ten, t_key)], context={"db": "orders"})
    ctx = {"db": "orders"}
    assert env.decrypt(sealed, [ten], context=ctx) == data
    assert env.decrypt(sealed, [ali], context=ctx) == data
    reader = env.MessageReader(io.BytesIO(sealed), [ten, ali], context=ctx)
    assert reader.opened_with.provider == "tencent"
    # the Alibaba key is gone (disabled): Tencent still opens, and the failure is recorded
    ali.disable_key(a_key)
    assert env.decrypt(sealed, [ali, ten], context=ctx) == data
    with pytest.raises(NoUsableKeyError) as err:
        env.decrypt(sealed, [ali], context=ctx)
    assert a_key in str(err.value) and "KeyUnavailableError" in str(err.value)
    ten.disable_key(t_key)
    with pytest.raises(NoUsableKeyError) as err:
        env.decrypt(sealed, [ali, ten], context=ctx)
    assert {a.provider for a in err.value.attempts} == {"alibaba-classic", "tencent"}


def test_no_client_of_a_matching_dialect() -> None:
    ali, a_key, _, _ = two_clouds()
    ten = KmsClient(FakeCloud().service(Dialect.TENCENT))
    sealed = env.encrypt(b"x", [(ali, a_key)])
    with pytest.raises(NoUsableKeyError) as err:
        env.decrypt(sealed, [ten, RAW])
    assert err.value.attempts == ()
    assert err.value.wrapped == (("alibaba-classic", a_key),)
    assert "tencent client" in str(err.value) and a_key in str(err.value)


def test_a_tencent_client_of_another_account_fails_over() -> None:
    ali, a_key, ten, t_key = two_clouds()
    stranger = KmsClient(FakeCloud().service(Dialect.TENCENT))
    sealed = env.encrypt(b"x", [(ten, t_key), (ali, a_key)])
    assert env.decrypt(sealed, [stranger, ali]) == b"x"


def test_classic_wrapped_keys_open_on_the_instance_gateway() -> None:
    cloud = FakeCloud()
    classic = KmsClient(cloud.service(Dialect.ALIBABA_CLASSIC))
    instance = KmsClient(cloud.service(Dialect.ALIBABA_INSTANCE))
    key = classic.create_key().key_id
    sealed = env.encrypt(b"gateway", [(classic, key)])
    reader = env.MessageReader(io.BytesIO(sealed), [instance])
    assert b"".join(reader) == b"gateway"
    assert reader.opened_with.provider == "alibaba-classic"


def test_instance_wrapped_keys_are_not_tried_on_the_classic_gateway() -> None:
    cloud = FakeCloud()
    classic = KmsClient(cloud.service(Dialect.ALIBABA_CLASSIC))
    instance = KmsClient(cloud.service(Dialect.ALIBABA_INSTANCE))
    sealed = env.encrypt(b"x", [(instance, instance.create_key().key_id)])
    with pytest.raises(NoUsableKeyError):
        env.decrypt(sealed, [classic])


def test_raw_key_with_kms_keys() -> None:
    ali, a_key, _, _ = two_clouds()
    sealed = env.encrypt(b"offline copy", [(ali, a_key), RAW], context={"c": "1"})
    assert env.decrypt(sealed, [RAW], context={"c": "1"}) == b"offline copy"
    assert env.decrypt(sealed, RawAesKey(RAW.name, RAW.key), context={"c": "1"}) == b"offline copy"
    with pytest.raises(NoUsableKeyError) as err:
        env.decrypt(sealed, [RawAesKey(RAW.name, bytes(32))], context={"c": "1"})
    assert "raw-aes" in str(err.value)
    with pytest.raises(NoUsableKeyError):
        env.decrypt(sealed, [RawAesKey("other-name", RAW.key)], context={"c": "1"})


def test_a_data_key_that_fails_the_commitment_falls_through_to_the_next_key() -> None:
    """Wrapped key 1 opens to another data key (a substituted entry): key 2 still opens."""
    other = RawAesKey("other", bytes(32))
    good = env.encrypt(b"payload", [RAW, other])
    decoy = env.encrypt(b"decoy", [RAW])
    decoy_wk = env.read_header(decoy).wrapped_keys[0]
    real_wk = env.read_header(good).wrapped_keys[0]
    swapped = good.replace(real_wk.ciphertext, decoy_wk.ciphertext)
    with pytest.raises(KeyCommitmentError):
        env.decrypt(swapped, [RAW])
    # the header tag covers the wrapped keys: even the intact key 2 cannot open a forged header
    with pytest.raises(HeaderAuthenticationError):
        env.decrypt(swapped, [RAW, other])


# -- caching -----------------------------------------------------------------------------


class CountingClient(KmsClient):
    def __init__(self, client: KmsClient) -> None:
        super().__init__(client.driver)
        self.generated = 0
        self.encrypted = 0
        self.decrypted = 0
        self._lock = threading.Lock()

    def generate_data_key(self, *args: object, **kw: object) -> unikms.DataKey:
        with self._lock:
            self.generated += 1
        return super().generate_data_key(*args, **kw)  # type: ignore[arg-type]

    def encrypt(self, *args: object, **kw: object) -> unikms.EncryptResult:
        with self._lock:
            self.encrypted += 1
        return super().encrypt(*args, **kw)  # type: ignore[arg-type]

    def decrypt(self, *args: object, **kw: object) -> unikms.DecryptResult:
        with self._lock:
            self.decrypted += 1
        return super().decrypt(*args, **kw)  # type: ignore[arg-type]


@pytest.fixture
def counting(harness: Harness) -> tuple[CountingClient, str]:
    client = CountingClient(harness.client)
    return client, client.create_key().key_id


def test_cache_max_messages(counting: tuple[CountingClient, str]) -> None:
    client, key = counting
    cache = DataKeyCache(max_age=3600, max_messages=3)
    msgs = [env.encrypt(b"m%d" % i, [(client, key)], cache=cache) for i in range(7)]
    assert client.generated == 3  # messages 1-3, 4-6, 7
    assert cache.stats().hits == 4
    wrapped = [env.read_header(m).wrapped_keys for m in msgs]
    assert wrapped[0] == wrapped[1] == wrapped[2] != wrapped[3]
    assert len({env.read_header(m).message_id for m in msgs}) == 7
    for i, m in enumerate(msgs):
        assert env.decrypt(m, [client]) == b"m%d" % i


def test_decrypt_cache_opens_a_shared_data_key_once(counting: tuple[CountingClient, str]) -> None:
    client, key = counting
    sealing = DataKeyCache(max_age=3600)
    msgs = [
        env.encrypt(b"m%d" % i, [(client, key)], cache=sealing, context={"t": "1"})
        for i in range(5)
    ]
    assert client.generated == 1
    for i, m in enumerate(msgs):
        assert env.decrypt(m, [client], context={"t": "1"}) == b"m%d" % i
    assert client.decrypted == 5  # without a cache: one KMS call per message
    client.decrypted = 0
    opening = DataKeyCache(max_age=3600)
    for i, m in enumerate(msgs):
        assert env.decrypt(m, [client], context={"t": "1"}, cache=opening) == b"m%d" % i
    assert client.decrypted == 1
    assert opening.stats() == env.CacheStats(hits=4, misses=1, entries=1)
    out = io.BytesIO()
    env.decrypt_stream(io.BytesIO(msgs[0]), out, [client], context={"t": "1"}, cache=opening)
    assert out.getvalue() == b"m0" and client.decrypted == 1


def test_decrypt_cache_obeys_max_age_and_is_per_client(harness: Harness) -> None:
    now = [1000.0]
    first, second = CountingClient(harness.client), CountingClient(harness.client)
    key = first.create_key().key_id
    msg = env.encrypt(b"x", [(first, key)])
    cache = DataKeyCache(max_age=10, max_messages=1, clock=lambda: now[0])
    for _ in range(3):  # max_messages counts encryptions only
        assert env.decrypt(msg, [first], cache=cache) == b"x"
    assert first.decrypted == 1
    assert env.decrypt(msg, [second], cache=cache) == b"x"  # never another client's opening
    assert second.decrypted == 1
    now[0] += 10
    assert env.decrypt(msg, [first], cache=cache) == b"x"
    assert first.decrypted == 2


def test_decrypt_cache_does_not_bypass_allowed_keys_or_failures(
    counting: tuple[CountingClient, str],
) -> None:
    client, key = counting
    msg = env.encrypt(b"x", [(client, key)], context={"a": "1"})
    cache = DataKeyCache(max_age=3600)
    with pytest.raises(env.ContextMismatchError):
        env.decrypt(msg, [client], context={"a": "2"}, cache=cache)
    assert cache.stats().entries == 0
    assert env.decrypt(msg, [client], context={"a": "1"}, cache=cache) == b"x"
    with pytest.raises(NoUsableKeyError):  # the filter is checked before the cache
        env.decrypt(msg, [client], context={"a": "1"}, cache=cache, allowed_keys=["other"])
    tampered = bytearray(msg)
    tampered[-1] ^= 1
    with pytest.raises(env.EnvelopeError):  # frames are still authenticated
        env.decrypt(bytes(tampered), [client], context={"a": "1"}, cache=cache)
    with pytest.raises(InvalidRequestError) as info:
        env.decrypt(msg, [client], context={"a": "1"}, cache="yes")  # type: ignore[arg-type]
    assert info.value.field == "cache"


def test_cache_max_age() -> None:
    now = [1000.0]
    cache = DataKeyCache(max_age=10, clock=lambda: now[0])
    a = env.encrypt(b"a", [RAW], cache=cache)
    now[0] += 9.9
    b = env.encrypt(b"b", [RAW], cache=cache)
    now[0] += 0.2
    c = env.encrypt(b"c", [RAW], cache=cache)
    ha, hb, hc = (env.read_header(m) for m in (a, b, c))
    assert ha.wrapped_keys == hb.wrapped_keys != hc.wrapped_keys


def test_cache_max_bytes() -> None:
    cache = DataKeyCache(max_age=3600, max_bytes=100)
    heads = [env.read_header(env.encrypt(b"x" * 40, [RAW], cache=cache)) for _ in range(5)]
    keys = [h.wrapped_keys for h in heads]
    assert keys[0] == keys[1] != keys[2] == keys[3] != keys[4]  # 40+40, then 80 again
    # one message bigger than the limit is never cached, and does not evict
    big = env.read_header(env.encrypt(b"x" * 101, [RAW], cache=cache)).wrapped_keys
    assert big not in keys
    # a stream of unknown size bypasses a cache with a byte limit; a declared size uses it
    s1 = env.encrypt_stream(io.BytesIO(b"y" * 10), io.BytesIO(), [RAW], cache=cache)
    s2 = env.encrypt_stream(io.BytesIO(b"y" * 10), io.BytesIO(), [RAW], cache=cache, size=10)
    assert s1.wrapped_keys not in keys and s2.wrapped_keys == keys[4]


def test_cache_without_byte_limit_serves_streams() -> None:
    cache = DataKeyCache(max_age=3600, max_messages=10)
    a = env.encrypt_stream(io.BytesIO(b"1"), io.BytesIO(), [RAW], cache=cache)
    b = env.encrypt_stream(io.BytesIO(b"2"), io.BytesIO(), [RAW], cache=cache)
    assert a.wrapped_keys == b.wrapped_keys


def test_cache_entries_by_context_and_keys(counting: tuple[CountingClient, str]) -> None:
    client, key = counting
    key2 = client.create_key().key_id
    cache = DataKeyCache(max_age=3600, capacity=2)
    for _ in range(2):
        env.encrypt(b"x", [(client, key)], cache=cache, context={"a": "1"})
        env.encrypt(b"x", [(client, key)], cache=cache, context={"a": "2"})
    assert client.generated == 2
    env.encrypt(b"x", [(client, key2)], cache=cache)  # evicts the least recently used
    env.encrypt(b"x", [(client, key)], cache=cache, context={"a": "2"})
    env.encrypt(b"x", [(client, key)], cache=cache, context={"a": "1"})
    assert client.generated == 4
    assert cache.stats().entries == 2
    # more wrapping keys: another entry; the other keys are wrapped once per data key
    env.encrypt(b"x", [(client, key), (client, key2)], cache=cache)
    env.encrypt(b"x", [(client, key), (client, key2)], cache=cache)
    assert client.generated == 5 and client.encrypted == 1
    cache.clear()
    assert cache.stats().entries == 0


def test_cache_is_thread_safe(counting: tuple[CountingClient, str]) -> None:
    client, key = counting
    cache = DataKeyCache(max_age=3600, max_messages=10)
    errors: list[BaseException] = []
    sealed: list[bytes] = []
    lock = threading.Lock()

    def work() -> None:
        try:
            for _ in range(20):
                m = env.encrypt(b"t", [(client, key)], cache=cache)
                with lock:
                    sealed.append(m)
        except BaseException as err:  # pragma: no cover - reported below
            errors.append(err)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(sealed) == 160
    # every data key served at most 10 messages
    uses: dict[bytes, int] = {}
    for m in sealed:
        wk = env.read_header(m).wrapped_keys[0].ciphertext
        uses[wk] = uses.get(wk, 0) + 1
    assert max(uses.values()) <= 10
    assert 16 <= client.generated <= 160
    assert env.decrypt(sealed[-1], [client]) == b"t"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_age": 0},
        {"max_age": -1},
        {"max_age": 1, "max_messages": 0},
        {"max_age": 1, "max_bytes": 0},
        {"max_age": 1, "capacity": 0},
        {"max_age": 1, "max_messages": 1.5},
        {"max_age": True},
    ],
)
def test_cache_limits_are_checked(kwargs: dict[str, object]) -> None:
    with pytest.raises(InvalidRequestError):
        DataKeyCache(**kwargs)  # type: ignore[arg-type]


# -- files -------------------------------------------------------------------------------


def test_files_are_all_or_nothing(tmp_path: Path) -> None:
    src, sealed_path, out = tmp_path / "in", tmp_path / "sealed", tmp_path / "out"
    src.write_bytes(pattern(3 * FS + 1))
    env.encrypt_file(src, sealed_path, [RAW], frame_size=FS)
    env.decrypt_file(sealed_path, out, [RAW])
    assert out.read_bytes() == src.read_bytes()
    assert (out.stat().st_mode & 0o777) == 0o600
    # a tampered last frame: no output at all, and no temporary file left behind
    out.unlink()
    sealed_path.write_bytes(flip(sealed_path.read_bytes(), -1))
    with pytest.raises(FrameAuthenticationError):
        env.decrypt_file(sealed_path, out, [RAW])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "sealed"]
    # an existing output is kept as it was
    out.write_bytes(b"old")
    with pytest.raises(FrameAuthenticationError):
        env.decrypt_file(sealed_path, out, [RAW])
    assert out.read_bytes() == b"old"


# -- input checks and secrets --------------------------------------------------------------


@pytest.mark.parametrize("frame_size", [0, -1, env.MAX_FRAME_SIZE + 1, True, 1.5, "64"])
def test_bad_frame_size(frame_size: object) -> None:
    with pytest.raises(InvalidRequestError) as err:
        env.encrypt(b"x", [RAW], frame_size=frame_size)  # type: ignore[arg-type]
    assert err.value.field == "frame_size"


def test_frame_size_extremes() -> None:
    for fs in (1, env.MAX_FRAME_SIZE):
        data = pattern(33)
        assert env.decrypt(env.encrypt(data, [RAW], frame_size=fs), [RAW]) == data


@pytest.mark.parametrize(
    "keys", [[], None, "alias/x", [("not a client", "k")], [object()], [(None, "")]]
)
def test_bad_keys(keys: object) -> None:
    with pytest.raises(InvalidRequestError):
        env.encrypt(b"x", keys)  # type: ignore[arg-type]


@pytest.mark.parametrize("context", [{"": "x"}, {"a": 1}, {1: "a"}, ["a"], "a=b"])
def test_bad_context(context: object) -> None:
    with pytest.raises(InvalidRequestError) as err:
        env.encrypt(b"x", [RAW], context=context)  # type: ignore[arg-type]
    assert err.value.field == "context"


def test_bad_raw_keys_and_clients() -> None:
    with pytest.raises(InvalidRequestError):
        RawAesKey("k", bytes(16))
    with pytest.raises(InvalidRequestError):
        RawAesKey("", bytes(32))
    with pytest.raises(InvalidRequestError):
        env.decrypt(env.encrypt(b"x", [RAW]), ["fake://tencent"])  # type: ignore[list-item]


def test_kms_errors_at_encrypt_propagate(kms: tuple[KmsClient, str]) -> None:
    client, key = kms
    with pytest.raises(unikms.KeyNotFoundError):
        env.encrypt(b"x", [(client, "alias/no-such-key")])
    client.disable_key(key)
    with pytest.raises(unikms.KeyUnavailableError):
        env.encrypt(b"x", [RAW, (client, key)])


def test_no_secrets_in_reprs_or_errors(kms: tuple[KmsClient, str]) -> None:
    client, key = kms
    data_key = bytes(range(100, 132))
    plaintext = b"TOP-SECRET-PLAINTEXT-" * 100
    rng = envtest.ScriptedRandom([data_key, bytes(12), bytes(range(200, 232))])
    sealed = envtest.encrypt(plaintext, [RAW, (client, key)], random=rng, frame_size=FS)
    assert rng.exhausted
    assert env.decrypt(sealed, [RAW]) == plaintext
    forms: list[bytes] = [data_key, RAW.key, plaintext[:21]]
    needles: list[str] = []
    for secret in forms:
        needles += [secret.hex(), base64.b64encode(secret).decode(), repr(secret)[2:-1][:40]]

    texts = [repr(RAW), str(RAW), repr(env.read_header(sealed))]
    reader = env.MessageReader(io.BytesIO(sealed), [client])
    texts.append(repr(reader))
    cache = DataKeyCache(max_age=1)
    env.encrypt(plaintext, [RAW], cache=cache)
    texts.append(repr(cache))
    texts.append(repr(env.cache.Materials(data_key, ())))
    texts.append(repr(env.derive.derive(data_key, bytes(32))))
    p = split(sealed)
    broken: Callable[[], object]
    for broken in (
        lambda: env.decrypt(flip(sealed, len(sealed) - 3), [RAW]),
        lambda: env.decrypt(sealed[:-5], [client]),
        lambda: env.decrypt(Parts(p.header, p.frames[1:]).join(), [RAW]),
        lambda: env.decrypt(flip(sealed, len(p.header) - 20), [RAW, client]),
        lambda: env.decrypt(sealed, [RawAesKey(RAW.name, bytes(32))]),
        lambda: env.decrypt(sealed, [RAW], context={"x": "TOP-SECRET"}),
    ):
        with pytest.raises(EnvelopeError) as err:
            broken()
        texts += [str(err.value), repr(err.value)]
        texts += [a.describe() for a in getattr(err.value, "attempts", ())]
    blob = "\n".join(texts)
    for needle in needles:
        assert needle not in blob
