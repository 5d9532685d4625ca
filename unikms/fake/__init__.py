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

from unikms.dialects import rules_for
from unikms.dialects.alibaba.fake import (
    AlibabaClassicService,
    AlibabaInstanceService,
    new_alibaba_store,
)
from unikms.dialects.tencent.fake import TencentService, new_tencent_store
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
    """One fake Alibaba account and one fake Tencent account, with their services.

    A seed file (JSON, see ``docs/fake.md``) provisions keys, versions with their
    material, aliases and states; :meth:`to_seed` writes the current state back
    in the same format.
    """

    def __init__(
        self,
        *,
        alibaba_account: str = "1234567890123456",
        alibaba_region: str = "cn-hangzhou",
        tencent_account: str = "100000000001",
        tencent_region: str = "ap-guangzhou",
        clock: FakeClock | None = None,
    ) -> None:
        self.clock = clock or FakeClock()
        self.alibaba = new_alibaba_store(alibaba_account, alibaba_region, clock=self.clock)
        self.tencent = new_tencent_store(tencent_account, tencent_region, clock=self.clock)

    def store(self, dialect: Dialect) -> KeyStore:
        return self.tencent if dialect is Dialect.TENCENT else self.alibaba

    def service(self, dialect: Dialect, *, throttle: bool | float = False) -> FakeService:
        """A native service (a driver) for ``dialect`` over this cloud's keys.

        ``throttle=True`` enforces the dialect's documented rate for the crypto
        calls; a number sets that rate instead.
        """
        dialect = Dialect(dialect)
        bucket = None
        if throttle:
            rates = rules_for(dialect).limits.action_qps
            bucket = Throttle(
                {a: float(r) if throttle is True else float(throttle) for a, r in rates.items()}
            )
        if dialect is Dialect.ALIBABA_CLASSIC:
            return AlibabaClassicService(self.alibaba, throttle=bucket)
        if dialect is Dialect.ALIBABA_INSTANCE:
            return AlibabaInstanceService(self.alibaba, throttle=bucket)
        return TencentService(self.tencent, throttle=bucket)

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
        if "alibaba" in data:
            self.alibaba.load_dict(data["alibaba"])
        if "tencent" in data:
            self.tencent.load_dict(data["tencent"])

    def reset(self) -> None:
        """Empty both accounts and put the clock back to the real time."""
        self.alibaba.clear()
        self.tencent.clear()
        self.clock.reset()

    def to_seed(self) -> dict[str, Any]:
        """Everything, key material included, in the seed-file format."""
        return {"alibaba": self.alibaba.to_dict(), "tencent": self.tencent.to_dict()}


_SHARED: dict[str, FakeCloud] = {}
_SHARED_LOCK = threading.Lock()


def shared_cloud(name: str, **kw: Any) -> FakeCloud:
    """The process-wide :class:`FakeCloud` called ``name`` (made on first use)."""
    with _SHARED_LOCK:
        if name not in _SHARED:
            _SHARED[name] = FakeCloud(**kw)
        return _SHARED[name]
