from __future__ import annotations

import os
import socket
import tempfile
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

import tests.fuzz_profile  # noqa: F401 -- registers the fuzz-ci / fuzz-long hypothesis profiles
from tests.drivers import DRIVERS, Harness
from unikms.types import Dialect

if TYPE_CHECKING:
    from unikms.emulator import Emulator

_PROXY_VARS = ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy")


@pytest.fixture(autouse=True, scope="session")
def _no_proxies() -> Iterator[None]:
    """The SDKs send even 127.0.0.1 traffic through a proxy; tests talk to loopback only."""
    saved = {k: os.environ.pop(k) for k in _PROXY_VARS if k in os.environ}
    yield
    os.environ.update(saved)


@pytest.fixture(params=sorted(DRIVERS))
def harness(request: pytest.FixtureRequest) -> Iterator[Harness]:
    h = DRIVERS[request.param]()
    yield h
    h.client.close()


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    """A ``unikms serve`` emulator on 127.0.0.1 for the module's tests."""
    from unikms.emulator import Emulator

    with Emulator() as e:
        yield e


@pytest.fixture(scope="session")
def replay_urls() -> Iterator[dict[Dialect, str]]:
    """Adapter URLs at a port nothing listens on, with a throwaway client key (replay)."""
    from unikms.contract.targets import emulator_urls
    from unikms.emulator.credentials import EmulatorCredentials

    with tempfile.TemporaryDirectory() as tmp:
        key = EmulatorCredentials().issue_client_key(tmp)
        yield emulator_urls("127.0.0.1:9", str(key.path), key.password)


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any real connection attempt fails the test: replay must not touch the network."""

    def refuse(self: socket.socket, address: object) -> None:
        raise AssertionError(f"replay tried to connect to {address}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
