"""Testing hooks: encrypt with injected randomness, for test vectors.

Not for protecting data: a message is only as good as its randomness. The
public functions draw everything from ``os.urandom``; these take a
:class:`ScriptedRandom` that hands out fixed values, in the order the
encryptor asks for them (``docs/envelope.md``, "Test vectors"):

1. each wrapping key in order: for a :class:`~unikms.envelope.RawAesKey`
   first in the list, the 32-byte data key, then its 12-byte IV; for every
   later raw key, its 12-byte IV (KMS keys draw nothing here);
2. the 32-byte message id.

    >>> from unikms.envelope import RawAesKey, decrypt
    >>> rng = ScriptedRandom([bytes(32), bytes(12), bytes(32)])
    >>> key = RawAesKey("vector-key", bytes(range(32)))
    >>> sealed = encrypt(b"hello", [key], random=rng)
    >>> sealed[:4], decrypt(sealed, [key])
    (b'UKEV', b'hello')
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from unikms.envelope.cache import DataKeyCache
from unikms.envelope.format import DEFAULT_FRAME_SIZE, Header
from unikms.envelope.keyring import RandomSource
from unikms.envelope.seal import Keys, encrypt_bytes, seal_stream
from unikms.envelope.streams import Readable, Writable

__all__ = ["ScriptedRandom", "encrypt", "encrypt_stream"]


class ScriptedRandom:
    """A random source that returns the given byte strings, in order, and
    refuses a request whose size does not match the next one."""

    def __init__(self, values: Iterable[bytes]) -> None:
        self._values = [bytes(v) for v in values]
        self._next = 0

    def __call__(self, n: int) -> bytes:
        if self._next >= len(self._values):
            raise AssertionError(f"ScriptedRandom ran out: asked for {n} bytes")
        value = self._values[self._next]
        if len(value) != n:
            raise AssertionError(
                f"ScriptedRandom value {self._next} is {len(value)} bytes; {n} were asked for"
            )
        self._next += 1
        return value

    @property
    def exhausted(self) -> bool:
        return self._next == len(self._values)


def encrypt(
    data: bytes,
    keys: Keys,
    *,
    random: RandomSource,
    context: Mapping[str, str] | None = None,
    frame_size: int = DEFAULT_FRAME_SIZE,
    cache: DataKeyCache | None = None,
) -> bytes:
    """:func:`unikms.envelope.encrypt` with ``random`` instead of ``os.urandom``."""
    return encrypt_bytes(
        data, keys, context=context, frame_size=frame_size, cache=cache, random=random
    )


def encrypt_stream(
    src: Readable,
    dst: Writable,
    keys: Keys,
    *,
    random: RandomSource,
    context: Mapping[str, str] | None = None,
    frame_size: int = DEFAULT_FRAME_SIZE,
    size: int | None = None,
) -> Header:
    """:func:`unikms.envelope.encrypt_stream` with ``random`` instead of ``os.urandom``."""
    return seal_stream(
        src,
        dst,
        keys,
        context=context,
        frame_size=frame_size,
        cache=None,
        size=size,
        progress=None,
        random=random,
    )
