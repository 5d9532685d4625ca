"""URL schemes: how :func:`unikms.connect` finds a provider.

A scheme opener takes the parsed URL and its query options and returns a
:class:`~unikms.driver.Driver`. ``fake`` is built in; the adapters register
``alibaba-kms``, ``alibaba-kms-instance`` and ``tencent-kms`` the same way, so
an application switches clouds by configuration alone::

    >>> import unikms
    >>> unikms.connect("fake://tencent?region=ap-shanghai").dialect
    <Dialect.TENCENT: 'tencent'>
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from urllib.parse import SplitResult, parse_qsl, urlsplit

from unikms.client import KmsClient
from unikms.driver import Driver
from unikms.errors import InvalidRequestError
from unikms.types import Dialect

__all__ = ["DEFAULT_URL", "Opener", "connect", "register_scheme", "schemes"]

#: used by :func:`connect` when neither an argument nor ``UNIKMS_URL`` names a URL
DEFAULT_URL = "fake://alibaba-classic"

Opener = Callable[[SplitResult, dict[str, str]], Driver]
_OPENERS: dict[str, Opener] = {}
_LOCK = threading.Lock()


def register_scheme(scheme: str, opener: Opener) -> None:
    """Make ``scheme://...`` URLs open drivers through ``opener``."""
    with _LOCK:
        _OPENERS[scheme] = opener


def schemes() -> list[str]:
    return sorted(_OPENERS)


def _flag(options: dict[str, str], name: str) -> bool:
    value = options.pop(name, "false").lower()
    if value not in ("1", "true", "yes", "0", "false", "no"):
        raise InvalidRequestError(
            f"option {name!r} must be true or false, got {value!r}", field=name
        )
    return value in ("1", "true", "yes")


def connect(url: str | None = None, **options: str) -> KmsClient:
    """A client for ``url`` (default: ``$UNIKMS_URL``, else ``fake://alibaba-classic``).

    Query options and keyword options are merged (keywords win). ``strict=true``
    turns on strict portability mode on any scheme. Unknown options are refused.

    >>> import unikms
    >>> kms = unikms.connect("fake://alibaba-instance", strict="true")
    >>> kms.dialect.value, kms.strict_portability
    ('alibaba-instance', True)
    """
    url = url or os.environ.get("UNIKMS_URL") or DEFAULT_URL
    parts = urlsplit(url)
    opener = _OPENERS.get(parts.scheme)
    if opener is None:
        raise InvalidRequestError(
            f"unknown URL scheme {parts.scheme!r}; known: {', '.join(schemes())}", field="url"
        )
    merged = dict(parse_qsl(parts.query, keep_blank_values=True))
    merged.update(options)
    strict = _flag(merged, "strict")
    driver = opener(parts, merged)
    return KmsClient(driver, strict_portability=strict)


def _open_fake(parts: SplitResult, options: dict[str, str]) -> Driver:
    from unikms.fake import FakeCloud, shared_cloud

    try:
        dialect = Dialect(parts.netloc)
    except ValueError:
        raise InvalidRequestError(
            f"fake:// needs a dialect: {', '.join(d.value for d in Dialect)}; got {parts.netloc!r}",
            field="url",
        ) from None
    kwargs: dict[str, str] = {}
    region = options.pop("region", None)
    account = options.pop("account", None)
    prefix = "tencent" if dialect is Dialect.TENCENT else "alibaba"
    if region:
        kwargs[f"{prefix}_region"] = region
    if account:
        kwargs[f"{prefix}_account"] = account
    name = options.pop("cloud", None)
    seed = options.pop("seed", None)
    throttle_text = options.pop("throttle", "false")
    if options:
        raise InvalidRequestError(
            f"unknown fake:// option(s): {', '.join(sorted(options))}; known: region, account, "
            "cloud, seed, throttle, strict",
            field=sorted(options)[0],
        )
    cloud = shared_cloud(name, **kwargs) if name else FakeCloud(**kwargs)  # type: ignore[arg-type]
    if seed:
        cloud.load_seed(seed)
    throttle: bool | float
    if throttle_text.lower() in ("1", "true", "yes"):
        throttle = True
    elif throttle_text.lower() in ("0", "false", "no", ""):
        throttle = False
    else:
        try:
            throttle = float(throttle_text)
        except ValueError:
            raise InvalidRequestError(
                f"throttle must be true, false or a rate, got {throttle_text!r}", field="throttle"
            ) from None
    return cloud.service(dialect, throttle=throttle)


register_scheme("fake", _open_fake)
