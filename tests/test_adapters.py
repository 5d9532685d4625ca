"""Adapter behaviour beyond conformance: retries, timeouts, proxies, credentials, packaging."""

from __future__ import annotations

import socket
import sys
import threading
from urllib.parse import quote

import pytest

import unikms
from tests.drivers import adapter_urls
from unikms.dialects.alibaba.package import DEFAULT_ACCESS_KEY_ID as DEFAULT_ALIBABA_ACCESS_KEY_ID
from unikms.dialects.alibaba.package import (
    DEFAULT_ACCESS_KEY_SECRET as DEFAULT_ALIBABA_ACCESS_KEY_SECRET,
)
from unikms.dialects.tencent.package import DEFAULT_SECRET_ID as DEFAULT_TENCENT_SECRET_ID
from unikms.dialects.tencent.package import DEFAULT_SECRET_KEY as DEFAULT_TENCENT_SECRET_KEY
from unikms.emulator import Emulator
from unikms.retry import RetryPolicy
from unikms.types import Dialect

DIALECTS = list(Dialect)


def urls(emu: Emulator, **extra: str) -> dict[Dialect, str]:
    assert emu.client_key is not None
    base = adapter_urls(emu.endpoint, str(emu.client_key.path), emu.client_key.password)
    suffix = "".join(f"&{k}={quote(v)}" for k, v in extra.items())
    return {d: u.replace("&retries=1", "") + suffix for d, u in base.items()}


# -- retries ----------------------------------------------------------------------------


@pytest.mark.parametrize("dialect", DIALECTS)
def test_throttling_is_retried_with_backoff(dialect: Dialect) -> None:
    with Emulator(throttle=2) as emu:
        first = unikms.connect(urls(emu, retries="1")[dialect])
        key = first.create_key().key_id
        with pytest.raises(unikms.ThrottledError) as err:
            for _ in range(5):
                first.encrypt(key, b"x")
        assert err.value.code in (
            "Rejected.Throttling",
            "RequestLimitExceeded",
            "ThrottlingException",
        )
        patient = unikms.connect(
            urls(emu, retries="8", retry_base_delay="0.2", retry_max_delay="1")[dialect]
        )
        for _ in range(6):  # three times the rate: only the retries get these through
            assert patient.decrypt(patient.encrypt(key, b"x").ciphertext).plaintext == b"x"


class ClosingServer:
    """Accepts connections and closes them at once, counting them."""

    def __init__(self, hang: bool = False) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.count = 0
        self.hang = hang
        self._held: list[socket.socket] = []
        threading.Thread(target=self._loop, daemon=True).start()

    def _loop(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.count += 1
            if self.hang:
                self._held.append(conn)
            else:
                conn.close()

    def close(self) -> None:
        self.sock.close()
        for c in self._held:
            c.close()


def dead_urls(port: int, emu: Emulator, **extra: str) -> dict[Dialect, str]:
    """Adapter URLs pointing at ``port`` (management still at the emulator)."""
    return {
        d: u.replace(f"127.0.0.1:{emu.port}", f"127.0.0.1:{port}", 1)
        if d is not Dialect.ALIBABA_INSTANCE
        else u.replace(
            f"alibaba-kms-instance://127.0.0.1:{emu.port}",
            f"alibaba-kms-instance://127.0.0.1:{port}",
        )
        for d, u in urls(emu, **extra).items()
    }


@pytest.mark.parametrize("dialect", DIALECTS)
def test_transport_failures_retry_only_what_changes_nothing(
    emu: Emulator, dialect: Dialect
) -> None:
    server = ClosingServer()
    try:
        kms = unikms.connect(
            dead_urls(server.port, emu, retries="3", retry_base_delay="0.01")[dialect]
        )
        with pytest.raises(unikms.TransportError) as err:
            kms.encrypt("key-hzzanything0000000000", b"x")
        assert err.value.dialect is dialect
        assert server.count == 3  # Encrypt changes nothing: retried
        if dialect is not Dialect.ALIBABA_INSTANCE:  # instance management goes to the emulator
            before = server.count
            with pytest.raises(unikms.TransportError):
                kms.create_key()
            assert server.count == before + 1  # CreateKey might have happened: not retried
    finally:
        server.close()


@pytest.mark.parametrize("dialect", DIALECTS)
def test_read_timeouts_are_finite(emu: Emulator, dialect: Dialect) -> None:
    server = ClosingServer(hang=True)
    try:
        kms = unikms.connect(
            dead_urls(server.port, emu, retries="1", read_timeout="0.3", connect_timeout="0.3")[
                dialect
            ]
        )
        with pytest.raises(unikms.TransportError):
            kms.encrypt("key-hzzanything0000000000", b"x")
    finally:
        server.close()


def test_retry_policy() -> None:
    waits: list[float] = []
    calls = []

    def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise unikms.ThrottledError("slow down")
        return "ok"

    policy = RetryPolicy(max_attempts=5, base_delay=0.1, max_delay=0.15)
    assert (
        policy.run(flaky, lambda e: isinstance(e, unikms.ThrottledError), sleep=waits.append)
        == "ok"
    )
    assert len(waits) == 2 and all(0 <= w <= 0.15 for w in waits)
    with pytest.raises(ValueError, match="nope"):
        policy.run(lambda: (_ for _ in ()).throw(ValueError("nope")), lambda e: False)
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)


