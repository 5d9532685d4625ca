"""What the three adapters share: endpoints, loopback, options, SDK imports."""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from unikms.dialects.base import DialectRules
from unikms.errors import InvalidRequestError, KmsError, ThrottledError
from unikms.native import NativeError
from unikms.retry import IDEMPOTENT_ACTIONS, RetryPolicy
from unikms.types import Dialect

__all__ = [
    "AdapterOptions",
    "Endpoint",
    "adapter_options",
    "missing_sdk",
    "one_of",
    "pop_float",
    "redacted_options",
    "refuse_unknown",
    "required_host",
    "retryable",
]


_HOST_PORT = re.compile(r"(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.\-_]+)(:[0-9]{1,5})?")


@attrs.frozen
class Endpoint:
    """``scheme://host:port`` split the way the SDKs want it (no scheme in ``host_port``)."""

    scheme: str
    host_port: str

    @classmethod
    def parse(cls, text: str, default_scheme: str = "https") -> Endpoint:
        """``[scheme://]host[:port]``; anything else is an :class:`InvalidRequestError`."""
        scheme, sep, rest = str(text).partition("://")
        if not sep:
            scheme, rest = default_scheme, str(text)
        rest = rest.rstrip("/")
        if scheme.lower() not in ("http", "https") or not _HOST_PORT.fullmatch(rest):
            raise InvalidRequestError(
                f"endpoint must be [http(s)://]host[:port], got {text!r}", field="endpoint"
            )
        return cls(scheme.lower(), rest)

    @property
    def host(self) -> str:
        host = self.host_port
        if host.startswith("["):
            return host[1 : host.index("]")]
        return host.rsplit(":", 1)[0] if ":" in host else host

    @property
    def loopback(self) -> bool:
        """True for 127.0.0.0/8, ::1 and localhost."""
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host_port}"

    @property
    def pinned_proxy(self) -> str | None:
        """For a plain-HTTP loopback endpoint, the endpoint itself as the HTTP proxy.

        The Alibaba SDK reads ``HTTP_PROXY`` itself and ignores ``NO_PROXY``, and
        Tencent's checks ``NO_PROXY`` by substring: both send 127.0.0.1 traffic
        to a configured proxy. Naming the endpoint as the proxy (public SDK
        options) makes the request go straight to it, in absolute form, which
        HTTP/1.1 servers accept. Real endpoints keep the environment's proxies.
        """
        if self.loopback and self.scheme == "http":
            return self.url
        return None


@attrs.frozen
class AdapterOptions:
    """Timeouts (seconds, finite by default) and the retry policy of an adapter."""

    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    retry: RetryPolicy = attrs.field(factory=RetryPolicy)


def pop_float(options: dict[str, str], name: str, default: float) -> float:
    raw = options.pop(name, None)
    if raw is None:
        return default
    try:
        value = float(raw)
    except (TypeError, ValueError):
        value = math.nan
    if not math.isfinite(value) or value <= 0 or value > 3600:
        raise InvalidRequestError(
            f"{name} must be a positive number of seconds up to 3600, got {raw!r}", field=name
        )
    return value


def adapter_options(options: dict[str, str]) -> AdapterOptions:
    """Timeouts and retries from URL options: ``connect_timeout``, ``read_timeout``,
    ``retries`` (attempts in all), ``retry_base_delay``, ``retry_max_delay``."""
    raw_attempts = options.pop("retries", "4")
    if not str(raw_attempts).isdigit() or not 1 <= int(raw_attempts) <= 20:
        raise InvalidRequestError(
            f"retries must be a whole number of attempts from 1 to 20, got {raw_attempts!r}",
            field="retries",
        )
    attempts = int(raw_attempts)
    return AdapterOptions(
        connect_timeout=pop_float(options, "connect_timeout", 5.0),
        read_timeout=pop_float(options, "read_timeout", 10.0),
        retry=RetryPolicy(
            max_attempts=attempts,
            base_delay=pop_float(options, "retry_base_delay", 0.1),
            max_delay=pop_float(options, "retry_max_delay", 2.0),
        ),
    )


def required_host(parts: Any, dialect: Dialect, what: str, example: str) -> str:
    """The URL's host part (a region or an endpoint), or a typed error showing an example."""
    if not parts.netloc:
        raise InvalidRequestError(
            f"{parts.scheme}:// needs {what}, e.g. {example}",
            field="url",
            dialect=dialect,
        )
    return str(parts.netloc)


def one_of(value: str, choices: tuple[str, ...], field: str, dialect: Dialect) -> str:
    """``value`` if it is one of ``choices``, else a typed error naming ``field``."""
    if value not in choices:
        raise InvalidRequestError(
            f"{field} must be one of {', '.join(choices)}, got {value!r}",
            field=field,
            dialect=dialect,
        )
    return value


def refuse_unknown(scheme: str, options: Mapping[str, str], known: str) -> None:
    if options:
        raise InvalidRequestError(
            f"unknown {scheme}:// option(s): {', '.join(sorted(options))}; known: {known}",
            field=sorted(options)[0],
        )


def retryable(action: str, rules: DialectRules) -> Callable[[BaseException], bool]:
    """Throttling is always retried; transport failures only for idempotent actions."""

    def decide(exc: BaseException) -> bool:
        if not isinstance(exc, NativeError):
            return False
        if exc.origin == "transport":
            return action in IDEMPOTENT_ACTIONS
        return exc.origin == "service" and isinstance(rules.neutral(exc), ThrottledError)

    return decide


def missing_sdk(dialect: Dialect, extra: str, err: ImportError) -> KmsError:
    return InvalidRequestError(
        f"the {dialect.value} adapter needs its SDK: pip install 'unikms[{extra}]' ({err})",
        field="url",
        dialect=dialect,
    )


def redacted_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """Options safe to show: anything that looks like a secret is masked."""
    secret = ("secret", "password", "token", "private_key", "key_content")
    return {k: ("<redacted>" if any(s in k for s in secret) else v) for k, v in options.items()}
