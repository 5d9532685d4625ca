"""The conformance suite and its harness, for this project's tests and for a
third-party driver's CI (``docs/testing-drivers.md``).

``unikms.testing`` holds what needs no test runner (:class:`Harness`, the harness
builders); ``unikms.testing.conformance`` holds the tests and imports pytest.
``import unikms`` imports neither.
"""

from __future__ import annotations

from unikms.testing.harness import (
    Harness,
    adapter_harness,
    drivers,
    fake_harness,
    shared_emulator,
)

__all__ = ["Harness", "adapter_harness", "drivers", "fake_harness", "shared_emulator"]
