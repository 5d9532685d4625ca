"""Fork safety: no HTTP connection opened before ``os.fork()`` is used after it.

A pooled keep-alive socket inherited by a child is the same TCP connection as
the parent's: two processes writing requests on it read each other's answers
(another process's plaintext as a successful decrypt). Gunicorn ``--preload``,
``multiprocessing`` (``fork``) and prefork servers all fork after a client made
its first call. So, in every child, right after the fork (while it has one
thread), every live adapter forgets its pooled connections and the SDKs'
process-wide pools are emptied; the child opens its own connections.

Forgetting closes the child's copies of the file descriptors only: the parent's
connections stay open and keep working (closing a descriptor does not shut the
connection down while another process holds it).
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Callable
from typing import Any, Protocol

__all__ = ["ForkAware", "drop_pooled_connections", "on_fork_in_child", "track"]


class ForkAware(Protocol):
    """An adapter that can forget its connections."""

    def reset_after_fork(self) -> None: ...


_LIVE: weakref.WeakSet[Any] = weakref.WeakSet()
_PROCESS_WIDE: list[Callable[[], None]] = []


def track(driver: ForkAware) -> None:
    """Reset ``driver``'s connections in every child forked from now on."""
    _LIVE.add(driver)


def on_fork_in_child(reset: Callable[[], None]) -> None:
    """Run ``reset`` (for an SDK's process-wide pools) in every child; once per function."""
    if reset not in _PROCESS_WIDE:
        _PROCESS_WIDE.append(reset)


def drop_pooled_connections(holder: Any) -> None:
    """Forget every pooled connection of a ``requests.Session`` or ``HTTPAdapter``."""
    adapters = getattr(holder, "adapters", None)
    for adapter in adapters.values() if adapters is not None else (holder,):
        pool = getattr(adapter, "poolmanager", None)
        if pool is not None:
            pool.clear()
        for proxy_pool in list(getattr(adapter, "proxy_manager", {}).values()):
            proxy_pool.clear()


def _after_fork_in_child() -> None:
    for reset in list(_PROCESS_WIDE):
        reset()
    for driver in list(_LIVE):
        driver.reset_after_fork()


if hasattr(os, "register_at_fork"):  # POSIX; Windows has no fork
    os.register_at_fork(after_in_child=_after_fork_in_child)
