"""The drivers the conformance suite runs against.

Every entry builds a :class:`Harness`: a neutral client plus the few hooks a
test needs that no KMS API offers (moving the clock to reach rotation and
deletion windows). The fakes run in process; the adapters talk to one shared
``unikms serve`` emulator on 127.0.0.1 (started on first use, reset for every
harness), through the official SDKs (or, for the gateway, our own protocol).
"""

from __future__ import annotations

import atexit
import threading
from collections.abc import Callable

import attrs

import unikms
from unikms.contract.targets import admin_post, emulator_urls
from unikms.fake import FakeCloud
from unikms.types import Dialect


@attrs.define
class Harness:
    name: str
    dialect: Dialect
    client: unikms.KmsClient
    advance_clock: Callable[[float], None]
    cloud: FakeCloud | None = None


def fake(dialect: Dialect) -> Callable[[], Harness]:
    def build() -> Harness:
        cloud = FakeCloud()
        client = unikms.KmsClient(cloud.service(dialect))
        return Harness(
            name=f"fake-{dialect.value}",
            dialect=dialect,
            client=client,
            advance_clock=lambda days: cloud.clock.advance(days=days),
            cloud=cloud,
        )

    return build


# -- adapters through the emulator -----------------------------------------------------
_EMULATOR: list[object] = []
_LOCK = threading.Lock()


def shared_emulator() -> object:
    """One emulator for the whole run (stopped at exit)."""
    from unikms.emulator import Emulator

    with _LOCK:
        if not _EMULATOR:
            emu = Emulator().start()
            atexit.register(emu.stop)
            _EMULATOR.append(emu)
        return _EMULATOR[0]


def _post(endpoint: str, path: str, doc: dict[str, object]) -> None:
    admin_post(endpoint, path, doc)


adapter_urls = emulator_urls


def adapter(dialect: Dialect) -> Callable[[], Harness]:
    def build() -> Harness:
        emu = shared_emulator()
        endpoint: str = emu.endpoint  # type: ignore[attr-defined]
        key = emu.client_key  # type: ignore[attr-defined]
        _post(endpoint, "/_unikms/reset", {})
        url = adapter_urls(endpoint, str(key.path), key.password)[dialect]
        return Harness(
            name=f"adapter-{dialect.value}",
            dialect=dialect,
            client=unikms.connect(url),
            advance_clock=lambda days: _post(endpoint, "/_unikms/clock", {"advance_days": days}),
        )

    return build


DRIVERS: dict[str, Callable[[], Harness]] = {
    **{f"fake-{d.value}": fake(d) for d in Dialect},
    **{f"adapter-{d.value}": adapter(d) for d in Dialect},
}
