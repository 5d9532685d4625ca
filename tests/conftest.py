from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.drivers import DRIVERS, Harness

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
