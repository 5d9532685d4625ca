"""``fake://<dialect>``: the opener :func:`unikms.connect` finds through the
``unikms.schemes`` entry point ``fake``, like any other provider's.

    >>> import unikms
    >>> unikms.connect("fake://tencent?region=ap-shanghai&cloud=opener-doc").driver.store.region
    'ap-shanghai'
"""

from __future__ import annotations

import math
from urllib.parse import SplitResult

from unikms.dialects import dialect_package
from unikms.errors import InvalidRequestError
from unikms.fake import FakeCloud, shared_cloud
from unikms.native import Driver
from unikms.types import Dialect

__all__ = ["open_url"]


def _text_option(options: dict[str, object], name: str) -> str | None:
    """A ``fake://`` option that must be a string (query options always are)."""
    value = options.pop(name, None)
    if value is None or isinstance(value, str):
        return value
    raise InvalidRequestError(
        f"option {name!r} must be a string, got {type(value).__name__}", field=name
    )


def _throttle_option(raw: object) -> bool | float:
    """``throttle``: true/false, or a positive rate (text, a bool or a number)."""
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.lower() in ("1", "true", "yes"):
        return True
    if isinstance(raw, str) and raw.lower() in ("0", "false", "no", ""):
        return False
    try:
        rate = float(raw) if isinstance(raw, (str, int, float)) else math.nan
    except ValueError:
        rate = math.nan
    if not math.isfinite(rate) or rate <= 0:
        raise InvalidRequestError(
            f"throttle must be true, false or a positive rate, got {raw!r}", field="throttle"
        )
    return rate


def open_url(parts: SplitResult, options: dict[str, str]) -> Driver:
    """The opener of ``fake://<dialect>?region=&account=&cloud=&seed=&throttle=``."""
    try:
        dialect = Dialect(parts.netloc)
    except ValueError:
        raise InvalidRequestError(
            f"fake:// needs a dialect: {', '.join(d.value for d in Dialect)}; got {parts.netloc!r}",
            field="url",
        ) from None
    given: dict[str, object] = dict(options)
    options.clear()
    kwargs: dict[str, str] = {}
    region = _text_option(given, "region")
    account = _text_option(given, "account")
    prefix = dialect_package(dialect).family.name
    if region:
        kwargs[f"{prefix}_region"] = region
    if account:
        kwargs[f"{prefix}_account"] = account
    name = _text_option(given, "cloud")
    seed = given.pop("seed", None)  # a path (str, os.PathLike) or a dict: load_seed checks
    throttle = _throttle_option(given.pop("throttle", "false"))
    if given:
        raise InvalidRequestError(
            f"unknown fake:// option(s): {', '.join(sorted(given))}; known: region, account, "
            "cloud, seed, throttle, strict",
            field=sorted(given)[0],
        )
    cloud = shared_cloud(name, **kwargs) if name else FakeCloud(**kwargs)  # type: ignore[arg-type]
    if seed is not None and seed != "":
        cloud.load_seed(seed)  # type: ignore[arg-type]
    return cloud.service(dialect, throttle=throttle)
