"""``unikms serve``: the fake's engine behind the three real wire protocols.

>>> from unikms.emulator import Emulator
>>> with Emulator() as emu:                      # a free port on 127.0.0.1
...     emu.endpoint.startswith("127.0.0.1:")
True

The HTTP server is uvicorn with httptools (and uvloop where it exists), chosen
by measurement among uvicorn, hypercorn, granian and aiohttp: it spent the
least server CPU per signed 4 KB Encrypt (``docs/emulator.md``).
"""

from __future__ import annotations

import errno
import importlib.util
import logging
import signal
import socket
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

import uvicorn

from unikms.dialects.alibaba.classic_wire import AlibabaClassicProtocol
from unikms.dialects.alibaba.gateway_wire import GatewayProtocol
from unikms.dialects.tencent.wire import TencentProtocol
from unikms.emulator.app import EmulatorApp
from unikms.emulator.credentials import (
    DEFAULT_ALIBABA_ACCESS_KEY_ID,
    DEFAULT_ALIBABA_ACCESS_KEY_SECRET,
    DEFAULT_TENCENT_SECRET_ID,
    DEFAULT_TENCENT_SECRET_KEY,
    EmulatorCredentials,
    IssuedClientKey,
)
from unikms.emulator.http_limits import HttpLimits, limited_protocol
from unikms.emulator.state import StateFile
from unikms.emulator.wire import ProtocolHandler, ReplayGuard
from unikms.fake import FakeCloud
from unikms.types import Dialect

__all__ = ["READ_ONLY_ACTIONS", "SHUTDOWN_GRACE_SECONDS", "Emulator", "configure_logging"]

#: how long a stop waits for requests in flight before it cancels them: with uvicorn's
#: 0.1 s tick and 0.1 s connection-close pause, SIGTERM/SIGINT stop within about 0.4 s
SHUTDOWN_GRACE_SECONDS = 0.15

#: actions that change no state (everything else is persisted before it is answered)
READ_ONLY_ACTIONS = frozenset(
    {
        "Encrypt", "Decrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext",
        "AdvanceEncrypt", "AdvanceDecrypt", "AdvanceGenerateDataKey", "DescribeKey",
        "DescribeKeys", "DescribeKeyVersion", "ListKeys", "ListKeyDetail", "ListAliases",
        "ListAliasesByKeyId", "ListKeyVersions", "GetKeyRotationStatus",
        "ReEncrypt", "GenerateRandom", "GetRandomPassword", "GetServiceStatus", "GetRegions",
        "DescribeRegions", "ListAlgorithms", "ListResourceTags",
    }
)  # fmt: skip


