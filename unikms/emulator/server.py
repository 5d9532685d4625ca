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
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

import uvicorn

from unikms.dialects import dialect_packages
from unikms.dialects.package import DialectPackage, EmulatorEndpoint
from unikms.emulator.app import EmulatorApp
from unikms.emulator.credentials import EmulatorCredentials, IssuedClientKey
from unikms.emulator.http_limits import HttpLimits, limited_protocol
from unikms.emulator.state import StateFile
from unikms.emulator.wire import ProtocolHandler, ReplayGuard
from unikms.fake import FakeCloud

__all__ = [
    "SHUTDOWN_GRACE_SECONDS",
    "Emulator",
    "configure_logging",
    "read_only_actions",
    "served_packages",
]

#: how long a stop waits for requests in flight before it cancels them: with uvicorn's
#: 0.1 s tick and 0.1 s connection-close pause, SIGTERM/SIGINT stop within about 0.4 s
SHUTDOWN_GRACE_SECONDS = 0.15


def served_packages() -> list[DialectPackage]:
    """The dialects the emulator serves: every registered one with a wire protocol and
    a fake service."""
    return [p for p in dialect_packages() if p.emulator is not None and p.service is not None]


def read_only_actions(package: DialectPackage) -> frozenset[str]:
    """The actions of ``package``'s protocol that change no state (everything else is
    persisted before it is answered)."""
    return package.emulator.read_only_actions if package.emulator else frozenset()


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
    ``protocol_options`` go to every dialect's wire protocol, which reads its own:
    ``tc3_sign_action`` (also a keyword of its own here) refuses TC3 requests whose
    signature leaves ``x-tc-action`` out (the real protocol signs only
    ``content-type;host`` by default).
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
        protocol_options: Mapping[str, Any] | None = None,
    ) -> None:
        self.host = host
        self.http_limits = http_limits or HttpLimits()
        self.protocol_options: dict[str, Any] = dict(protocol_options or {})
        if tc3_sign_action:  # the serve flag; a protocol reads its own options
            self.protocol_options["tc3_sign_action"] = True
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
        protocols: list[ProtocolHandler] = []
        for package in served_packages():
            assert package.emulator is not None
            service = self.cloud.service(package.name, throttle=throttle)
            save = self._saver(package.family.name, read_only_actions(package))
            protocols.append(
                package.emulator.protocol(service, self.credentials, save, self.protocol_options)
            )
        return protocols

    def _saver(self, family: str, read_only: frozenset[str]) -> Callable[[str], None]:
        def save(action: str) -> None:
            if self.state is not None and action not in read_only:
                self.state.save(self.cloud, families=(family,))

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
        lines = [f"unikms emulator on http://{ep}  (health: http://{ep}/health)"]
        at = self.endpoint_info()
        for package in served_packages():
            assert package.emulator is not None
            more = package.emulator.banner(at, self.credentials) if package.emulator.banner else []
            if more:
                lines += ["", *more]
        lines += [
            "",
            "Other clients (Node SDKs, aliyun-python-sdk-core, ...): docs/emulator.md, "
            "section Clients.",
            "",
            "Unset HTTP_PROXY/http_proxy for these clients: the SDKs proxy even 127.0.0.1.",
        ]
        return "\n".join(lines)

    def endpoint_info(self) -> EmulatorEndpoint:
        """Where this emulator listens, with the client key it issued."""
        key = self.client_key
        return EmulatorEndpoint(
            self.endpoint,
            client_key_file=str(key.path) if key else None,
            client_key_password=key.password if key else None,
            client_key_password_file=str(_password_file(key)) if key else None,
        )

    def adapter_urls(self) -> dict[str, str]:
        """Each served dialect's adapter URL against this emulator (documented local
        credentials), by dialect name."""
        at = self.endpoint_info()
        return {
            p.name: p.emulator.adapter_url(at)
            for p in served_packages()
            if p.emulator is not None and p.emulator.adapter_url is not None
        }


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
