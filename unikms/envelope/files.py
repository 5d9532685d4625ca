"""Files, all or nothing: write to a temporary file beside the target, rename on success.

A failure (a key that does not open, a tampered frame, a full disk) leaves no
output file and no partial plaintext; the temporary file is removed. The
output is created with mode 0600 (``tempfile.mkstemp``), kept after the rename.

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
import tempfile
from collections.abc import Iterator, Mapping
from typing import BinaryIO

from unikms.envelope.cache import DataKeyCache
from unikms.envelope.format import DEFAULT_FRAME_SIZE, DEFAULT_MAX_WRAPPED_KEYS, Header
from unikms.envelope.keyring import AllowedKeys
from unikms.envelope.seal import Keys, encrypt_stream
from unikms.envelope.streams import Progress
from unikms.envelope.unseal import Clients, Opened, decrypt_stream
from unikms.errors import InvalidRequestError

__all__ = ["atomic_output", "decrypt_file", "encrypt_file"]

PathLike = str | os.PathLike[str]


def _check_path(path: object, field: str) -> PathLike:
    if isinstance(path, str) and path:
        return path
    if isinstance(path, os.PathLike) and isinstance(os.fspath(path), str):
        return path
    raise InvalidRequestError(
        f"{field} must be a non-empty str or path, got {type(path).__name__}", field=field
    )


@contextlib.contextmanager
def atomic_output(path: PathLike) -> Iterator[BinaryIO]:
    """A binary file that becomes ``path`` only if the block finishes without error."""
    target = os.fspath(_check_path(path, "dst"))
    directory = os.path.dirname(os.path.abspath(target))
    fd, tmp = tempfile.mkstemp(prefix=".unikms-", suffix=".part", dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


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
    with open(_check_path(src, "src"), "rb") as fin, atomic_output(dst) as fout:
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
