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

from collections.abc import Callable
from typing import Protocol

from unikms.errors import InvalidRequestError

__all__ = ["Progress", "Readable", "Writable", "read_exact"]

#: called with the number of input bytes consumed since the last call
Progress = Callable[[int], None]


class Readable(Protocol):
    """A binary source: ``read(n)`` returns at most ``n`` bytes, ``b""`` at the end."""

    def read(self, size: int = ..., /) -> bytes | None: ...


class Writable(Protocol):
    """A binary sink: ``write(b)`` takes all of ``b``."""

    def write(self, data: bytes, /) -> object: ...


def read_exact(read: Callable[[int], bytes | None]) -> Callable[[int], bytes]:
    """``read(n)`` that returns fewer than ``n`` bytes only at the end of the stream."""

    def read_n(n: int) -> bytes:
        data = read(n)
        if data is None:
            raise InvalidRequestError("the source is non-blocking and had no data", field="src")
        if len(data) == n or not data:
            return data
        parts = [data]
        got = len(data)
        while got < n:
            more = read(n - got)
            if not more:
                break
            parts.append(more)
            got += len(more)
        return b"".join(parts)

    return read_n
