"""unikms.driver.register_scheme: a scheme opens through one opener; an override is deliberate."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import unikms
import unikms.driver
from unikms import registry
from unikms.fake import FakeCloud
from unikms.types import Dialect


@pytest.fixture(autouse=True)
def _own_registry(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test registers into a copy: the process-wide table stays as it was."""
    monkeypatch.setattr(registry, "_OPENERS", dict(registry._OPENERS))
    yield


def _tencent_fake(parts: Any, options: dict[str, str]) -> Any:
    return FakeCloud().service(Dialect.TENCENT)


def _another_opener(parts: Any, options: dict[str, str]) -> Any:
    return FakeCloud().service(Dialect.ALIBABA_INSTANCE)


def test_a_new_scheme_opens_and_registering_it_again_is_harmless() -> None:
    unikms.driver.register_scheme("test-new", _tencent_fake)
    unikms.driver.register_scheme("test-new", _tencent_fake)  # the same opener: nothing changes
    assert unikms.connect("test-new://anywhere").dialect is Dialect.TENCENT
    assert "test-new" in registry.schemes()


def test_an_existing_scheme_is_not_silently_replaced() -> None:
    for scheme in ("fake", "test-taken"):
        if scheme != "fake":
            unikms.driver.register_scheme(scheme, _tencent_fake)
        with pytest.raises(unikms.ConfigurationError) as err:
            unikms.driver.register_scheme(scheme, _another_opener)
        assert err.value.field == "scheme"
        assert repr(scheme) in str(err.value) and "replace=True" in str(err.value)
    # refused means unchanged
    assert unikms.connect("fake://alibaba-classic").dialect is Dialect.ALIBABA_CLASSIC


def test_replace_true_overrides_on_purpose() -> None:
    unikms.driver.register_scheme("fake", _tencent_fake, replace=True)
    assert unikms.connect("fake://alibaba-classic").dialect is Dialect.TENCENT


def test_an_entry_point_scheme_counts_as_registered() -> None:
    """``tencent-kms`` is declared by the adapters' entry point, loaded or not."""
    from unikms_adapters.tencent import open_url

    with pytest.raises(unikms.ConfigurationError) as err:
        unikms.driver.register_scheme("tencent-kms", _tencent_fake)
    assert "unikms_adapters.tencent:open_url" in str(err.value)
    unikms.driver.register_scheme("tencent-kms", open_url)  # the declared opener itself is fine
    unikms.driver.register_scheme("tencent-kms", _tencent_fake, replace=True)
    assert unikms.connect("tencent-kms://ap-guangzhou").dialect is Dialect.TENCENT
