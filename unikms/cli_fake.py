"""The ``unikms`` command's clients, and its fake's state file (``docs/cli.md``).

From the command line a fake that forgets everything when the process ends
is useless (``unikms key create`` then ``unikms encrypt -k`` would never meet),
so the CLI's fake keeps its keys in a JSON state file, in the seed format of
``docs/fake.md``, as moto, local-kms and LocalStack keep theirs:

* where: ``--fake-state PATH``, else ``$UNIKMS_FAKE_STATE``, else
  ``$XDG_STATE_HOME/unikms/fake-state.json`` (``~/.local/state/...``);
  ``unikms fake path`` prints it, ``unikms fake reset`` deletes it;
* which URLs: ``fake://DIALECT`` with no option but ``strict`` or ``throttle``
  (the default URL among them); a ``fake://`` URL with ``seed``, ``cloud``,
  ``region`` or ``account`` is the library's in-memory fake, gone at exit;
* a state file that does not exist yet starts as the bundled demo seed, so
  ``alias/demo`` is there on every dialect;
* two commands at once (``unikms encrypt | unikms decrypt``): the file is read
  and written under an ``fcntl`` lock (``PATH.lock``), never held while a
  command runs; a command writes back only the keys it changed, by an atomic
  replace, mode 0600 (it holds key material).

    >>> import os, tempfile
    >>> state = os.path.join(tempfile.mkdtemp(), "state.json")
    >>> with CliClients(state_file=state, quiet=True) as clients:
    ...     key = clients.connect("fake://tencent").create_key(alias="alias/app").key_id
    >>> with CliClients(state_file=state, quiet=True) as clients:
    ...     clients.connect("fake://tencent").describe_key("alias/app").key_id == key
    True
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import sys
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import unikms
from unikms._output import output_file
from unikms.dialects import DEFAULT_DIALECT, families
from unikms.errors import InvalidRequestError, KeyNotFoundError, KmsError
from unikms.fake import FakeCloud, shared_cloud

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Windows: no locking there
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "DEFAULT_FAKE_URL",
    "STATE_ENV",
    "CliClients",
    "default_state_file",
    "demo_seed_path",
    "reset_state",
    "uses_state",
]

DEFAULT_FAKE_URL = f"fake://{DEFAULT_DIALECT}"
STATE_ENV = "UNIKMS_FAKE_STATE"
_STATELESS_OPTIONS = {"strict", "throttle"}
_names = itertools.count()


def demo_seed_path() -> str:
    """The bundled demo seed (public key material: for trying things out only)."""
    return str(resources.files("unikms").joinpath("data/demo-seed.json"))


def default_state_file(option: str | None = None) -> Path:
    """``option``, else ``$UNIKMS_FAKE_STATE``, else ``$XDG_STATE_HOME/unikms/fake-state.json``."""
    if option:
        return Path(option).expanduser()
    if os.environ.get(STATE_ENV):
        return Path(os.environ[STATE_ENV]).expanduser()
    base = os.environ.get("XDG_STATE_HOME") or os.path.join("~", ".local", "state")
    return Path(base, "unikms", "fake-state.json").expanduser()


def uses_state(url: str) -> bool:
    """True for ``fake://DIALECT`` with no option but ``strict``/``throttle``."""
    parts = urlsplit(url)
    options = {name for name, _ in parse_qsl(parts.query, keep_blank_values=True)}
    return parts.scheme == "fake" and options <= _STATELESS_OPTIONS


