"""Fuzzing the envelope reader: a mutated message never yields unauthenticated plaintext.

Messages (``docs/envelope.md``) are sealed with small frames under keys of two
dialects of the fake and a raw AES key, then mutated: bytes flipped, cut,
extended or spliced anywhere, and frames dropped, repeated, swapped, cut at a
frame boundary, re-marked final, or taken from another message; headers from
another message in front of our frames. The oracle:

* :func:`unikms.envelope.decrypt` of a mutant raises an
  :class:`~unikms.envelope.errors.EnvelopeError` subclass (never another type),
  or the mutant is one of the sealed messages whole and its plaintext comes back;
* :func:`unikms.envelope.decrypt_stream` writes only a prefix of the original
  plaintext (or, where a graft put another message's header in front, of that
  message's) before it fails, and the error's ``bytes_released`` says exactly how
  much (so nothing it wrote was unauthenticated or out of order).

Budgets: ``tests/fuzz_profile.py``; figures: ``docs/fuzzing.md``.
"""

from __future__ import annotations

import functools
import io

import attrs
from hypothesis import event, given, note, settings
from hypothesis import strategies as st

import unikms
from tests.fuzz_profile import FUZZ
from tests.test_fuzz_decrypt import byte_mutation
from unikms import envelope
from unikms.envelope.errors import EnvelopeError
from unikms.envelope.format import FINAL_FRAME, TAG_BYTES
from unikms.envelope.keyring import RawAesKey
from unikms.envelope.unseal import read_header

CONTEXT = {"tenant": "42", "purpose": "fuzz"}
FRAME = 64


@attrs.frozen
class Message:
    blob: bytes
    plaintext: bytes
    header_len: int
    frames: tuple[bytes, ...]


@attrs.frozen
class Sealed:
    clients: tuple[unikms.KmsClient | RawAesKey, ...]
    messages: tuple[Message, ...]  # [0] is the one mutated, the others lend parts


def _split(blob: bytes, plaintext: bytes) -> Message:
    stream = io.BytesIO(blob)
    read_header(stream)
    header_len = stream.tell()
    frames, pos = [], header_len
    while pos < len(blob):
        if blob[pos] == FINAL_FRAME:
            n = int.from_bytes(blob[pos + 5 : pos + 9], "big")
            end = pos + 9 + n + TAG_BYTES
        else:
            end = pos + 5 + FRAME + TAG_BYTES
        frames.append(blob[pos:end])
        pos = end
    assert b"".join(frames) == blob[header_len:]
    return Message(blob, plaintext, header_len, tuple(frames))


@functools.cache
def sealed() -> Sealed:
    tencent = unikms.connect("fake://tencent")
    classic = unikms.connect("fake://alibaba-classic")
    raw = RawAesKey("fuzz-raw", bytes(range(32)))
    keys = [(tencent, tencent.create_key().key_id), (classic, classic.create_key().key_id), raw]
    texts = [bytes(range(256)) + b"tail", b"x" * (FRAME * 3), b"", b"short"]
    messages = tuple(
        _split(envelope.encrypt(t, keys, context=CONTEXT, frame_size=FRAME), t) for t in texts
    )
    return Sealed((tencent, classic, raw), messages)


@st.composite
def mutant(draw: st.DrawFn) -> bytes:
    s = sealed()
    msg = s.messages[0]
    blob, frames, head = msg.blob, list(msg.frames), msg.blob[: msg.header_len]
    other = draw(st.sampled_from(s.messages[1:]))
    kind = draw(
        st.sampled_from(
            ["bytes", "bytes", "bytes", "drop-frame", "repeat-frame", "swap-frames",
             "cut-at-frame", "mark-final", "seq", "final-len", "other-frame", "other-header",
             "twice"]
        )
    )  # fmt: skip
    note(f"envelope mutation: {kind}")
    if kind == "bytes":  # the decrypt fuzzer's layout-blind changes, grafts included
        return draw(byte_mutation(blob, tuple(m.blob for m in s.messages[1:] if m.blob)))
    i = draw(st.integers(0, len(frames) - 1))
    if kind == "drop-frame":
        del frames[i]
    elif kind == "repeat-frame":
        frames.insert(i, frames[i])
    elif kind == "swap-frames":
        j = draw(st.integers(0, len(frames) - 1))
        frames[i], frames[j] = frames[j], frames[i]
    elif kind == "cut-at-frame":
        frames = frames[:i]
    elif kind == "mark-final":
        frames[i] = bytes([frames[i][0] ^ 1]) + frames[i][1:]
    elif kind == "seq":  # the sequence number, big-endian u32 after the marker
        seq = (int.from_bytes(frames[i][1:5], "big") + draw(st.sampled_from([-1, 1, 2**31]))) % (
            2**32
        )
        frames[i] = frames[i][:1] + seq.to_bytes(4, "big") + frames[i][5:]
    elif kind == "final-len":
        last = frames[-1]
        length = (int.from_bytes(last[5:9], "big") + draw(st.integers(-3, 3))) % (2**32)
        frames[-1] = last[:5] + length.to_bytes(4, "big") + last[9:]
    elif kind == "other-frame" and other.frames:
        frames[i] = other.frames[min(i, len(other.frames) - 1)]
    elif kind == "other-header":
        head = other.blob[: other.header_len]
    elif kind == "twice":
        return blob + blob
    return head + b"".join(frames)


@settings(FUZZ, max_examples=max(1, FUZZ.max_examples // 2))
@given(blob=mutant())
def test_a_mutated_message_never_yields_unauthenticated_plaintext(blob: bytes) -> None:
    s = sealed()
    # a graft may rebuild another sealed message, or release that message's own frames
    valid = {m.blob: m.plaintext for m in s.messages}
    try:
        opened = envelope.decrypt(blob, list(s.clients), context=CONTEXT)
    except EnvelopeError as err:
        event(f"refused: {type(err).__name__}")
    else:
        assert blob in valid, "a mutated message decrypted"
        assert opened == valid[blob]
        event("opened: a sealed message")
    out = io.BytesIO()
    try:
        envelope.decrypt_stream(io.BytesIO(blob), out, list(s.clients), context=CONTEXT)
    except EnvelopeError as err:
        released = out.getvalue()
        assert any(p.startswith(released) for p in valid.values()), "streamed unsealed bytes"
        assert err.bytes_released == len(released)
    else:
        assert out.getvalue() == valid[blob]


def test_the_oracle_sees_the_original_open_and_a_frame_cut_fail() -> None:
    s = sealed()
    original = s.messages[0]
    assert envelope.decrypt(original.blob, list(s.clients), context=CONTEXT) == original.plaintext
    cut = original.blob[: original.header_len] + b"".join(original.frames[:-1])
    out = io.BytesIO()
    try:
        envelope.decrypt_stream(io.BytesIO(cut), out, list(s.clients), context=CONTEXT)
    except EnvelopeError as err:
        assert err.bytes_released == len(out.getvalue()) == FRAME * (len(original.frames) - 1)
    else:
        raise AssertionError("a message cut at a frame boundary opened")
