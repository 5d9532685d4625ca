"""The emulator under hostile connections: capped request heads, deadlines on slow ones.

Raw sockets against a real server on 127.0.0.1 (small limits set by the test),
plus the ASGI app's own header handling.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import Iterator, MutableMapping
from typing import Any

import pytest

from unikms.emulator import Emulator
from unikms.emulator.app import MAX_HEADERS, EmulatorApp, _join_headers
from unikms.emulator.http_limits import HttpLimits

LIMITS = HttpLimits(
    max_head_bytes=4096, max_headers=20, head_timeout=0.5, body_timeout=0.5, keep_alive_timeout=1
)
#: how long a test waits for the server to act on a 0.5 s deadline (generous: a loaded CI)
PATIENCE = 10.0


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator(http_limits=LIMITS) as emu:
        yield emu


def connect(emu: Emulator) -> socket.socket:
    sock = socket.create_connection((emu.host, emu.port), timeout=PATIENCE)
    return sock


def read_all(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    chunks = []
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def status(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1 ") else 0


def test_a_normal_request_is_served(emulator: Emulator) -> None:
    with connect(emulator) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        answer = read_all(sock)
    assert status(answer) == 200 and b'"ok"' in answer


def test_too_many_header_lines_get_431(emulator: Emulator) -> None:
    head = b"GET /health HTTP/1.1\r\nHost: x\r\n" + b"X-A: b\r\n" * 32768 + b"\r\n"
    with connect(emulator) as sock:
        with contextlib.suppress(OSError):  # the server may close before it has read it all
            sock.sendall(head)
        answer = read_all(sock)
    assert status(answer) == 431
    assert b"RequestHeaderFieldsTooLarge" in answer and b"20 header lines" in answer


def test_an_oversized_header_gets_431_before_it_is_all_sent(emulator: Emulator) -> None:
    with connect(emulator) as sock:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nX-Big: ")
        sent = 0
        try:
            while sent < 64 << 20:  # the server answers long before 64 MiB
                sock.sendall(b"a" * 65536)
                sent += 65536
        except OSError:
            pass
        answer = read_all(sock)
    assert status(answer) == 431 and b"4096 bytes" in answer
    assert sent < 64 << 20


def test_a_long_url_gets_431(emulator: Emulator) -> None:
    with connect(emulator) as sock:
        with contextlib.suppress(OSError):
            sock.sendall(b"GET /" + b"a" * 10000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        assert status(read_all(sock)) == 431


def closed_within(sock: socket.socket, seconds: float) -> float:
    """Seconds until the server closed ``sock`` (having sent nothing)."""
    start = time.monotonic()
    assert read_all(sock) == b""
    elapsed = time.monotonic() - start
    assert elapsed < seconds
    return elapsed


def test_half_a_request_head_is_closed_after_the_head_timeout(emulator: Emulator) -> None:
    with connect(emulator) as sock:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nX-Tc-")
        assert closed_within(sock, PATIENCE) >= 0.3


def test_a_trickling_head_is_closed_after_the_head_timeout(emulator: Emulator) -> None:
    """Slowloris: a byte now and then never earns more time."""
    with connect(emulator) as sock:
        start = time.monotonic()
        try:
            for byte in b"POST / HTTP/1.1\r\nHost: x\r\n" + b"X-A: b\r\n" * 100:
                sock.sendall(bytes([byte]))
                time.sleep(0.05)
                if time.monotonic() - start > PATIENCE:
                    break
        except OSError:
            pass
        assert read_all(sock) == b""
        assert time.monotonic() - start < PATIENCE


def test_an_idle_connection_is_closed(emulator: Emulator) -> None:
    with connect(emulator) as sock:
        closed_within(sock, PATIENCE)


def test_a_body_that_never_completes_is_closed(emulator: Emulator) -> None:
    with connect(emulator) as sock:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789")
        start = time.monotonic()
        answer = read_all(sock)
        assert time.monotonic() - start < PATIENCE
    assert b"HTTP/1.1 200" not in answer


def test_keep_alive_requests_each_get_a_fresh_head_deadline(emulator: Emulator) -> None:
    with connect(emulator) as sock:
        for _ in range(3):
            time.sleep(0.3)  # together longer than one head timeout
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            assert status(sock.recv(65536)) == 200


# -- the ASGI app's own handling ------------------------------------------------------------
def test_repeated_headers_are_joined_in_order() -> None:
    raw = [(b"X-A", b"1"), (b"host", b"h"), (b"x-a", b"2"), (b"X-A", b"3")]
    assert _join_headers(raw) == {"x-a": "1,2,3", "host": "h"}
    many = [(b"x-tc-action", b"Encrypt")] * 32768
    assert _join_headers(many)["x-tc-action"] == ",".join(["Encrypt"] * 32768)


def test_the_app_refuses_too_many_header_lines_whatever_the_server() -> None:
    app = EmulatorApp([])
    sent: list[MutableMapping[str, Any]] = []

    async def receive() -> MutableMapping[str, Any]:
        raise AssertionError("the body is not read")

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/",
        "headers": [(b"x-a", b"b")] * (MAX_HEADERS + 1),
    }
    asyncio.run(app(scope, receive, send))
    assert sent[0]["status"] == 431