@contextlib.contextmanager
def _locked(state: Path) -> Iterator[None]:
    state.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(f"{state}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _read(state: Path) -> dict[str, Any]:
    """The state file's seed; the demo seed when there is no file yet."""
    try:
        text = state.read_text("utf-8")
    except FileNotFoundError:
        data = json.loads(Path(demo_seed_path()).read_text("utf-8"))
        data.pop("_comment", None)
        return dict(data)
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise InvalidRequestError(
            f"the fake's state file {state} is not a JSON seed; `unikms fake reset` starts over",
            field="fake-state",
        )
    return data


def _merged(current: dict[str, Any], before: dict[str, Any], after: dict[str, Any]) -> None:
    """Apply to ``current`` what changed from ``before`` to ``after``, key by key."""
    for part in sorted(after):
        old = {k["id"]: k for k in before.get(part, {}).get("keys", [])}
        new = {k["id"]: k for k in after[part]["keys"]}
        section = current.setdefault(part, {k: v for k, v in after[part].items() if k != "keys"})
        keys = {k["id"]: k for k in section.get("keys", [])}
        for key_id in old.keys() - new.keys():
            keys.pop(key_id, None)
        for key_id, entry in new.items():
            if entry != old.get(key_id):
                keys[key_id] = entry
                taken = set(entry.get("aliases", []))
                for other in keys.values():  # an alias names one key
                    if other is not entry and taken & set(other.get("aliases", [])):
                        other["aliases"] = [a for a in other["aliases"] if a not in taken]
        section["keys"] = list(keys.values())


def reset_state(state: Path, *, empty: bool = False) -> None:
    """Delete the state file (the next command starts from the demo seed), or empty it."""
    with _locked(state):
        if empty:
            with output_file(state, field="fake-state", binary=False) as out:
                out.write(json.dumps({p: {"keys": []} for p in sorted(families())}).encode())
        else:
            with contextlib.suppress(FileNotFoundError):
                state.unlink()


class CliClients:
    """The clients of one command, one per URL, and the state file of the CLI's fake.

    ``connect(None)`` is the default URL (``$UNIKMS_URL``, else the CLI's fake,
    announced once on stderr unless ``quiet``). Leaving the ``with`` block closes
    the clients and writes back the keys the command changed.
    """

    def __init__(self, *, state_file: str | None = None, strict: bool = False, quiet: bool = False):
        self.state_file = default_state_file(state_file)
        self._strict = strict
        self._quiet = quiet
        self._clients: dict[str, unikms.KmsClient] = {}
        self._cloud: FakeCloud | None = None
        self._cloud_name = ""
        self._loaded: dict[str, Any] = {}
        self._announced = False
        self._in_memory = False
        self._stateful = False  # a client of this command used the state (kept after close)

    def connect(self, url: str | None) -> unikms.KmsClient:
        """The client for ``url`` (made once per command); ``None``: the default URL."""
        if url is None:
            url = os.environ.get("UNIKMS_URL") or DEFAULT_FAKE_URL
            if not os.environ.get("UNIKMS_URL"):
                self._announce()
        if url in self._clients:
            return self._clients[url]
        strict = "true" if self._strict else "false"
        if uses_state(url):
            client = unikms.connect(url, strict=strict, cloud=self._state_cloud())
        else:
            self._in_memory = self._in_memory or urlsplit(url).scheme == "fake"
            client = unikms.connect(url, strict=strict)
        self._clients[url] = client
        return client

    def _announce(self) -> None:
        if not self._announced and not self._quiet:
            print(
                f"unikms: no --url or $UNIKMS_URL: using the local demo fake "
                f"({DEFAULT_FAKE_URL}, public demo keys: never for real data; "
                f"its keys are kept in {self.state_file})",
                file=sys.stderr,
            )
        self._announced = True

    def _state_cloud(self) -> str:
        if self._cloud is None:
            with _locked(self.state_file):
                self._loaded = _read(self.state_file)
            self._stateful = True
            self._cloud_name = f"unikms-cli-state-{os.getpid()}-{next(_names)}"
            self._cloud = shared_cloud(self._cloud_name)
            self._cloud.load_seed(self._loaded)
            self._loaded = self._cloud.to_seed()  # normalised, to compare with at the end
        return self._cloud_name

    def hint(self, err: KmsError) -> str:
        """A note for a key that is not found: where the fake's keys live, or that they are gone."""
        if not isinstance(err, KeyNotFoundError):
            return ""
        if self._stateful:
            return f" (the CLI's fake keeps its keys in {self.state_file}: `unikms key list`)"
        if self._in_memory:
            return (
                " (a fake:// URL with seed, cloud, region or account options is in memory "
                "only: keys made by earlier commands are gone)"
            )
        return ""

    def close(self) -> None:
        """Close every client; write back what changed in the fake's state."""
        for client in self._clients.values():
            client.close()
        self._clients.clear()
        if self._cloud is None:
            return
        after = self._cloud.to_seed()
        if after != self._loaded:
            with _locked(self.state_file):
                current = _read(self.state_file)
                _merged(current, self._loaded, after)
                data = json.dumps(current, indent=1, sort_keys=True).encode()
                with output_file(self.state_file, field="fake-state", binary=False) as out:
                    out.write(data)
        self._cloud = None

    def __enter__(self) -> CliClients:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
