"""The in-memory fake: a first-class provider for tests and local development.

``unikms.connect("fake://<dialect>")`` gives a client over a :class:`FakeCloud`:
real authenticated encryption, keys with versions and states, aliases, each
dialect's limits, blob format and exact error codes. Named clouds are shared
within a process (``?cloud=name``), so the two Alibaba dialects can see the
same keys, as Alibaba's two gateways do::

    >>> import unikms
    >>> classic = unikms.connect("fake://alibaba-classic?cloud=doc")
    >>> instance = unikms.connect("fake://alibaba-instance?cloud=doc")
    >>> key = classic.create_key().key_id
    >>> instance.decrypt(classic.encrypt(key, b"x").ciphertext).plaintext
    b'x'
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from unikms.dialects import dialect_package, families
from unikms.errors import InvalidRequestError
from unikms.fake.keystore import KeyStore, utcnow
from unikms.fake.service import FakeService, Throttle
from unikms.types import Dialect

__all__ = ["FakeClock", "FakeCloud", "FakeService", "shared_cloud"]


class FakeClock:
    """A clock for the fake that tests can move forward (``advance``)."""

    def __init__(self) -> None:
        self._offset = timedelta()
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return utcnow() + self._offset

    def advance(self, **delta: float) -> None:
        """Move time forward, e.g. ``clock.advance(days=8)``."""
        with self._lock:
            self._offset += timedelta(**delta)

    def reset(self) -> None:
        """Back to the real time."""
        with self._lock:
            self._offset = timedelta()


class FakeCloud:
    """One fake account per account family (every registered dialect's), with the
    dialects' services over them. Dialects of one family share a store: Alibaba's
    classic API and its instance gateway see the same keys.

    ``<family>_account`` and ``<family>_region`` set a family's account and region
    (``FakeCloud(tencent_region="ap-shanghai")``); a family's store is also an
    attribute (``cloud.tencent``). A seed file (JSON, see ``docs/fake.md``) provisions
    keys, versions with their material, aliases and states, one section per family;
    :meth:`to_seed` writes the current state back in the same format.
    """

    def __init__(self, *, clock: FakeClock | None = None, **accounts: str) -> None:
        self.clock = clock or FakeClock()
        known = families()
        wanted: dict[str, dict[str, str]] = {}
        for option, value in accounts.items():
            family, _, what = option.rpartition("_")
            if family not in known or what not in ("account", "region"):
                options = ", ".join(f"{f}_account, {f}_region" for f in sorted(known))
                raise InvalidRequestError(
                    f"unknown FakeCloud option {option!r}; known: {options}", field=option
                )
            wanted.setdefault(family, {})[what] = value
        self.stores: dict[str, KeyStore] = {
            name: family.new_store(
                wanted.get(name, {}).get("account", family.default_account),
                wanted.get(name, {}).get("region", family.default_region),
                self.clock,
            )
            for name, family in sorted(known.items())
        }

    def __getattr__(self, family: str) -> KeyStore:
        stores = self.__dict__.get("stores", {})
        if family in stores:
            return stores[family]  # type: ignore[no-any-return]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {family!r}")

    def store(self, dialect: Dialect | str) -> KeyStore:
        """The store ``dialect``'s services use (its account family's)."""
        return self.stores[dialect_package(dialect).family.name]

    def service(self, dialect: Dialect | str, *, throttle: bool | float = False) -> FakeService:
        """A native service (a driver) for ``dialect`` over this cloud's keys.

        ``throttle=True`` enforces the dialect's documented rate for the crypto
        calls; a number sets that rate instead.
        """
        package = dialect_package(dialect)
        if package.service is None:
            raise InvalidRequestError(
                f"the {package.name} dialect has no fake service", field="dialect"
            )
        bucket = None
        if throttle:
            rates = package.rules.limits.action_qps
            bucket = Throttle(
                {a: float(r) if throttle is True else float(throttle) for a, r in rates.items()}
            )
        return package.service(self.stores[package.family.name], bucket)

    # -- seed files -------------------------------------------------------------
    def load_seed(self, seed: Mapping[str, Any] | str | os.PathLike[str]) -> None:
        """Add the keys of a seed (a mapping, or the path of a JSON seed file).

        >>> cloud = FakeCloud()
        >>> cloud.load_seed({"tencent": {"keys": [{"id": "7d1c4a2e-9b3f-11ef-8000-00756e696b99"}]}})
        >>> len(cloud.tencent.all_keys())
        1
        """
        if isinstance(seed, Mapping):
            data = dict(seed)
        elif not isinstance(seed, (str, os.PathLike)):
            raise InvalidRequestError(
                "seed must be the path of a JSON seed file (str or os.PathLike) or a dict, "
                f"got {type(seed).__name__}",
                field="seed",
            )
        else:
            try:
                data = json.loads(Path(seed).read_text("utf-8"))
            except (OSError, ValueError) as err:
                raise InvalidRequestError(
                    f"the seed file {str(seed)!r} cannot be read as JSON: {type(err).__name__}",
                    field="seed",
                ) from None
            if not isinstance(data, dict):
                raise InvalidRequestError("a seed file holds a JSON object", field="seed")
        unknown = sorted(n for n in data if n not in self.stores and not n.startswith("_"))
        if unknown:
            raise InvalidRequestError(
                f"the seed has a section for {unknown[0]!r}, which is no account family; "
                f"known: {', '.join(sorted(self.stores))}",
                field="seed",
            )
        for name, store in self.stores.items():
            if name in data:
                store.load_dict(data[name])

    def reset(self) -> None:
        """Empty every account and put the clock back to the real time."""
        for store in self.stores.values():
            store.clear()
        self.clock.reset()

    def to_seed(self) -> dict[str, Any]:
        """Everything, key material included, in the seed-file format."""
        return {name: store.to_dict() for name, store in self.stores.items()}


_SHARED: dict[str, FakeCloud] = {}
_SHARED_LOCK = threading.Lock()


def shared_cloud(name: str, **kw: Any) -> FakeCloud:
    """The process-wide :class:`FakeCloud` called ``name`` (made on first use)."""
    with _SHARED_LOCK:
        if name not in _SHARED:
            _SHARED[name] = FakeCloud(**kw)
        return _SHARED[name]
