"""The dialect registry: every dialect is a package found here, none is named.

Installed packages declare their dialects as entry points (group
``unikms.dialects``, name = dialect, value = a :class:`DialectPackage`); a test or
an application can also register one at run time. Everything that used to list
the dialects (the fake cloud, the emulator, contract targets, the envelope
keyring, strict portability, the CLI, the pytest plugin) iterates over this::

    >>> from unikms.dialects import dialect_packages, rules_for
    >>> rules_for("tencent").limits.max_plaintext
    4096
    >>> [p.name for p in dialect_packages()][:2]
    ['alibaba-classic', 'alibaba-instance']
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from unikms.dialects.base import DialectOperations, DialectRules
from unikms.dialects.package import AccountFamily, DialectPackage
from unikms.native import Driver
from unikms.types import DIALECT_ENTRY_POINTS, Dialect

__all__ = [
    "DEFAULT_DIALECT",
    "DialectPackage",
    "dialect_package",
    "dialect_packages",
    "families",
    "operations_class",
    "operations_for",
    "register_dialect",
    "registered_dialect",
    "rules_for",
    "unregister_dialect",
]

#: the embedded default: the dialect of the CLI's fake and of the pytest plugin's
#: ``unikms_fake()`` when none is named (README); a configuration default, not a branch
DEFAULT_DIALECT = "alibaba-classic"

_PACKAGES: dict[str, DialectPackage] = {}
_LOCK = threading.RLock()


def register_dialect(package: DialectPackage, *, replace: bool = False) -> Dialect:
    """Make ``package``'s dialect exist in this process (beside the installed ones).

    A name that is taken is refused unless ``replace=True``: a typo must not
    silently swap out a dialect an application relies on.
    """
    if not isinstance(package, DialectPackage):
        raise TypeError(f"register_dialect takes a DialectPackage, got {type(package).__name__}")
    with _LOCK:
        existing = _PACKAGES.get(package.name)
        if existing is None and package.name in _installed():
            existing = dialect_package(package.name)
        if existing is not None and existing is not package and not replace:
            raise ValueError(f"the dialect {package.name!r} is already registered")
        dialect = Dialect.declare(package.name)
        _check(package, dialect)
        _PACKAGES[package.name] = package
        return dialect


def unregister_dialect(name: str) -> None:
    """Forget a dialect registered at run time (installed ones come back on next use)."""
    with _LOCK:
        _PACKAGES.pop(name, None)
        Dialect.withdraw(name)


@contextmanager
def registered_dialect(package: DialectPackage) -> Iterator[Dialect]:
    """``register_dialect`` for the length of a ``with`` block (tests)."""
    dialect = register_dialect(package)
    try:
        yield dialect
    finally:
        unregister_dialect(package.name)


def _check(package: DialectPackage, dialect: Dialect) -> None:
    if package.rules.dialect != dialect:
        raise ValueError(
            f"the dialect package {package.name!r} carries the rules of {package.rules.dialect!r}"
        )
    if package.operations.rules is not package.rules:
        raise ValueError(f"the operations of {package.name!r} do not use its rules")


def dialect_package(dialect: str) -> DialectPackage:
    """The package of ``dialect`` (loaded from its entry point on first use).

    >>> dialect_package("nope")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: 'nope' is not a dialect; the dialects are: ...
    """
    package = _PACKAGES.get(dialect)
    if package is not None:
        return package
    name = Dialect(dialect).value
    with _LOCK:
        package = _PACKAGES.get(name)
        if package is None:
            package = _load(name)
            _PACKAGES[name] = package
    return package


def _installed() -> set[str]:
    from importlib.metadata import entry_points

    return {ep.name for ep in entry_points(group=DIALECT_ENTRY_POINTS)}


def _load(name: str) -> DialectPackage:
    from importlib.metadata import entry_points

    found = [ep for ep in entry_points(group=DIALECT_ENTRY_POINTS) if ep.name == name]
    if not found:
        raise ValueError(f"the dialect {name!r} has no package")
    package = found[0].load()
    if not isinstance(package, DialectPackage) or package.name != name:
        raise TypeError(
            f"the entry point {found[0].value!r} must be the DialectPackage of {name!r}"
        )
    _check(package, Dialect(name))
    return package


def dialect_packages() -> list[DialectPackage]:
    """Every dialect's package, sorted by name."""
    return [dialect_package(d) for d in Dialect]


def families() -> dict[str, AccountFamily]:
    """The account families of every dialect, by name."""
    return {p.family.name: p.family for p in dialect_packages()}


def rules_for(dialect: str) -> DialectRules:
    """The rules (limits, features, error table) of ``dialect``."""
    return dialect_package(dialect).rules


def operations_class(dialect: str) -> type[DialectOperations]:
    """The neutral operations of ``dialect``."""
    return dialect_package(dialect).operations


def operations_for(driver: Driver) -> DialectOperations:
    """The neutral operations of the driver's dialect, bound to ``driver``: one
    implementation for every driver. A driver that offers its dialect's typed crypto
    seam (the fake does) is called through it; any other through its native ``call``.
    """
    return operations_class(driver.dialect)(driver)
