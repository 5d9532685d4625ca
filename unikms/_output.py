"""The one writer behind every ``-o PATH`` and ``encrypt_file``/``decrypt_file``.

What is at ``PATH`` decides how it is written (``docs/cli.md``, Output paths):

* **a regular file, or nothing**: a temporary file in the same directory,
  flushed, fsynced and renamed over ``PATH`` only when the block ends without
  error. An existing file keeps its permission bits (and, where allowed, its
  owner); a new file is created 0600 (it may hold plaintext). On any failure,
  ``KeyboardInterrupt`` included, the temporary file is removed and the old
  file is untouched.
* **a symlink**: followed to its final target, which is then written as above
  in *its* directory; the link stays a link. A dangling link creates its
  target, as a shell's ``>`` does.
* **a character device, a FIFO, a socket, or an open descriptor**
  (``/dev/fd/N``, ``/proc/self/fd/N``, ``/dev/stdout``): written through, with
  no temporary file and no rename (``/dev/null`` stays a device). A descriptor
  of this process is duplicated, so ``-o /dev/fd/3`` writes where fd 3 points,
  at its offset. With ``spool=True`` the bytes go to an unnamed temporary file
  first and reach the target only on success (all or nothing there too).
* a terminal is refused for binary output, a directory and a block device are
  refused: each with :class:`~unikms.InvalidRequestError` naming the field.

    >>> import pathlib, tempfile
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> with output_file(d / "report.txt") as out:
    ...     _ = out.write(b"done")
    >>> (d / "report.txt").read_bytes(), oct((d / "report.txt").stat().st_mode & 0o777)
    (b'done', '0o600')
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import stat
import sys
import tempfile
from collections.abc import Iterator
from typing import BinaryIO

from unikms.errors import InvalidRequestError

__all__ = ["PathLike", "check_path", "output_file", "stdout_output"]

PathLike = str | os.PathLike[str]

_MAX_LINKS = 40  # as Linux's MAXSYMLINKS
_DESCRIPTOR = re.compile(r"^/proc/(self|thread-self|\d+)(?:/task/\d+)?/fd/(\d+)$")


def check_path(path: object, field: str) -> PathLike:
    """``path`` if it is a non-empty ``str`` or ``os.PathLike`` of one, else InvalidRequestError."""
    if isinstance(path, str) and path:
        return path
    if isinstance(path, os.PathLike) and isinstance(os.fspath(path), str) and os.fspath(path):
        return path
    raise InvalidRequestError(
        f"{field} must be a non-empty str or path, got {type(path).__name__}", field=field
    )


def _own_descriptor(path: str) -> int | None:
    """N when ``path`` names descriptor N of this process (through /dev/fd, /proc/self)."""
    canonical = os.path.join(os.path.realpath(os.path.dirname(path)), os.path.basename(path))
    match = _DESCRIPTOR.match(canonical)
    if match is None:
        return None
    owner = match.group(1)
    if owner in ("self", "thread-self") or int(owner) == os.getpid():
        return int(match.group(2))
    return -1  # another process's descriptor: opened through /proc


def _final_target(path: str, field: str) -> tuple[str, int | None]:
    """Follow symlinks one hop at a time: (the final path, a descriptor it names or None)."""
    current = path
    for _ in range(_MAX_LINKS):
        fd = _own_descriptor(current)
        if fd is not None:
            return current, fd
        try:
            if not stat.S_ISLNK(os.lstat(current).st_mode):
                return current, None
        except FileNotFoundError:
            return current, None
        link = os.readlink(current)
        current = os.path.join(os.path.dirname(current), link)
    raise InvalidRequestError(
        f"{field} {path!r}: more than {_MAX_LINKS} symbolic links to follow", field=field
    )


def _refuse_terminal(fd: int, path: str, field: str, binary: bool) -> None:
    if binary and os.isatty(fd):
        raise InvalidRequestError(
            f"{field} {path!r} is a terminal: refusing to write binary output to it",
            field=field,
        )


@contextlib.contextmanager
def _through(
    path: str, fd: int | None, mode: int, field: str, *, binary: bool, spool: bool
) -> Iterator[BinaryIO]:
    """Write through an existing device, FIFO, socket or descriptor (no temp, no rename)."""
    sock: socket.socket | None = None
    if fd is not None and fd >= 0:
        out_fd = os.dup(fd)
    elif stat.S_ISSOCK(mode):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(path)
        except BaseException:
            sock.close()
            raise
        out_fd = os.dup(sock.fileno())
        sock.close()
    else:
        out_fd = os.open(path, os.O_WRONLY | (os.O_TRUNC if stat.S_ISREG(mode) else 0))
    with os.fdopen(out_fd, "wb") as out:
        _refuse_terminal(out_fd, path, field, binary)
        if not spool:
            yield out
            out.flush()
            return
        with tempfile.TemporaryFile() as held:
            yield held
            held.seek(0)
            shutil.copyfileobj(held, out, 1 << 20)
            out.flush()


@contextlib.contextmanager
def _replace(target: str, existing: os.stat_result | None) -> Iterator[BinaryIO]:
    """A temporary file beside ``target``, renamed over it on success, removed on failure."""
    directory = os.path.dirname(os.path.abspath(target))
    try:
        fd, tmp = tempfile.mkstemp(prefix=".unikms-", suffix=".part", dir=directory)
    except OSError as err:
        raise type(err)(
            err.errno, f"cannot write {target}: no temporary file in {directory} ({err.strerror})"
        ) from None
    try:
        if existing is not None:
            os.fchmod(fd, stat.S_IMODE(existing.st_mode))
            if (existing.st_uid, existing.st_gid) != (os.getuid(), os.getgid()):
                with contextlib.suppress(OSError):  # only root may give a file away
                    os.fchown(fd, existing.st_uid, existing.st_gid)
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def output_file(
    path: PathLike, *, field: str = "dst", binary: bool = True, spool: bool = False
) -> Iterator[BinaryIO]:
    """A binary stream that writes ``path`` by the rules above; all or nothing for files.

    ``binary``: refuse a terminal. ``spool``: for a target written through
    (device, FIFO, descriptor), hold the bytes in an unnamed temporary file and
    write them only when the block ends without error.
    """
    given = os.fspath(check_path(path, field))
    target, fd = _final_target(given, field)
    if fd is not None:
        with _through(target, fd, 0, field, binary=binary, spool=spool) as out:
            yield out
        return
    try:
        existing: os.stat_result | None = os.stat(target)
    except FileNotFoundError:
        existing = None
    mode = existing.st_mode if existing is not None else stat.S_IFREG
    if stat.S_ISDIR(mode):
        raise InvalidRequestError(f"{field} {given!r} is a directory; name a file", field=field)
    if stat.S_ISBLK(mode):
        raise InvalidRequestError(
            f"{field} {given!r} is a block device: unikms writes files, character devices, "
            "FIFOs and sockets only",
            field=field,
        )
    if stat.S_ISREG(mode):
        with _replace(target, existing) as out:
            yield out
        return
    with _through(target, None, mode, field, binary=binary, spool=spool) as out:
        yield out


@contextlib.contextmanager
def stdout_output(*, binary: bool) -> Iterator[BinaryIO]:
    """``sys.stdout`` as bytes, flushed at the end; a terminal refused for binary output."""
    out = sys.stdout.buffer
    if binary and sys.stdout.isatty():
        raise InvalidRequestError(
            "refusing to write binary output to a terminal; use -o FILE or redirect",
            field="output",
        )
    try:
        yield out
    finally:
        out.flush()
