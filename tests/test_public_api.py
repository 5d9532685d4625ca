"""The public API is split as go-cloud's ``secrets`` / ``secrets/driver``: applications
use ``unikms``; driver and dialect authors use ``unikms.driver``."""

from __future__ import annotations

import importlib

import pytest

import unikms
import unikms.driver

#: what only whoever writes a driver or a dialect needs
DRIVER_AUTHOR_NAMES = {"Driver", "NativeError", "register_scheme", "DialectRules", "Action"}


def test_every_exported_name_resolves() -> None:
    for module in (unikms, unikms.driver):
        for name in module.__all__:
            assert getattr(module, name) is not None, f"{module.__name__}.{name}"


def test_the_application_api_names_no_driver_author_name() -> None:
    assert not DRIVER_AUTHOR_NAMES & set(unikms.__all__)
    assert set(unikms.driver.__all__) >= DRIVER_AUTHOR_NAMES


def test_the_driver_api_reexports_the_seam_itself() -> None:
    native = importlib.import_module("unikms.native")
    registry = importlib.import_module("unikms.registry")
    assert unikms.driver.NativeError is native.NativeError
    assert unikms.driver.Driver is native.Driver
    assert unikms.driver.register_scheme is registry.register_scheme


@pytest.mark.parametrize("name", ["Driver", "NativeError", "register_scheme"])
def test_a_moved_name_still_resolves_with_a_deprecation_warning(name: str) -> None:
    with pytest.warns(DeprecationWarning, match=f"unikms.driver.{name}"):
        moved = getattr(unikms, name)
    assert moved is getattr(unikms.driver, name)


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        unikms.Nope  # noqa: B018
