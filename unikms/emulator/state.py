"""``--state FILE``: the emulator's keys, aliases and versions in SQLite (WAL).

Every request that changes a store (key management, rotation, aliases) is
committed before its answer is sent, so an acknowledged change survives a
restart and a ``kill -9``. Crypto calls change no key; what a signed request
writes is its nonce (the replay window, so a nonce refused before a restart is
refused after it), committed before the answer on a connection of its own with
``synchronous=NORMAL``: durable across a crash of the process, not of the machine.
The document stored per provider is the seed-file format of
:meth:`unikms.fake.FakeCloud.to_seed`, key material included: a new file (and
its ``-wal`` and ``-shm`` companions) is created readable by its owner only (0600).
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path

from unikms.emulator.credentials import EmulatorCredentials
from unikms.emulator.wire import NonceJournal
from unikms.fake import FakeCloud

__all__ = ["StateFile"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS stores (name TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS client_keys (key_id TEXT PRIMARY KEY, public_key_pem TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS nonces (
    scope TEXT NOT NULL, nonce TEXT NOT NULL, seen_at REAL NOT NULL,
    PRIMARY KEY (scope, nonce)
);
CREATE INDEX IF NOT EXISTS nonces_by_time ON nonces (scope, seen_at);
"""

#: nonces written between two sweeps of the expired ones
_SWEEP_EVERY = 1024


def _create_private(path: Path) -> bool:
    """Create ``path`` readable by its owner only (it holds key material); False if it existed.

    An existing file keeps the mode its owner gave it.
    """
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    os.close(fd)
    return True


def _chmod_private(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.chmod(path, 0o600)


class StateFile:
    """One SQLite database holding a :class:`FakeCloud` and the issued client keys."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        created = _create_private(self.path)
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        # nonces are written on every signed request: their own connection commits with
        # synchronous=NORMAL (WAL: durable across a crash of the process, as a kill -9 is)
        self._nonce_db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._nonce_lock = threading.Lock()
        self._nonce_writes = 0
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(_SCHEMA)
            self._nonce_db.execute("PRAGMA synchronous=NORMAL")
            if created:  # SQLite gives -wal and -shm the database's mode; make sure of it
                for suffix in ("-wal", "-shm"):
                    _chmod_private(self.path.with_name(self.path.name + suffix))
        except BaseException:
            self._db.close()
            self._nonce_db.close()
            raise

    def close(self) -> None:
        with self._lock, self._nonce_lock:
            self._db.close()
            self._nonce_db.close()

    def load_nonces(self, scope: str, since: float) -> list[tuple[str, float]]:
        with self._nonce_lock:
            rows = self._nonce_db.execute(
                "SELECT nonce, seen_at FROM nonces WHERE scope = ? AND seen_at > ? "
                "ORDER BY seen_at",
                (scope, since),
            ).fetchall()
        return [(str(nonce), float(seen_at)) for nonce, seen_at in rows]

    def record_nonce(self, scope: str, nonce: str, seen_at: float, horizon: float) -> None:
        with self._nonce_lock:
            db = self._nonce_db
            db.execute(
                "INSERT INTO nonces(scope, nonce, seen_at) VALUES(?, ?, ?) "
                "ON CONFLICT(scope, nonce) DO UPDATE SET seen_at = excluded.seen_at",
                (scope, nonce, seen_at),
            )
            self._nonce_writes += 1
            if self._nonce_writes % _SWEEP_EVERY == 0:  # expired nonces go, in bulk
                db.execute("DELETE FROM nonces WHERE scope = ? AND seen_at <= ?", (scope, horizon))

    def load(self, cloud: FakeCloud, credentials: EmulatorCredentials) -> bool:
        """Fill ``cloud`` and ``credentials`` from the file; False when it was empty."""
        with self._lock:
            rows = dict(self._db.execute("SELECT name, doc FROM stores").fetchall())
            keys = self._db.execute("SELECT key_id, public_key_pem FROM client_keys").fetchall()
        if rows:
            cloud.load_seed({name: json.loads(doc) for name, doc in rows.items()})
        for key_id, pem in keys:
            credentials.add_client_key(key_id, pem.encode())
        return bool(rows)

    def save(self, cloud: FakeCloud, *, families: Iterable[str] | None = None) -> None:
        """Write the stores of ``families`` (all by default) in one transaction
        (durable on return)."""
        wanted = set(cloud.stores if families is None else families)
        seed = {name: store.to_dict() for name, store in cloud.stores.items() if name in wanted}
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for name in sorted(seed):
                    self._db.execute(
                        "INSERT INTO stores(name, doc) VALUES(?, ?) "
                        "ON CONFLICT(name) DO UPDATE SET doc = excluded.doc",
                        (name, json.dumps(seed[name])),
                    )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def nonce_journal(self, scope: str) -> NonceJournal:
        """Where the replay guard of one protocol (``scope``) keeps its nonces."""
        return _NonceTable(self, scope)

    def save_client_key(self, key_id: str, public_key_pem: bytes) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO client_keys(key_id, public_key_pem) VALUES(?, ?)",
                (key_id, public_key_pem.decode()),
            )


class _NonceTable:
    """One protocol's nonces in a :class:`StateFile` (a :class:`NonceJournal`)."""

    def __init__(self, state: StateFile, scope: str) -> None:
        self.state = state
        self.scope = scope

    def load(self, since: float) -> list[tuple[str, float]]:
        return self.state.load_nonces(self.scope, since)

    def record(self, nonce: str, seen_at: float, horizon: float) -> None:
        self.state.record_nonce(self.scope, nonce, seen_at, horizon)
