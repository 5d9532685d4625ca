"""The emulator's defences: replay memory, file modes, admin endpoints, hostile input.

Most checks drive one wire protocol or the ASGI application directly (no
server), so each can break one thing while everything else stays valid.
"""

from __future__ import annotations

import asyncio
import errno
import hashlib
import hmac
import json
import logging
import os
import socket
import stat
import sys
import tempfile
import threading
import uuid
from collections.abc import MutableMapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from unikms.dialects.alibaba.classic_wire import AlibabaClassicProtocol
from unikms.dialects.alibaba.package import DEFAULT_ACCESS_KEY_ID as DEFAULT_ALIBABA_ACCESS_KEY_ID
from unikms.dialects.alibaba.package import (
    DEFAULT_ACCESS_KEY_SECRET as DEFAULT_ALIBABA_ACCESS_KEY_SECRET,
)
from unikms.dialects.tencent.package import DEFAULT_SECRET_ID as DEFAULT_TENCENT_SECRET_ID
from unikms.dialects.tencent.package import DEFAULT_SECRET_KEY as DEFAULT_TENCENT_SECRET_KEY
from unikms.dialects.tencent.wire import TencentProtocol
from unikms.emulator import Emulator
from unikms.emulator.app import EmulatorApp
from unikms.emulator.credentials import AccessKey, EmulatorCredentials, private_directory
from unikms.emulator.state import StateFile
from unikms.emulator.wire import ReplayGuard, Request, Response
from unikms.fake import FakeCloud
from unikms.types import Dialect

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")


# -- the replay guard -----------------------------------------------------------------------
def test_replay_guard_refuses_a_nonce_within_the_window_only() -> None:
    guard = ReplayGuard(60)
    assert guard.fresh("a", now=1000)
    assert not guard.fresh("a", now=1000)
    assert not guard.fresh("a", now=1059.9)
    assert guard.fresh("b", now=1030)
    assert guard.fresh("a", now=1060)  # the window has passed: "a" is forgotten, then new
    assert not guard.fresh("a", now=1061)
    assert not guard.fresh("b", now=1061)
    assert guard.fresh("b", now=1090)


def test_replay_guard_memory_follows_the_window() -> None:
    guard = ReplayGuard(10)
    for i in range(50_000):  # 100 per second for 500 seconds: ~1000 live at a time
        assert guard.fresh(f"n{i}", now=i / 100)
        assert len(guard) <= 1001
    assert not guard.fresh("n49999", now=500)


def test_replay_guard_capacity_forgets_the_oldest() -> None:
    guard = ReplayGuard(3600, capacity=100)
    for i in range(1000):
        assert guard.fresh(f"n{i}", now=float(i))
    assert len(guard) == 100
    assert not guard.fresh("n999", now=1000)  # the newest are remembered
    assert guard.fresh("n0", now=1000)  # the oldest were forgotten to stay in bounds
    with pytest.raises(ValueError, match="capacity"):
        ReplayGuard(1, capacity=0)


