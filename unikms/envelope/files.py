"""Files, all or nothing: write to a temporary file beside the target, rename on success.

A failure (a key that does not open, a tampered frame, a full disk) leaves no
output file and no partial plaintext; the temporary file is removed. A new
output is created with mode 0600; an existing file keeps its mode. A symlink's
target is written (the link stays); devices, FIFOs and ``/dev/fd/N`` are
written through, ``decrypt_file`` only once all is authenticated (rules:
``docs/cli.md``, Output paths).

    >>> import tempfile, pathlib, unikms
    >>> from unikms import envelope
    >>> kms = unikms.connect("fake://tencent")
    >>> key = kms.create_key().key_id
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "plain.txt").write_bytes(b"report")
    >>> _ = envelope.encrypt_file(d / "plain.txt", d / "sealed.ukev", [(kms, key)])
    >>> _ = envelope.decrypt_file(d / "sealed.ukev", d / "opened.txt", [kms])
    >>> (d / "opened.txt").read_bytes()
    b'report'
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator, Mapping
from typing import BinaryIO

from unikms import _output
from unikms._output import output_file
from unikms.envelope.cache import DataKeyCache
from unikms.envelope.format import DEFAULT_FRAME_SIZE, DEFAULT_MAX_WRAPPED_KEYS, Header
from unikms.envelope.keyring import AllowedKeys
from unikms.envelope.seal import Keys, encrypt_stream
from unikms.envelope.streams import Progress
from unikms.envelope.unseal import Clients, Opened, decrypt_stream

__all__ = ["atomic_output", "decrypt_file", "encrypt_file"]

PathLike = _output.PathLike
_check_path = _output.check_path


@contextlib.contextmanager
def atomic_output(path: PathLike, *, spool: bool = False) -> Iterator[BinaryIO]:
    """A binary stream that becomes ``path`` only if the block finishes without error.

    The one writer of every output path (``unikms._output.output_file``): a
    regular file is replaced by a rename, a symlink's target is written, a
    device, FIFO or descriptor is written through (``spool=True``: only once
    the block succeeded); a terminal, a directory or a block device is refused.
    """
    with output_file(path, field="dst", binary=True, spool=spool) as out:
        yield out


def encrypt_file(
    src: PathLike,
    dst: PathLike,
    keys: Keys,
    *,
    context: Mapping[str, str] | None = None,
    frame_size: int = DEFAULT_FRAME_SIZE,
    cache: DataKeyCache | None = None,
    progress: Progress | None = None,
) -> Header:
    """Encrypt the file ``src`` into ``dst`` (replaced only on success)."""
    _check_path(dst, "dst")
    with open(_check_path(src, "src"), "rb") as fin, atomic_output(dst) as fout:
        st = os.fstat(fin.fileno())
        size = st.st_size if stat.S_ISREG(st.st_mode) else None
        return encrypt_stream(
            fin,
            fout,
            keys,
            context=context,
            frame_size=frame_size,
            cache=cache,
            size=size,
            progress=progress,
        )


def decrypt_file(
    src: PathLike,
    dst: PathLike,
    clients: Clients,
    *,
    context: Mapping[str, str] | None = None,
    progress: Progress | None = None,
    max_wrapped_keys: int | None = DEFAULT_MAX_WRAPPED_KEYS,
    allowed_keys: AllowedKeys | None = None,
    cache: DataKeyCache | None = None,
) -> Opened:
    """Decrypt the message in file ``src`` into ``dst``: all or nothing.

    ``max_wrapped_keys``, ``allowed_keys`` and ``cache``: as for
    :class:`unikms.envelope.MessageReader`.
    """
    _check_path(dst, "dst")
    with (
        open(_check_path(src, "src"), "rb") as fin,
        output_file(dst, field="dst", binary=False, spool=True) as fout,
    ):
        return decrypt_stream(
            fin,
            fout,
            clients,
            context=context,
            progress=progress,
            max_wrapped_keys=max_wrapped_keys,
            allowed_keys=allowed_keys,
            cache=cache,
        )
