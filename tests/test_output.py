"""The one writer behind every ``-o PATH``: each kind of path (``docs/cli.md``, Output paths)."""

from __future__ import annotations

import os
import pty
import socket
import stat
import threading
from pathlib import Path

import pytest

import unikms
from unikms._output import output_file


class Boom(Exception):
    pass


def names(d: Path) -> list[str]:
    return sorted(p.name for p in d.iterdir())


def fifo_with_reader(d: Path) -> tuple[Path, list[bytes], threading.Thread]:
    """A FIFO in ``d`` and a started thread that reads it to the end into the list."""
    fifo = d / "fifo"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    return fifo, got, reader


def test_a_new_file_is_0600_and_an_old_one_keeps_its_mode(tmp_path: Path) -> None:
    new = tmp_path / "new"
    with output_file(new) as out:
        out.write(b"one")
    assert (new.read_bytes(), stat.S_IMODE(new.stat().st_mode)) == (b"one", 0o600)
    old = tmp_path / "old"
    old.write_bytes(b"before")
    old.chmod(0o644)
    inode = old.stat().st_ino
    with output_file(old) as out:
        out.write(b"after")
    assert (old.read_bytes(), stat.S_IMODE(old.stat().st_mode)) == (b"after", 0o644)
    assert old.stat().st_ino != inode  # replaced by a rename, not rewritten in place
    assert names(tmp_path) == ["new", "old"]


@pytest.mark.parametrize("failure", [Boom, KeyboardInterrupt])
def test_a_failure_mid_write_leaves_the_old_file_and_no_part(
    tmp_path: Path, failure: type[BaseException]
) -> None:
    old = tmp_path / "old"
    old.write_bytes(b"precious")
    with pytest.raises(failure), output_file(old) as out:
        out.write(b"x" * 100_000)
        raise failure()
    assert old.read_bytes() == b"precious"
    assert names(tmp_path) == ["old"]


def test_a_symlink_stays_a_link_and_its_target_is_replaced(tmp_path: Path) -> None:
    real = tmp_path / "sub" / "real"
    real.parent.mkdir()
    real.write_bytes(b"old")
    real.chmod(0o640)
    link = tmp_path / "link"
    link.symlink_to(os.path.relpath(real, tmp_path))
    chain = tmp_path / "chain"
    chain.symlink_to("link")
    with output_file(chain) as out:
        out.write(b"new")
    assert chain.is_symlink() and link.is_symlink()
    assert real.read_bytes() == b"new" and stat.S_IMODE(real.stat().st_mode) == 0o640
    assert names(tmp_path) == ["chain", "link", "sub"] and names(real.parent) == ["real"]


def test_a_dangling_symlink_creates_its_target(tmp_path: Path) -> None:
    link = tmp_path / "link"
    link.symlink_to("made")
    with output_file(link) as out:
        out.write(b"data")
    assert link.is_symlink() and (tmp_path / "made").read_bytes() == b"data"
    assert stat.S_IMODE((tmp_path / "made").stat().st_mode) == 0o600


def test_a_symlink_loop_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a").symlink_to("b")
    (tmp_path / "b").symlink_to("a")
    with pytest.raises(unikms.InvalidRequestError, match="symbolic links") as info:
        output_file(tmp_path / "a").__enter__()
    assert info.value.field == "dst"


def test_dev_null_stays_a_device() -> None:
    with output_file("/dev/null") as out:
        out.write(b"gone")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_a_fifo_is_written_through_to_its_reader(tmp_path: Path) -> None:
    fifo, got, reader = fifo_with_reader(tmp_path)
    with output_file(fifo) as out:
        out.write(b"through the pipe")
    reader.join(10)
    assert got == [b"through the pipe"]
    assert stat.S_ISFIFO(fifo.stat().st_mode) and names(tmp_path) == ["fifo"]


def test_spool_writes_a_fifo_only_after_success(tmp_path: Path) -> None:
    fifo, got, reader = fifo_with_reader(tmp_path)
    with pytest.raises(Boom), output_file(fifo, spool=True) as out:
        out.write(b"unauthenticated")
        raise Boom()
    reader.join(10)
    assert got == [b""] and names(tmp_path) == ["fifo"]


@pytest.mark.parametrize("template", ["/dev/fd/{}", "/proc/self/fd/{}"])
def test_a_descriptor_of_a_pipe(template: str) -> None:
    r, w = os.pipe()
    try:
        with output_file(template.format(w)) as out:
            out.write(b"to fd")
        os.close(w)
        w = -1
        assert os.read(r, 100) == b"to fd"
    finally:
        os.close(r)
        if w >= 0:
            os.close(w)


def test_a_unix_socket_is_written_through(tmp_path: Path) -> None:
    path = str(tmp_path / "sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(1)
    got: list[bytes] = []

    def serve() -> None:
        conn, _ = server.accept()
        with conn:
            chunks = []
            while chunk := conn.recv(4096):
                chunks.append(chunk)
            got.append(b"".join(chunks))

    thread = threading.Thread(target=serve)
    thread.start()
    try:
        with output_file(path) as out:
            out.write(b"over the socket")
        thread.join(10)
    finally:
        server.close()
    assert got == [b"over the socket"]


def test_a_terminal_is_refused_for_binary_but_takes_text() -> None:
    controller, device = pty.openpty()
    try:
        name = os.ttyname(device)
        with pytest.raises(unikms.InvalidRequestError, match="terminal") as info:
            output_file(name, field="output").__enter__()
        assert info.value.field == "output"
        with output_file(name, binary=False) as out:
            out.write(b"text\n")
        assert os.read(controller, 100).startswith(b"text")
    finally:
        os.close(controller)
        os.close(device)


def test_a_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(unikms.InvalidRequestError, match="is a directory"):
        output_file(tmp_path).__enter__()
    assert names(tmp_path) == []


def test_a_missing_directory_says_so(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no temporary file in"):
        output_file(tmp_path / "nowhere" / "out").__enter__()
