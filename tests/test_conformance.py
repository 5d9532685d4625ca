"""The shipped conformance suite (:mod:`unikms.testing.conformance`), run on every
driver: each registered dialect's fake and each adapter through the emulator (the
``harness`` fixture of ``tests/conftest.py``, built from ``tests/drivers.py``).

Beside it, what the shipped suite cannot know: that the drivers are all there, and
that each in-tree dialect declares the figures its provider documents.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.drivers import DRIVERS, Harness
from unikms import InvalidRequestError, LimitExceededError
from unikms.dialects import dialect_packages, operations_class
from unikms.dialects.base import neutral_alias
from unikms.dialects.package import EmulatorEndpoint
from unikms.testing.conformance import ConformanceSuite, new_key


class TestConformance(ConformanceSuite):
    """Every conformance test, on every driver (``harness`` from ``tests/conftest.py``)."""


#: the drivers this repository ships, named here rather than derived: a dialect
#: package that stops declaring its fake or its emulator URL must fail a test
SHIPPED_DRIVERS = frozenset(
    f"{kind}-{dialect}"
    for kind in ("fake", "adapter")
    for dialect in ("alibaba-classic", "alibaba-instance", "aws", "tencent")
)


def _installed_schemes() -> set[str]:
    from importlib.metadata import entry_points

    return {ep.name for ep in entry_points(group="unikms.schemes")}


def test_every_driver_is_listed() -> None:
    """The suite's drivers cover what is shipped and what the packages declare."""
    assert set(DRIVERS) >= SHIPPED_DRIVERS
    declared_schemes: set[str] = set()
    for package in dialect_packages():
        if package.service is not None:
            assert f"fake-{package.name}" in DRIVERS
        declared_schemes.update(package.adapter_schemes)
        if not package.adapter_schemes:
            continue
        # an adapter the suite cannot point at the emulator would go untested
        assert package.emulator is not None and package.emulator.adapter_url is not None, (
            f"{package.name} declares adapters {package.adapter_schemes} but no emulator URL"
        )
        assert f"adapter-{package.name}" in DRIVERS
        url = package.emulator.adapter_url(EmulatorEndpoint("127.0.0.1:9", "key.json", "pw"))
        assert urlsplit(url).scheme in package.adapter_schemes
    # every installed adapter scheme (pyproject's entry points) belongs to some dialect
    assert _installed_schemes() - {"fake"} <= declared_schemes


#: each dialect's limit on an encryption context's canonical JSON, as its provider
#: documents it (docs/dialects.md, sources C9, I4/I5, T3/T10), written here and not
#: read from the rules under test
DOCUMENTED_CONTEXT_LIMIT: dict[str, int | None] = {
    # EncryptionContext "up to 8192 characters": alibabacloud.com/help/en/kms/
    # key-management-service/support/encryptioncontext
    "alibaba-classic": 8192,
    # Aad (the context's JSON as bytes) at most 8192 bytes: alibabacloud.com/help/en/kms/
    # key-management-service/developer-reference/advancedecrypt
    "alibaba-instance": 8192,
    # EncryptionContext "最大支持1024个字符": tencentcloud.com/document/api/1030/32189 and
    # tencentcloud-sdk-python models.py (EncryptRequest, GenerateDataKeyRequest)
    "tencent": 1024,
    # AWS's API reference sets no size on EncryptionContext (EncryptionContextType is a
    # map of unbounded strings: botocore's kms service-2.json; docs/dialects-aws.md A9)
    "aws": None,
}


def test_context_too_large_for_the_dialect(harness: Harness) -> None:
    """The documented context limit holds on every driver: a context whose JSON
    (``{"k":"v..."}``) is that long encrypts, one more character is refused."""
    limit = DOCUMENTED_CONTEXT_LIMIT[harness.dialect.value]
    if limit is None:
        assert harness.rules.limits.max_context_chars is None
        pytest.skip(f"the {harness.dialect.value} provider documents no context limit")
    kms = harness.client
    key = new_key(harness)
    at_limit = {"k": "v" * (limit - len('{"k":""}'))}
    assert kms.decrypt(kms.encrypt(key, b"x", context=at_limit).ciphertext, context=at_limit)
    with pytest.raises(LimitExceededError) as err:
        kms.encrypt(key, b"x", context={"k": "v" * (limit - len('{"k":""}') + 1)})
    assert err.value.field == "context"
    assert err.value.limit == limit


#: which in-tree dialects refuse which aliases, from their providers' documents
#: (docs/dialects.md): the shipped suite reads each dialect's declared alias rules,
#: this pins those rules
REFUSED_ALIASES = {
    "alias/acs-ours": {"alibaba-classic", "alibaba-instance"},  # reserved on Alibaba
    "alias/team/orders": {"tencent"},  # no / on Tencent
    "kms-orders": {"tencent"},  # reserved on Tencent
    "alias/" + "a" * 61: {"tencent"},  # 1-60 on Tencent
    "_orders": {"tencent"},  # a letter or digit first on Tencent
    "alias/" + "a" * 256: {"alibaba-classic", "alibaba-instance", "tencent"},
    "alias/sp ace": {"alibaba-classic", "alibaba-instance", "tencent"},
    "alias/orders-2026": set(),
}


@pytest.mark.parametrize("dialect", ["alibaba-classic", "alibaba-instance", "tencent"])
@pytest.mark.parametrize("alias", sorted(REFUSED_ALIASES))
def test_declared_alias_rules(dialect: str, alias: str) -> None:
    check = operations_class(dialect).check_alias_rules
    if dialect in REFUSED_ALIASES[alias]:
        with pytest.raises(InvalidRequestError):
            check(neutral_alias(alias))
    else:
        check(neutral_alias(alias))


def test_the_suite_imports_without_hypothesis_and_the_harness_without_pytest() -> None:
    """``unikms.testing`` needs no test runner; the suite needs pytest, not hypothesis;
    ``import unikms`` loads neither."""
    import subprocess
    import sys

    script = (
        "import sys\n"
        "sys.modules['hypothesis'] = None\n"  # not installed
        "import unikms\n"
        "assert not any(m.startswith(('unikms.testing', 'pytest')) for m in sys.modules)\n"
        "sys.modules['pytest'] = None\n"
        "import unikms.testing\n"
        "del sys.modules['pytest']\n"
        "import unikms.testing.conformance\n"
        "print('ok')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], check=False, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