# -- proxies ------------------------------------------------------------------------------


@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_proxy_in_the_environment_never_takes_loopback_traffic(
    emu: Emulator, dialect: Dialect, monkeypatch: pytest.MonkeyPatch
) -> None:
    trap = ClosingServer()
    try:
        for var in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"):
            monkeypatch.setenv(var, f"http://127.0.0.1:{trap.port}")
        kms = unikms.connect(urls(emu, retries="1")[dialect])
        key = kms.create_key().key_id
        assert kms.decrypt(kms.encrypt(key, b"x").ciphertext).plaintext == b"x"
        assert trap.count == 0
    finally:
        trap.close()


class RecordingProxy:
    """An HTTP proxy stand-in: records the request line, answers 502."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.lines: list[str] = []
        threading.Thread(target=self._loop, daemon=True).start()

    def _loop(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                data = conn.recv(65536)
                self.lines.append(data.split(b"\r\n", 1)[0].decode("latin-1"))
                conn.sendall(
                    b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                )

    def close(self) -> None:
        self.sock.close()


@pytest.mark.parametrize("dialect", DIALECTS)
def test_real_endpoints_honour_the_proxy_environment(
    dialect: Dialect, monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy = RecordingProxy()
    try:
        for var in ("HTTP_PROXY", "http_proxy"):
            monkeypatch.setenv(var, f"http://127.0.0.1:{proxy.port}")
        host = "kms.unikms-test.invalid"
        url = {
            Dialect.ALIBABA_CLASSIC: f"alibaba-kms://cn-hangzhou?endpoint=http://{host}"
            f"&access_key_id=a&access_key_secret=b&retries=1",
            Dialect.TENCENT: f"tencent-kms://ap-guangzhou?endpoint=http://{host}"
            f"&secret_id=a&secret_key=b&retries=1",
            Dialect.ALIBABA_INSTANCE: f"alibaba-kms-instance://{host}?protocol=http"
            f"&client_key_id=KAAP.x&private_key={quote(_pem())}&retries=1",
            Dialect("aws"): f"aws-kms://us-east-1?endpoint=http://{host}"
            f"&access_key_id=a&secret_access_key=b&retries=1",
        }[dialect]
        kms = unikms.connect(url)
        with pytest.raises(unikms.KmsError):
            kms.encrypt("key-hzzanything0000000000", b"x")
        assert proxy.lines and f"http://{host}" in proxy.lines[0]
    finally:
        proxy.close()


def _pem() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()


# -- credentials and configuration ------------------------------------------------------------


@pytest.mark.parametrize("dialect", DIALECTS)
def test_credentials_never_show(emu: Emulator, dialect: Dialect) -> None:
    kms = unikms.connect(urls(emu, retries="1")[dialect])
    secrets = [DEFAULT_ALIBABA_ACCESS_KEY_SECRET, DEFAULT_TENCENT_SECRET_KEY]
    assert emu.client_key is not None
    secrets.append(emu.client_key.password)
    texts = [repr(kms), repr(kms.driver), str(kms.driver)]
    try:
        kms.encrypt("key-hzznothere00000000000", b"x")
    except unikms.KmsError as err:
        texts += [str(err), repr(err)]
    for text in texts:
        for secret in secrets:
            assert secret not in text


def test_wrong_credentials_are_access_denied(emu: Emulator) -> None:
    wrong = {
        Dialect.ALIBABA_CLASSIC: f"alibaba-kms://cn-hangzhou?endpoint=http://{emu.endpoint}"
        f"&access_key_id={DEFAULT_ALIBABA_ACCESS_KEY_ID}&access_key_secret=wrong&retries=1",
        Dialect.TENCENT: f"tencent-kms://ap-guangzhou?endpoint=http://{emu.endpoint}"
        f"&secret_id={DEFAULT_TENCENT_SECRET_ID}&secret_key=wrong&retries=1",
        Dialect.ALIBABA_INSTANCE: f"alibaba-kms-instance://{emu.endpoint}?protocol=http"
        f"&client_key_id=KAAP.unknown&private_key={quote(_pem())}&retries=1",
    }
    for dialect, url in wrong.items():
        with pytest.raises(unikms.AccessDeniedError) as err:
            unikms.connect(url).encrypt("key-hzzanything0000000000", b"x")
        assert err.value.dialect is dialect
        assert err.value.code and "wrong" not in str(err.value)


@pytest.mark.parametrize(
    "url",
    [
        "tencent-kms://",
        "alibaba-kms://",
        "alibaba-kms-instance://",
        "tencent-kms://ap-guangzhou?secret_id=x&secret_key=y&colour=blue",
        "alibaba-kms://cn-hangzhou?access_key_id=x&access_key_secret=y&signature=v9",
        "alibaba-kms://cn-hangzhou?access_key_id=x",
        "alibaba-kms-instance://h?client_key_file=/nonexistent",
        "tencent-kms://ap-guangzhou?secret_id=x&secret_key=y&read_timeout=-1",
    ],
)
def test_bad_adapter_urls(url: str) -> None:
    with pytest.raises(unikms.InvalidRequestError):
        unikms.connect(url)


def test_missing_sdk_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "tencentcloud.kms.v20190118", None)
    with pytest.raises(unikms.InvalidRequestError) as err:
        unikms.connect("tencent-kms://ap-guangzhou?secret_id=x&secret_key=y")
    assert "pip install 'unikms[tencent]'" in str(err.value)


def test_import_unikms_imports_no_sdk() -> None:
    import subprocess

    code = (
        "import sys, unikms; unikms.connect('fake://tencent');"
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "('tencentcloud', 'alibabacloud_kms20160120', 'alibabacloud_tea_openapi', 'darabonba',"
        " 'requests', 'google', 'uvicorn', 'unikms_adapters')];"
        "print(','.join(bad)); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout


def test_the_same_code_runs_on_every_url(emu: Emulator) -> None:
    """The mission in one test: one function, every URL."""

    def app(url: str) -> bytes:
        kms = unikms.connect(url)
        key = kms.create_key(alias="alias/app-data").key_id
        sealed = kms.encrypt("alias/app-data", b"same code", context={"app": "x"})
        assert sealed.key_id == key
        return kms.decrypt(sealed.ciphertext, context={"app": "x"}).plaintext

    import urllib.request

    targets = [f"fake://{d.value}" for d in Dialect] + list(urls(emu, retries="1").values())
    for url in targets:
        urllib.request.urlopen(
            urllib.request.Request(
                f"http://{emu.endpoint}/_unikms/reset", data=b"{}", method="POST"
            )
        )
        assert app(url) == b"same code"
