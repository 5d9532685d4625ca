"""What the conformance suite runs against: a :class:`Harness` per driver.

A harness is a neutral client plus the one hook a test needs that no KMS API
offers: moving the clock to reach rotation and deletion windows
(``advance_clock``; ``None`` for a real cloud, whose clock tests then skip).
:func:`drivers` builds one for every registered dialect: its in-memory fake
(where the package declares ``service``) and its adapter through one shared
``unikms serve`` emulator (where it declares ``emulator.adapter_url``).

This module does not import pytest.
"""

from __future__ import annotations

import atexit
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

import attrs

from unikms.client import KmsClient
from unikms.dialects import dialect_package, dialect_packages
from unikms.dialects.base import DialectRules
from unikms.dialects.package import DialectPackage
from unikms.types import Dialect

if TYPE_CHECKING:
    from unikms.emulator import Emulator
    from unikms.fake import FakeCloud

__all__ = [
    "Harness",
    "adapter_harness",
    "drivers",
    "fake_harness",
    "shared_emulator",
]


@attrs.define
class Harness:
    """A driver under test: a client of ``dialect`` and a clock hook.

    ``advance_clock(days)`` moves the provider's clock forward (the fake's, the
    emulator's); leave it ``None`` where time cannot be moved.
    """

    name: str
    dialect: Dialect
    client: KmsClient
    advance_clock: Callable[[float], None] | None = None
    cloud: FakeCloud | None = None

    @property
    def package(self) -> DialectPackage:
        """The dialect's package: what it declares."""
        return dialect_package(self.dialect)

    @property
    def rules(self) -> DialectRules:
        """The dialect's rules: features, limits, error table."""
        return self.package.rules

    def has(self, feature: str) -> bool:
        """Whether the dialect declares ``feature`` (a :class:`~unikms.dialects.base.Feature`)."""
        return feature in self.rules.features


def fake_harness(dialect: str) -> Harness:
    """A harness over a fresh in-memory :class:`~unikms.fake.FakeCloud`."""
    from unikms.fake import FakeCloud

    cloud = FakeCloud()
    d = Dialect(dialect)
    return Harness(
        name=f"fake-{d.value}",
        dialect=d,
        client=KmsClient(cloud.service(d)),
        advance_clock=lambda days: cloud.clock.advance(days=days),
        cloud=cloud,
    )


_EMULATOR: list[Emulator] = []
_LOCK = threading.Lock()


def shared_emulator() -> Emulator:
    """One emulator for the whole process, started on first use, stopped at exit."""
    from unikms.emulator import Emulator

    with _LOCK:
        if not _EMULATOR:
            emu = Emulator().start()
            atexit.register(emu.stop)
            _EMULATOR.append(emu)
        return _EMULATOR[0]


def adapter_harness(dialect: str) -> Harness:
    """A harness over the dialect's adapter, pointed at the shared emulator (reset)."""
    from unikms.contract.targets import admin_post, emulator_urls
    from unikms.registry import connect

    d = Dialect(dialect)
    emu = shared_emulator()
    endpoint = emu.endpoint
    key = emu.client_key
    if key is None:  # pragma: no cover -- an emulator always issues one
        raise RuntimeError("the emulator issued no gateway client key")
    admin_post(endpoint, "/_unikms/reset", {})
    url = emulator_urls(endpoint, str(key.path), key.password)[d]
    return Harness(
        name=f"adapter-{d.value}",
        dialect=d,
        client=connect(url),
        advance_clock=lambda days: admin_post(endpoint, "/_unikms/clock", {"advance_days": days}),
    )


def _builder(make: Callable[[str], Harness], name: str) -> Callable[[], Harness]:
    return lambda: make(name)


def drivers() -> dict[str, Callable[[], Harness]]:
    """A harness builder per driver of every registered dialect, by name:
    ``fake-<dialect>`` where the package declares a fake service,
    ``adapter-<dialect>`` where it declares how its adapter reaches the emulator."""
    found: dict[str, Callable[[], Harness]] = {}
    for package in dialect_packages():
        if package.service is not None:
            found[f"fake-{package.name}"] = _builder(fake_harness, package.name)
    for package in dialect_packages():
        if package.emulator is not None and package.emulator.adapter_url is not None:
            found[f"adapter-{package.name}"] = _builder(adapter_harness, package.name)
    return found
