"""URL schemes: how :func:`unikms.connect` finds a provider.

A scheme opener takes the parsed URL and its query options (it pops the ones
it knows; what is left is refused) and returns a :class:`~unikms.driver.Driver`.
Every scheme is an entry point of group ``unikms.schemes``, loaded on first use:
the in-memory fake (``fake``, :mod:`unikms.fake.opener`), each dialect's adapters
and third-party providers alike, so an application switches clouds by
configuration alone and ``import unikms`` imports no SDK::

    >>> import unikms
    >>> unikms.connect("fake://tencent?region=ap-shanghai").dialect
    Dialect('tencent')
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from urllib.parse import SplitResult, parse_qsl, urlsplit

from unikms.client import KmsClient
from unikms.driver import Driver
from unikms.errors import ConfigurationError, InvalidRequestError

__all__ = ["NO_URL_HELP", "Opener", "connect", "register_scheme", "schemes"]

#: what :func:`connect` says when neither an argument nor ``UNIKMS_URL`` names a URL
#: (there is no default: a silent in-memory fake would lose every key at exit)
NO_URL_HELP = (
    "no KMS URL: pass one to unikms.connect(url) or set UNIKMS_URL, e.g. "
    "'alibaba-kms://cn-hangzhou', 'alibaba-kms-instance://<instance endpoint>', "
    "'tencent-kms://ap-guangzhou', or 'fake://alibaba-classic' (in memory, for tests: "
    "its keys are gone when the process exits)"
)

Opener = Callable[[SplitResult, dict[str, str]], Driver]
_OPENERS: dict[str, Opener] = {}
_LOCK = threading.Lock()


def register_scheme(scheme: str, opener: Opener) -> None:
    """Make ``scheme://...`` URLs open drivers through ``opener``."""
    with _LOCK:
        _OPENERS[scheme] = opener


def _entry_point_openers() -> dict[str, object]:
    """Schemes that installed packages declare in the ``unikms.schemes`` entry points."""
    from importlib.metadata import entry_points

    return {ep.name: ep for ep in entry_points(group="unikms.schemes")}


def schemes() -> list[str]:
    """Every scheme :func:`connect` knows: registered ones and entry points."""
    return sorted(set(_OPENERS) | set(_entry_point_openers()))


def _opener(scheme: str) -> Opener | None:
    with _LOCK:
        opener = _OPENERS.get(scheme)
    if opener is not None:
        return opener
    ep = _entry_point_openers().get(scheme)
    if ep is None:
        return None
    loaded = ep.load()  # type: ignore[attr-defined]
    register_scheme(scheme, loaded)
    return loaded  # type: ignore[no-any-return]


def _flag(options: dict[str, str], name: str) -> bool:
    raw: object = options.pop(name, "false")
    if isinstance(raw, bool):
        return raw
    value = str(raw).lower()
    if value not in ("1", "true", "yes", "0", "false", "no"):
        raise InvalidRequestError(
            f"option {name!r} must be true or false, got {value!r}", field=name
        )
    return value in ("1", "true", "yes")


def connect(url: str | None = None, **options: str) -> KmsClient:
    """A client for ``url`` (without one: ``$UNIKMS_URL``).

    With neither, :class:`~unikms.errors.ConfigurationError` (``field="url"``)
    says what to set: there is no default, so a misconfigured service fails at
    start rather than encrypting under in-memory keys that vanish at exit.
    Query options and keyword options are merged (keywords win). ``strict=true``
    turns on strict portability mode on any scheme. Unknown options are refused.

    >>> import unikms
    >>> kms = unikms.connect("fake://alibaba-instance", strict="true")
    >>> kms.dialect.value, kms.strict_portability
    ('alibaba-instance', True)
    """
    if url is None:
        url = os.environ.get("UNIKMS_URL") or None
        if url is None:
            raise ConfigurationError(NO_URL_HELP, field="url")
    if not isinstance(url, str):
        raise InvalidRequestError(f"url must be a string, got {type(url).__name__}", field="url")
    if not url.strip():
        raise ConfigurationError(NO_URL_HELP, field="url")
    parts = urlsplit(url)
    opener = _opener(parts.scheme)
    if opener is None:
        raise InvalidRequestError(
            f"unknown URL scheme {parts.scheme!r}; known: {', '.join(schemes())}", field="url"
        )
    merged = dict(parse_qsl(parts.query, keep_blank_values=True))
    merged.update(options)
    strict = _flag(merged, "strict")
    driver = opener(parts, merged)
    return KmsClient(driver, strict_portability=strict)
