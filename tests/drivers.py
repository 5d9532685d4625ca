"""The drivers the conformance suite runs against: every registered dialect's fake
(in process) and every adapter through one shared ``unikms serve`` emulator.

The harness and its builders ship in the package (:mod:`unikms.testing.harness`),
for third-party drivers too; this module names them for the tests.
"""

from __future__ import annotations

from collections.abc import Callable

from unikms.contract.targets import emulator_urls
from unikms.testing.harness import (
    Harness,
    adapter_harness,
    drivers,
    fake_harness,
    shared_emulator,
)

__all__ = [
    "DRIVERS",
    "Harness",
    "adapter_harness",
    "adapter_urls",
    "fake_harness",
    "shared_emulator",
]

adapter_urls = emulator_urls

DRIVERS: dict[str, Callable[[], Harness]] = drivers()
