"""Dialect rules and operations, one module per dialect.

>>> from unikms.dialects import rules_for
>>> from unikms.types import Dialect
>>> rules_for(Dialect.TENCENT).limits.max_plaintext
4096
"""

from __future__ import annotations

from unikms.dialects.alibaba import classic as alibaba_classic
from unikms.dialects.alibaba import instance as alibaba_instance
from unikms.dialects.base import DialectOperations, DialectRules
from unikms.dialects.tencent import rules as tencent
from unikms.driver import Driver
from unikms.types import Dialect

__all__ = ["operations_class", "operations_for", "rules_for"]

_OPERATIONS: dict[Dialect, type[DialectOperations]] = {
    Dialect.ALIBABA_CLASSIC: alibaba_classic.AlibabaClassicOperations,
    Dialect.ALIBABA_INSTANCE: alibaba_instance.AlibabaInstanceOperations,
    Dialect.TENCENT: tencent.TencentOperations,
}


def rules_for(dialect: Dialect) -> DialectRules:
    """The rules (limits, features, error table) of ``dialect``."""
    return _OPERATIONS[Dialect(dialect)].rules


def operations_class(dialect: Dialect) -> type[DialectOperations]:
    return _OPERATIONS[Dialect(dialect)]


def operations_for(driver: Driver) -> DialectOperations:
    """The neutral operations of the driver's dialect, bound to ``driver``.

    A driver may name a subclass of its dialect's operations that serves it
    better (attribute ``neutral_operations``): the in-memory fake does, to skip
    the native encoding on its hot path.
    """
    preferred = getattr(driver, "neutral_operations", None)
    base = _OPERATIONS[driver.dialect]
    if isinstance(preferred, type) and issubclass(preferred, base):
        return preferred(driver)
    return base(driver)
