"""An optional cache of data keys for :func:`unikms.envelope.encrypt` and
:func:`unikms.envelope.decrypt`.

Without a cache every message costs one KMS call per wrapping key. With a
:class:`DataKeyCache`, messages to the same wrapping keys with the same
encryption context reuse one data key (and its wrapped copies) until any
limit is reached:

* ``max_age``: seconds since the data key was made;
* ``max_messages``: messages encrypted under it;
* ``max_bytes``: plaintext bytes encrypted under it (a message whose size is
  not known in advance bypasses a cache that has a byte limit: it gets a
  fresh, uncached data key).

The same cache (or another) passed to ``decrypt`` remembers the data keys it
opened: messages that share a wrapped data key (made under an encrypt cache)
cost one KMS call, not one each. Decrypt entries obey ``max_age`` and
``capacity`` only (a key already opened gains nothing from counting); each
is tied to the client that opened it, the wrapped ciphertext and the context.

Each message still has its own random message id and so its own derived
message key; reuse affects the data key and the KMS ciphertexts only (who
holds one message's data key opens every message that shared it). The cache
is thread-safe; KMS calls are made outside its lock. Evicted keys are
dropped; Python gives no way to wipe them from memory.

    >>> import unikms
    >>> from unikms import envelope
    >>> kms = unikms.connect("fake://alibaba-classic")
    >>> key = kms.create_key().key_id
    >>> cache = envelope.DataKeyCache(max_age=300, max_messages=100)
    >>> a = envelope.encrypt(b"one", [(kms, key)], cache=cache)
    >>> b = envelope.encrypt(b"two", [(kms, key)], cache=cache)
    >>> cache.stats()
    CacheStats(hits=1, misses=1, entries=1)
    >>> opened = [envelope.decrypt(m, [kms], cache=cache) for m in (a, b)]
    >>> opened, cache.stats()
    ([b'one', b'two'], CacheStats(hits=2, misses=2, entries=2))
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable

import attrs

from unikms.envelope.format import WrappedKey
from unikms.errors import InvalidRequestError
from unikms.types import redacted

__all__ = ["CacheStats", "DataKeyCache", "Materials"]


@attrs.frozen
class Materials:
    """A data key and its wrapped copies (the key is hidden in reprs)."""

    data_key: bytes = attrs.field(repr=redacted)
    wrapped_keys: tuple[WrappedKey, ...]


@attrs.frozen
class CacheStats:
    hits: int
    misses: int
    entries: int


@attrs.define
class _Entry:
    materials: Materials
    created: float
    messages: int
    nbytes: int
    #: the clients and keys the entry was made for: held so that their ids,
    #: part of the cache key, cannot be reused by other objects meanwhile
    owners: object


def _positive_int(name: str, value: object, *, optional: bool = False) -> int:
    """``value`` if it is an integer above 0."""
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        none = " (or None: no limit)" if optional else ""
        raise InvalidRequestError(
            f"{name} must be a positive integer{none}, got {value!r}", field=name
        )
    return value


def _positive_seconds(name: str, value: object) -> float:
    """``value`` as a float if it is a finite number above 0 (no NaN, no infinity)."""
    seconds = math.nan
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            seconds = float(value)
        except OverflowError:
            seconds = math.inf
    if not (math.isfinite(seconds) and seconds > 0):
        raise InvalidRequestError(
            f"{name} must be a finite number of seconds above 0, got {value!r}", field=name
        )
    return seconds


class DataKeyCache:
    """Reuse data keys across messages, within limits. Thread-safe.

    ``max_age`` (seconds, a finite number above 0) is required; ``max_messages``
    and ``max_bytes`` (integers above 0) are optional (``None``: no limit).
    ``capacity`` bounds the number of entries (least recently used go first).
    ``clock`` is for tests.
    """

    def __init__(
        self,
        *,
        max_age: float,
        max_messages: int | None = None,
        max_bytes: int | None = None,
        capacity: int = 64,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_age = _positive_seconds("max_age", max_age)
        self.max_messages = (
            None
            if max_messages is None
            else _positive_int("max_messages", max_messages, optional=True)
        )
        self.max_bytes = (
            None if max_bytes is None else _positive_int("max_bytes", max_bytes, optional=True)
        )
        self.capacity = _positive_int("capacity", capacity)
        if not callable(clock):
            raise InvalidRequestError(
                f"clock must be a callable returning seconds, got {type(clock).__name__}",
                field="clock",
            )
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._hits = 0
        self._misses = 0

    def __repr__(self) -> str:
        return (
            f"DataKeyCache(max_age={self.max_age}, max_messages={self.max_messages}, "
            f"max_bytes={self.max_bytes}, entries={len(self._entries)})"
        )

    def stats(self) -> CacheStats:
        with self._lock:
            return CacheStats(self._hits, self._misses, len(self._entries))

    def clear(self) -> None:
        """Drop every cached data key."""
        with self._lock:
            self._entries.clear()

    def _usable(self, entry: _Entry, now: float, size: int) -> bool:
        if now - entry.created >= self.max_age:
            return False
        if self.max_messages is not None and entry.messages >= self.max_messages:
            return False
        return self.max_bytes is None or entry.nbytes + size <= self.max_bytes

    def get_or_make(
        self,
        key: Hashable,
        size: int | None,
        make: Callable[[], Materials],
        owners: object,
    ) -> Materials:
        """Materials for one message of ``size`` plaintext bytes (``None``: unknown).

        Serves a cached entry within its limits and counts the message against
        it; otherwise calls ``make()`` (outside the lock) and caches the result.
        A message that no entry could serve (unknown size, or larger than
        ``max_bytes``) gets fresh materials and leaves the cache as it was.
        """
        if self.max_bytes is not None and (size is None or size > self.max_bytes):
            with self._lock:
                self._misses += 1
            return make()
        need = size or 0
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                if self._usable(entry, self._clock(), need):
                    entry.messages += 1
                    entry.nbytes += need
                    self._entries.move_to_end(key)
                    self._hits += 1
                    return entry.materials
                del self._entries[key]
            self._misses += 1
        materials = make()
        self._store(key, _Entry(materials, self._clock(), 1, need, owners))
        return materials

    def get_or_open(self, key: Hashable, open_key: Callable[[], bytes], owners: object) -> bytes:
        """The data key a decrypt opened before under ``key``, within ``max_age``;
        otherwise ``open_key()`` (outside the lock; an exception caches nothing)."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                if self._clock() - entry.created < self.max_age:
                    entry.messages += 1
                    self._entries.move_to_end(key)
                    self._hits += 1
                    return entry.materials.data_key
                del self._entries[key]
            self._misses += 1
        data_key = open_key()
        self._store(key, _Entry(Materials(data_key, ()), self._clock(), 1, 0, owners))
        return data_key

    def _store(self, key: Hashable, entry: _Entry) -> None:
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self.capacity:
                self._entries.popitem(last=False)