def _listen(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port``; a clear :class:`OSError` when it is taken."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)  # uvicorn's backlog; listening claims the port at once
    except OSError as err:
        sock.close()
        hint = " (is another server using it?)" if err.errno == errno.EADDRINUSE else ""
        raise OSError(err.errno, f"cannot listen on {host}:{port}: {err.strerror}{hint}") from None
    return sock


class Emulator:
    """One emulator: a :class:`FakeCloud`, its credentials and an HTTP server.

    ``state`` names a SQLite file that keeps keys, aliases and versions across
    restarts (loaded if it has content, else ``seed`` is loaded and saved).
    ``client_key_dir`` is where gateway client keys are written (a temporary
    directory by default; with ``state``, next to the state file).
    ``http_limits`` caps request heads and sets the connection deadlines
    (:class:`~unikms.emulator.http_limits.HttpLimits`; defaults in ``docs/emulator.md``).
    ``tc3_sign_action`` refuses TC3 requests whose signature leaves ``x-tc-action`` out
    (the real protocol signs only ``content-type;host`` by default).
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        seed: str | Path | None = None,
        state: str | Path | None = None,
        credentials: EmulatorCredentials | None = None,
        client_key_dir: str | Path | None = None,
        throttle: bool | float = False,
        http_limits: HttpLimits | None = None,
        tc3_sign_action: bool = False,
    ) -> None:
        self.host = host
        self.http_limits = http_limits or HttpLimits()
        self.tc3_sign_action = tc3_sign_action
        # the socket first: a busy port must fail before anything is opened or written
        self._sock = _listen(host, port)
        self.port: int = self._sock.getsockname()[1]
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self.state: StateFile | None = None
        try:
            self.cloud = FakeCloud()
            self.credentials = credentials or EmulatorCredentials()
            self.state = StateFile(state) if state else None
            loaded = self.state.load(self.cloud, self.credentials) if self.state else False
            if seed and not loaded:
                self.cloud.load_seed(seed)
                if self.state:
                    self.state.save(self.cloud)
            if client_key_dir is None:
                if state:
                    client_key_dir = Path(state).with_suffix(".client-keys")
                else:
                    self._tmp = tempfile.TemporaryDirectory(prefix="unikms-client-keys-")
                    client_key_dir = self._tmp.name
            self.client_key_dir = Path(client_key_dir)
            self.client_key: IssuedClientKey | None = self._client_key()
            protocols = self._protocols(throttle)
            if self.state is not None:  # the replay windows persist with the state
                for protocol in protocols:
                    guard = getattr(protocol, "nonces", None)
                    if isinstance(guard, ReplayGuard):
                        guard.attach(self.state.nonce_journal(protocol.name))
            self.app = EmulatorApp(protocols, advance_clock=self._advance, reset=self._reset)
        except BaseException:
            self.close()
            raise

    # -- composition ------------------------------------------------------------
    def _protocols(self, throttle: bool | float) -> list[ProtocolHandler]:
        cloud = self.cloud
        protocols: list[ProtocolHandler] = [
            AlibabaClassicProtocol(
                cloud.service(Dialect.ALIBABA_CLASSIC, throttle=throttle),
                self.credentials,
                self._saver(alibaba=True),
            ),
            TencentProtocol(
                cloud.service(Dialect.TENCENT, throttle=throttle),
                self.credentials,
                self._saver(tencent=True),
                signed_headers=frozenset({"x-tc-action"}) if self.tc3_sign_action else None,
            ),
        ]
        protocols.insert(
            1,
            GatewayProtocol(
                cloud.service(Dialect.ALIBABA_INSTANCE, throttle=throttle),
                self.credentials,
                self._saver(alibaba=True),
            ),
        )
        return protocols

    def _saver(self, *, alibaba: bool = False, tencent: bool = False) -> Callable[[str], None]:
        def save(action: str) -> None:
            if self.state is not None and action not in READ_ONLY_ACTIONS:
                self.state.save(self.cloud, alibaba=alibaba, tencent=tencent)

        return save

    def _client_key(self) -> IssuedClientKey | None:
        existing = sorted(self.client_key_dir.glob("clientKey_KAAP.*.json"))
        for path in existing:
            key_id = path.name[len("clientKey_") : -len(".json")]
            password_file = path.with_name(f"clientKey_{key_id}_Password.txt")
            if key_id in self.credentials.client_keys and password_file.exists():
                return IssuedClientKey(key_id, path, password_file.read_text("utf-8").strip())
        issued = self.credentials.issue_client_key(self.client_key_dir)
        if self.state is not None:
            self.state.save_client_key(
                issued.key_id, self.credentials.public_key_pem(issued.key_id)
            )
        return issued

    def _advance(self, days: float) -> None:
        self.cloud.clock.advance(days=days)

    def _reset(self) -> None:
        self.cloud.reset()
        if self.state is not None:
            self.state.save(self.cloud)

    # -- running ----------------------------------------------------------------
    @property
    def endpoint(self) -> str:
        """``host:port`` as the SDKs want it (no scheme)."""
        return f"{self.host}:{self.port}"

    def _config(self) -> uvicorn.Config:
        limits = self.http_limits
        return uvicorn.Config(
            self.app,
            log_level="warning",
            access_log=False,
            lifespan="off",
            # httptools with the head caps and deadlines; h11 caps the head size only
            http=limited_protocol(limits) if importlib.util.find_spec("httptools") else "h11",
            loop="uvloop" if importlib.util.find_spec("uvloop") else "asyncio",
            timeout_keep_alive=max(1, round(limits.keep_alive_timeout)),
            h11_max_incomplete_event_size=limits.max_head_bytes,
            # typed int, used as a float (asyncio.timeout)
            timeout_graceful_shutdown=SHUTDOWN_GRACE_SECONDS,  # type: ignore[arg-type]
        )

    def start(self) -> Emulator:
        """Serve in a background thread; returns once the server accepts connections."""
        self._server = uvicorn.Server(self._config())
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [self._sock]},
            daemon=True,
            name=f"unikms-emulator-{self.port}",
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the emulator did not start")
            time.sleep(0.01)
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until SIGINT or SIGTERM, then stop cleanly (exit status 0).

        uvicorn shuts down gracefully on both and then re-raises the signal to
        the handler that was there before; ours takes it quietly.
        """
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, lambda _sig, _frame: None)
        self._server = uvicorn.Server(self._config())
        self._server.run(sockets=[self._sock])
        self.close()

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        self.close()

    def close(self) -> None:
        self._sock.close()
        if self.state is not None:
            self.state.close()
            self.state = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- telling users how to connect -------------------------------------------------
    def banner(self) -> str:
        """The endpoints and the exact SDK configuration to paste."""
        ep = self.endpoint
        # only the documented defaults are printed: a secret from --credentials never is
        hidden = "<from your --credentials file>"
        ak = self.credentials.alibaba.get(DEFAULT_ALIBABA_ACCESS_KEY_ID)
        known = ak is not None and ak.access_key_secret == DEFAULT_ALIBABA_ACCESS_KEY_SECRET
        ak_secret = DEFAULT_ALIBABA_ACCESS_KEY_SECRET if known else hidden
        tc = self.credentials.tencent.get(DEFAULT_TENCENT_SECRET_ID)
        known = tc is not None and tc.secret_key == DEFAULT_TENCENT_SECRET_KEY
        tc_key = DEFAULT_TENCENT_SECRET_KEY if known else hidden
        lines = [
            f"unikms emulator on http://{ep}  (health: http://{ep}/health)",
            "",
            "Alibaba classic (alibabacloud-kms20160120):",
            "  from alibabacloud_tea_openapi.models import Config",
            "  from alibabacloud_kms20160120.client import Client",
            f'  Client(Config(endpoint="{ep}", protocol="http",',
            f'                access_key_id="{DEFAULT_ALIBABA_ACCESS_KEY_ID}",',
            f'                access_key_secret="{ak_secret}"))',
        ]
        if self.client_key is not None:
            lines += [
                "",
                "Alibaba instance gateway (alibabacloud-dkms-gcs):",
                "  from openapi.models import Config; from sdk.client import Client",
                f'  Client(Config(endpoint="{ep}", protocol="http",',
                f'                client_key_file="{self.client_key.path}",',
                f'                password=open("{_password_file(self.client_key)}").read()))',
            ]
        lines += [
            "",
            "Tencent (tencentcloud-sdk-python):",
            "  from tencentcloud.common import credential",
            "  from tencentcloud.common.profile.client_profile import ClientProfile",
            "  from tencentcloud.common.profile.http_profile import HttpProfile",
            "  from tencentcloud.kms.v20190118.kms_client import KmsClient",
            f'  KmsClient(credential.Credential("{DEFAULT_TENCENT_SECRET_ID}", "{tc_key}"),',
            f'            "ap-guangzhou", ClientProfile(httpProfile=HttpProfile(protocol="http", endpoint="{ep}")))',  # noqa: E501
            "",
            "tccli:",
            f"  tccli kms ListKeys --secretId {DEFAULT_TENCENT_SECRET_ID} --secretKey {tc_key} \\",
            f"      --region ap-guangzhou --endpoint http://{ep}",
            "",
            "Node SDKs (@alicloud/pop-core, @alicloud/openapi-client, tencentcloud-sdk-nodejs...)",
            "and aliyun-python-sdk-core: docs/emulator.md, section Clients.",
            "",
            "Unset HTTP_PROXY/http_proxy for these clients: the SDKs proxy even 127.0.0.1.",
        ]
        return "\n".join(lines)