def test_replay_guard_is_thread_safe() -> None:
    guard = ReplayGuard(600)
    barrier = threading.Barrier(8)
    wins: list[bool] = []

    def race() -> None:
        barrier.wait()
        for i in range(2000):
            wins.append(guard.fresh(f"shared-{i}"))

    threads = [threading.Thread(target=race) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wins.count(True) == 2000  # each nonce accepted exactly once across all threads
    assert len(guard) == 2000


# -- file modes -----------------------------------------------------------------------------
def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@posix_only
def test_state_files_are_private(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        state = StateFile(tmp_path / "kms.sqlite")
        state.save(FakeCloud())
        for name in ("kms.sqlite", "kms.sqlite-wal", "kms.sqlite-shm"):
            assert _mode(tmp_path / name) == 0o600, name
        state.close()
    finally:
        os.umask(old)


@posix_only
def test_an_existing_state_file_keeps_its_mode(tmp_path: Path) -> None:
    path = tmp_path / "kms.sqlite"
    path.touch(mode=0o640)
    path.chmod(0o640)
    StateFile(path).close()
    assert _mode(path) == 0o640


@posix_only
def test_the_emulator_writes_private_state_and_client_keys(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        with Emulator(state=tmp_path / "kms.sqlite") as emu:
            assert emu.client_key is not None
            assert _mode(tmp_path / "kms.sqlite") == 0o600
            assert _mode(emu.client_key_dir) == 0o700
            assert _mode(emu.client_key.path) == 0o600
    finally:
        os.umask(old)


@posix_only
def test_client_key_directories_are_private(tmp_path: Path) -> None:
    made = private_directory(tmp_path / "a" / "keys")
    assert _mode(made) == 0o700
    dedicated = tmp_path / "old-keys"  # as an earlier version left it
    dedicated.mkdir(mode=0o755)
    dedicated.chmod(0o755)
    (dedicated / "clientKey_KAAP.x.json").touch()
    private_directory(dedicated)
    assert _mode(dedicated) == 0o700
    shared = tmp_path / "project"  # not only client keys: not ours to narrow
    shared.mkdir()
    shared.chmod(0o755)
    (shared / "README").touch()
    EmulatorCredentials().issue_client_key(shared)
    assert _mode(shared) == 0o755


# -- the ASGI application: admin endpoints, the clock, crashes --------------------------------
class _Crashing:
    name = "crashing"

    def matches(self, request: Request) -> bool:
        return True

    def handle(self, request: Request) -> Response:
        raise RuntimeError(f"a bug quoting the request: {request.body!r}")

    def internal_error(self, request: Request) -> Response:
        return Response(500, b"{}", "application/json")

    def too_large(self, request: Request) -> Response:
        return Response(413, b"{}", "application/json")


def asgi(
    app: EmulatorApp,
    path: str,
    body: bytes = b"",
    *,
    method: str = "POST",
    client: tuple[str, int] | None = ("127.0.0.1", 50000),
) -> tuple[int, dict[str, Any]]:
    """One request through the ASGI app, as uvicorn would make it."""
    scope: dict[str, Any] = {
        "type": "http",
        "method": method,
        "path": path,
        "query_string": b"",
        "headers": [(b"content-length", str(len(body)).encode())],
        "client": client,
    }
    sent: list[MutableMapping[str, Any]] = []
    inbox = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive() -> MutableMapping[str, Any]:
        return inbox.pop(0) if inbox else {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    return sent[0]["status"], json.loads(sent[1]["body"] or b"{}")


@pytest.fixture
def admin() -> tuple[EmulatorApp, list[float], list[bool]]:
    moved: list[float] = []
    resets: list[bool] = []
    app = EmulatorApp([], advance_clock=moved.append, reset=lambda: resets.append(True))
    return app, moved, resets


@pytest.mark.parametrize(
    "value",
    [
        "NaN", "Infinity", "-Infinity", "1e300", "-1", "-0.5", "36501", "true", '"x"', "[]",
        "null", '"nan"', '"inf"',
    ],
)  # fmt: skip
def test_the_clock_refuses_what_is_not_a_sane_number_of_days(
    admin: tuple[EmulatorApp, list[float], list[bool]], value: str
) -> None:
    app, moved, _ = admin
    status, doc = asgi(app, "/_unikms/clock", f'{{"advance_days": {value}}}'.encode())
    assert (status, doc["Code"]) == (400, "InvalidParameter")
    assert moved == []


@pytest.mark.parametrize("body", [b"not json", b"[1]", b'"7"', b"[" * 100_000])
def test_the_clock_refuses_a_malformed_body(
    admin: tuple[EmulatorApp, list[float], list[bool]], body: bytes
) -> None:
    app, moved, _ = admin
    assert asgi(app, "/_unikms/clock", body)[0] == 400
    assert moved == []


def test_the_clock_moves_within_bounds(admin: tuple[EmulatorApp, list[float], list[bool]]) -> None:
    app, moved, _ = admin
    for value in (7, 0.5, 0, 36500, '"8"'):
        assert asgi(app, "/_unikms/clock", f'{{"advance_days": {value}}}'.encode())[0] == 200
    assert moved == [7, 0.5, 0, 36500, 8]


@pytest.mark.parametrize("client", [("10.1.2.3", 4000), ("192.168.0.7", 1), ("2001:db8::1", 1)])
def test_admin_endpoints_refuse_remote_clients(
    admin: tuple[EmulatorApp, list[float], list[bool]], client: tuple[str, int]
) -> None:
    app, moved, resets = admin
    status, doc = asgi(app, "/_unikms/clock", b'{"advance_days": 1}', client=client)
    assert (status, doc["Code"]) == (403, "Forbidden")
    assert asgi(app, "/_unikms/reset", client=client)[0] == 403
    assert (moved, resets) == ([], [])
    assert asgi(app, "/health", method="GET", client=client)[0] == 200


@pytest.mark.parametrize(
    "client", [("127.0.0.1", 4000), ("127.8.9.10", 1), ("::1", 1), ("::ffff:127.0.0.1", 1), None]
)
def test_admin_endpoints_answer_loopback_clients(
    admin: tuple[EmulatorApp, list[float], list[bool]], client: tuple[str, int] | None
) -> None:
    app, moved, resets = admin
    assert asgi(app, "/_unikms/clock", b'{"advance_days": 1}', client=client)[0] == 200
    assert asgi(app, "/_unikms/reset", client=client)[0] == 200
    assert (moved, resets) == ([1], [True])


def test_a_crash_logs_its_type_and_no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="unikms.emulator")
    status, _ = asgi(EmulatorApp([_Crashing()]), "/", b"SECRET-PLAINTEXT")
    assert status == 500
    records = [r for r in caplog.records if r.name == "unikms.emulator"]
    assert records and all(r.exc_info is None for r in records)
    assert "crashing" in caplog.text and "RuntimeError" in caplog.text
    assert "SECRET-PLAINTEXT" not in caplog.text and "Traceback" not in caplog.text


# -- signatures: non-ASCII input, huge timestamps, what ACS3/ACS4 must sign ------------------
@pytest.fixture
def alibaba() -> AlibabaClassicProtocol:
    service = FakeCloud().service(Dialect.ALIBABA_CLASSIC)
    return AlibabaClassicProtocol(service, EmulatorCredentials())


@pytest.fixture
def tencent() -> TencentProtocol:
    return TencentProtocol(FakeCloud().service(Dialect.TENCENT), EmulatorCredentials())


def _code(response: Response) -> str:
    doc = json.loads(response.body)
    return str(doc["Response"]["Error"]["Code"] if "Response" in doc else doc["Code"])


def test_a_non_ascii_v1_signature_is_a_signature_error(alibaba: AlibabaClassicProtocol) -> None:
    params = {
        "Action": "ListKeys", "Version": "2016-01-20", "Format": "JSON",
        "AccessKeyId": DEFAULT_ALIBABA_ACCESS_KEY_ID, "SignatureMethod": "HMAC-SHA1",
        "SignatureVersion": "1.0", "SignatureNonce": uuid.uuid4().hex,
        "Timestamp": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "Signature": "sïgnature=",
    }  # fmt: skip
    response = alibaba.handle(Request("POST", "/", urlencode(params).encode(), {}, b""))
    assert (response.status, _code(response)) == (400, "SignatureDoesNotMatch")


def test_a_non_ascii_tencent_v1_signature_is_a_signature_error(tencent: TencentProtocol) -> None:
    params = {
        "Action": "ListKeys", "Version": "2019-01-18", "Region": "ap-guangzhou",
        "SecretId": DEFAULT_TENCENT_SECRET_ID, "Nonce": "42", "SignatureMethod": "HmacSHA256",
        "Timestamp": str(int(datetime.now(timezone.utc).timestamp())), "Signature": "sïg",
    }  # fmt: skip
    request = Request(
        "POST", "/", b"",
        {"content-type": "application/x-www-form-urlencoded", "host": "h"},
        urlencode(params).encode(),
    )  # fmt: skip
    assert _code(tencent.handle(request)) == "AuthFailure.SignatureFailure"


@pytest.mark.parametrize(
    ("stamp", "code"),
    [
        ("9" * 5000, "AuthFailure.SignatureExpire"),
        ("1" * 13, "AuthFailure.SignatureExpire"),
        ("\u00b9\u00b2\u00b3", "AuthFailure.SignatureFailure"),  # digits to isdigit(), not int()
        ("-5", "AuthFailure.SignatureFailure"),
        ("", "AuthFailure.SignatureFailure"),
    ],
)
def test_a_tc3_timestamp_that_is_no_time(tencent: TencentProtocol, stamp: str, code: str) -> None:
    auth = (
        f"TC3-HMAC-SHA256 Credential={DEFAULT_TENCENT_SECRET_ID}/2026-01-01/kms/tc3_request, "
        f"SignedHeaders=content-type;host, Signature={'0' * 64}"
    )
    headers = {
        "authorization": auth, "x-tc-action": "ListKeys", "x-tc-timestamp": stamp,
        "content-type": "application/json", "host": "h",
    }  # fmt: skip
    assert _code(tencent.handle(Request("POST", "/", b"", headers, b"{}"))) == code


def acs_request(
    action: str,
    *,
    v4: bool = False,
    signed: tuple[str, ...] | None = None,
    secret: str = DEFAULT_ALIBABA_ACCESS_KEY_SECRET,
) -> Request:
    """An ACS3 (or ACS4) request signed over ``signed`` headers (default: all of them)."""
    headers = {
        "host": "kms.example",
        "x-acs-action": action,
        "x-acs-version": "2016-01-20",
        "x-acs-date": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "x-acs-signature-nonce": uuid.uuid4().hex,
        "x-acs-content-sha256": hashlib.sha256(b"").hexdigest(),
    }
    names = sorted(headers) if signed is None else sorted(signed)
    canonical = (
        "POST\n/\n\n"
        + "".join(f"{h}:{headers.get(h, '')}\n" for h in names)
        + f"\n{';'.join(names)}\n{headers['x-acs-content-sha256']}"
    )
    algorithm = "ACS4-HMAC-SHA256" if v4 else "ACS3-HMAC-SHA256"
    to_sign = f"{algorithm}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    if v4:
        day = datetime.now(timezone.utc).strftime("%Y%m%d")
        scope = [day, "cn-hangzhou", "kms", "aliyun_v4_request"]
        key = ("aliyun_v4" + secret).encode()
        for item in scope:
            key = hmac.new(key, item.encode(), hashlib.sha256).digest()
        sig = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        credential = "/".join([DEFAULT_ALIBABA_ACCESS_KEY_ID, *scope])
    else:
        sig = hmac.new(secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
        credential = DEFAULT_ALIBABA_ACCESS_KEY_ID
    headers["authorization"] = (
        f"{algorithm} Credential={credential},SignedHeaders={';'.join(names)},Signature={sig}"
    )
    return Request("POST", "/", b"", headers, b"")


ALL = ("host", "x-acs-action", "x-acs-content-sha256", "x-acs-date", "x-acs-signature-nonce",
       "x-acs-version")  # fmt: skip


@pytest.mark.parametrize("v4", [False, True], ids=["ACS3", "ACS4"])
def test_an_acs_request_signed_over_every_header_is_served(
    alibaba: AlibabaClassicProtocol, v4: bool
) -> None:
    assert alibaba.handle(acs_request("ListKeys", v4=v4)).status == 200
    wrong = alibaba.handle(acs_request("ListKeys", v4=v4, secret="other"))
    assert _code(wrong) == "SignatureDoesNotMatch"


@pytest.mark.parametrize(
    ("v4", "unsigned"),
    [
        (False, "x-acs-date"), (False, "x-acs-signature-nonce"), (False, "host"),
        (True, "x-acs-date"), (True, "host"),
    ],
)  # fmt: skip
def test_acs_signatures_must_cover_date_nonce_and_host(
    alibaba: AlibabaClassicProtocol, v4: bool, unsigned: str
) -> None:
    request = acs_request("ListKeys", v4=v4, signed=tuple(h for h in ALL if h != unsigned))
    response = alibaba.handle(request)
    assert (response.status, _code(response)) == (400, "IncompleteSignature")


def test_acs4_need_not_sign_the_nonce(alibaba: AlibabaClassicProtocol) -> None:
    signed = tuple(h for h in ALL if h != "x-acs-signature-nonce")
    assert alibaba.handle(acs_request("ListKeys", v4=True, signed=signed)).status == 200


# -- the server: a busy port, the banner ---------------------------------------------------------
def _threads() -> set[str]:
    return {t.name for t in threading.enumerate()}


def test_a_busy_port_fails_before_anything_is_opened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    before = _threads()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        for state in (None, tmp_path / "kms.sqlite"):
            with pytest.raises(OSError, match=f"cannot listen on 127.0.0.1:{port}") as err:
                Emulator(port=port, state=state)
            assert err.value.errno == errno.EADDRINUSE
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tmp"]  # no state, no key directory
    assert list((tmp_path / "tmp").iterdir()) == []  # no temporary client-key directory
    assert _threads() <= before


def test_a_failure_after_binding_releases_the_port_and_the_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: Emulator, throttle: bool | float) -> list[Any]:
        raise RuntimeError("broken on purpose")

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with monkeypatch.context() as patch:
        patch.setattr(Emulator, "_protocols", broken)
        with pytest.raises(RuntimeError, match="on purpose"):
            Emulator(port=port)
        with pytest.raises(RuntimeError, match="on purpose"):
            Emulator(state=tmp_path / "kms.sqlite")
    assert sorted(p.name for p in tmp_path.iterdir() if not p.is_dir()) == ["kms.sqlite"]
    assert not any(p.name.startswith("unikms-client-keys-") for p in tmp_path.iterdir())
    Emulator(port=port).close()  # the failed one let go of the port


def test_the_banner_shows_only_the_documented_default_secrets() -> None:
    emu = Emulator()
    try:
        banner = emu.banner()
        assert DEFAULT_ALIBABA_ACCESS_KEY_SECRET in banner
        assert DEFAULT_TENCENT_SECRET_KEY in banner
    finally:
        emu.close()
    creds = EmulatorCredentials(
        {
            "alibaba": [AccessKey(DEFAULT_ALIBABA_ACCESS_KEY_ID, "my-real-alibaba-secret")],
            "tencent": [AccessKey(DEFAULT_TENCENT_SECRET_ID, "my-real-tencent-key")],
        }
    )
    emu = Emulator(credentials=creds)
    try:
        banner = emu.banner()
        assert "my-real-alibaba-secret" not in banner
        assert "my-real-tencent-key" not in banner
        assert banner.count("<from your --credentials file>") == 3  # Python SDKs and tccli
    finally:
        emu.close()
