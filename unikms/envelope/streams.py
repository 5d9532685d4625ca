"""What the streaming functions read from and write to.

Anything with ``read(n)`` is a source and anything with ``write(b)`` is a sink:
files opened ``"rb"``/``"wb"``, ``sys.stdin.buffer``, ``io.BytesIO``, sockets'
``makefile("rb")``, your own ``io.RawIOBase``. Short reads (pipes, sockets) are
fine: :func:`read_exact` reads again until it has what it asked for.

    >>> import io
    >>> read = read_exact(io.BytesIO(b"abcdef").read)
    >>> read(4), read(4), read(4)
    (b'abcd', b'ef', b'')
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Protocol

from unikms.errors import InvalidRequestError

__all__ = [
    "Progress",
    "Readable",
    "Writable",
    "check_progress",
    "check_readable",
    "check_writable",
    "read_exact",
]

#: called with the number of input bytes consumed since the last call
Progress = Callable[[int], None]


class Readable(Protocol):
    """A binary source: ``read(n)`` returns at most ``n`` bytes, ``b""`` at the end."""

    def read(self, size: int = ..., /) -> bytes | None: ...


class Writable(Protocol):
    """A binary sink: ``write(b)`` takes all of ``b``."""

    def write(self, data: bytes, /) -> object: ...


def check_readable(src: object, field: str = "src") -> Readable:
    """``src`` if it is a binary source, else an :class:`InvalidRequestError` naming ``field``."""
    if isinstance(src, io.TextIOBase) or not callable(getattr(src, "read", None)):
        raise InvalidRequestError(
            f"{field} must be a binary stream with read(n) (a file opened 'rb', io.BytesIO, "
            f"sys.stdin.buffer), got {type(src).__name__}",
            field=field,
        )
    return src  # type: ignore[return-value]


def check_writable(dst: object, field: str = "dst") -> Writable:
    """``dst`` if it is a binary sink, else an :class:`InvalidRequestError` naming ``field``."""
    if isinstance(dst, io.TextIOBase) or not callable(getattr(dst, "write", None)):
        raise InvalidRequestError(
            f"{field} must be a binary stream with write(b) (a file opened 'wb', io.BytesIO, "
            f"sys.stdout.buffer), got {type(dst).__name__}",
            field=field,
        )
    return dst  # type: ignore[return-value]


def check_progress(progress: object) -> Progress | None:
    """``progress`` if it is ``None`` or callable, else an :class:`InvalidRequestError`."""
    if progress is not None and not callable(progress):
        raise InvalidRequestError(
            f"progress must be a callable taking a byte count, got {type(progress).__name__}",
            field="progress",
        )
    return progress


def read_exact(read: Callable[[int], bytes | None], field: str = "src") -> Callable[[int], bytes]:
    """``read(n)`` that returns fewer than ``n`` bytes only at the end of the stream.

    A read that returns ``None`` (a non-blocking source with no data) or
    something other than bytes (a text stream) raises an
    :class:`InvalidRequestError` naming ``field``.
    """

    def read_once(n: int) -> bytes:
        data = read(n)
        if isinstance(data, bytes):
            return data
        if data is None:
            raise InvalidRequestError(f"{field} is non-blocking and had no data", field=field)
        if isinstance(data, (bytearray, memoryview)):
            return bytes(data)
        raise InvalidRequestError(
            f"{field} must be a binary stream: read() returned {type(data).__name__}, not bytes",
            field=field,
        )

    def read_n(n: int) -> bytes:
        data = read_once(n)
        if len(data) == n or not data:
            return data
        parts = [data]
        got = len(data)
        while got < n:
            more = read_once(n - got)
            if not more:
                break
            parts.append(more)
            got += len(more)
        return b"".join(parts)

    return read_n