def describe(emulator: Emulator) -> dict[str, Any]:
    """Machine-readable endpoint description (``unikms serve --json``)."""
    key = emulator.client_key
    return {
        "endpoint": emulator.endpoint,
        "health": f"http://{emulator.endpoint}/health",
        "client_key_file": str(key.path) if key else None,
        "client_key_password_file": str(_password_file(key)) if key else None,
        "client_key_id": key.key_id if key else None,
    }


def _password_file(key: IssuedClientKey) -> Path:
    return key.path.with_name(f"clientKey_{key.key_id}_Password.txt")


class _EmulatorHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The stderr handler :func:`configure_logging` adds (once)."""


def configure_logging(*, access_log: bool = True) -> None:
    """Show the emulator's log on stderr, as ``unikms serve`` does.

    The access log (one INFO line per request on ``unikms.emulator.access``) unless
    ``access_log`` is false; internal errors (ERROR on ``unikms.emulator``) always.

    >>> configure_logging(access_log=False)
    >>> logging.getLogger("unikms.emulator.access").isEnabledFor(logging.INFO)
    False
    """
    logger = logging.getLogger("unikms.emulator")
    if not any(isinstance(h, _EmulatorHandler) for h in logger.handlers):
        handler = _EmulatorHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logging.getLogger("unikms.emulator.access").setLevel(
        logging.INFO if access_log else logging.WARNING
    )
