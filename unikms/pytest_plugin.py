"""The unikms pytest plugin: fixtures for testing your own code against KMS.

Installed with unikms (entry point ``pytest11``: ``unikms``), so it is loaded in
every pytest session of the environment. Loading it registers command-line
options and nothing else: no fixture runs, nothing heavy (vcrpy, uvicorn, the
SDKs) is imported, and no behaviour changes until a test asks for one of the
fixtures below. ``-p no:unikms`` turns it off altogether.

Fixtures (each described in its docstring, see ``docs/pytest-plugin.md``):

* ``unikms_fake``: a factory of clients over one in-memory fake cloud per test,
  and ``unikms_fake_cloud``, that cloud (to move its clock);
* ``unikms_emulator`` (session): a running ``unikms serve`` on 127.0.0.1, and
  ``unikms_emulator_urls``: the emulator reset, an adapter URL per dialect;
* ``unikms_cassette``: record and replay HTTP with vcrpy and the three
  dialects' scrubbing preset, and ``unikms_cassette_urls``: adapter URLs that
  reach the emulator when recording and nothing at all when replaying.

Options: ``--unikms-record={none,once,new_episodes,all}`` (default ``none``:
replay only), ``--unikms-cassette-dir=DIR`` (default: ``cassettes`` next to each
test file), ``--unikms-emulator-seed=FILE`` (a seed file for the emulator).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import pytest

if TYPE_CHECKING:
    from unikms.client import KmsClient
    from unikms.emulator import Emulator
    from unikms.fake import FakeCloud

__all__ = [
    "PROXY_VARIABLES",
    "RECORD_MODES",
    "CassetteFactory",
    "FakeFactory",
    "unikms_cassette",
    "unikms_cassette_urls",
    "unikms_emulator",
    "unikms_emulator_urls",
    "unikms_fake",
    "unikms_fake_cloud",
]

#: vcrpy record modes, as ``--unikms-record`` takes them
RECORD_MODES = ("none", "once", "new_episodes", "all")
#: what the SDKs read to send even loopback traffic through a proxy
PROXY_VARIABLES = (
    "HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy",
)  # fmt: skip
_SEED = "unikms_emulator_seed"
_RECORD = "unikms_record"
_CASSETTE_DIR = "unikms_cassette_dir"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("unikms", "unikms KMS fixtures (fake, emulator, cassettes)")
    group.addoption(
        "--unikms-record",
        dest=_RECORD,
        choices=RECORD_MODES,
        default="none",
        help="cassette record mode for the unikms_cassette fixture: none (default: replay "
        "only, a missing cassette or an unmatched request fails), once (record missing "
        "cassettes), new_episodes (add unmatched requests), all (record everything again)",
    )
    group.addoption(
        "--unikms-cassette-dir",
        dest=_CASSETTE_DIR,
        default=None,
        metavar="DIR",
        help="where unikms_cassette keeps its cassettes (relative paths: to the directory "
        "pytest was started in); default: a 'cassettes' directory next to each test file",
    )
    group.addoption(
        "--unikms-emulator-seed",
        dest=_SEED,
        default=None,
        metavar="FILE",
        help="a seed file (docs/fake.md) the unikms_emulator fixture loads at start and "
        "after every reset",
    )


def _option_path(config: pytest.Config, dest: str) -> Path | None:
    value = config.getoption(dest)
    if not value:
        return None
    path = Path(value).expanduser()
    return path if path.is_absolute() else config.invocation_params.dir / path


# -- the fake ------------------------------------------------------------------------------


class FakeFactory(Protocol):
    """The type of ``unikms_fake``: makes clients over the test's fake cloud."""

    def __call__(
        self,
        dialect: str = ...,  # DEFAULT_DIALECT (unikms.dialects), "alibaba-classic"
        *,
        seed: str | os.PathLike[str] | Mapping[str, Any] | None = None,
        strict: bool = False,
    ) -> KmsClient: ...


@pytest.fixture
def unikms_fake_cloud() -> FakeCloud:
    """The test's in-memory fake cloud (one account of each dialect family).

    Every client ``unikms_fake`` makes in a test uses this cloud. Use it to
    move time (Alibaba's 7-day rotation interval, deletion windows) or to
    inspect or seed the keys::

        def test_rotation(unikms_fake, unikms_fake_cloud):
            kms = unikms_fake("alibaba-classic")
            key = kms.create_key().key_id
            unikms_fake_cloud.clock.advance(days=8)
            kms.rotate_key(key)
    """
    from unikms.fake import FakeCloud

    return FakeCloud()


@pytest.fixture
def unikms_fake(unikms_fake_cloud: FakeCloud) -> Iterator[FakeFactory]:
    """A factory of ``KmsClient`` s over a fresh in-memory fake, one cloud per test.

    ``unikms_fake(dialect="alibaba-classic", *, seed=None, strict=False)``:
    ``dialect`` is any registered dialect with a fake (``list(unikms.Dialect)``:
    ``"alibaba-classic"``, ``"alibaba-instance"``, ``"tencent"``, ``"aws"`` and any a
    plug-in package adds), or a ``unikms.Dialect``; ``seed`` a seed file path or a
    seed dict (``docs/fake.md``), loaded into the test's cloud once; ``strict``
    turns on strict portability. All clients of one test share one cloud, so the
    two Alibaba dialects see the same keys, as Alibaba's two gateways do. The
    clients are closed when the test ends::

        @pytest.mark.parametrize("dialect", ["alibaba-classic", "alibaba-instance", "tencent"])
        def test_seal(unikms_fake, dialect):
            kms = unikms_fake(dialect)
            key = kms.create_key(alias="alias/orders").key_id
            assert kms.decrypt(kms.encrypt(key, b"x").ciphertext).plaintext == b"x"
    """
    from unikms.client import KmsClient
    from unikms.dialects import DEFAULT_DIALECT
    from unikms.types import Dialect

    clients: list[KmsClient] = []
    loaded: set[str] = set()

    def make(
        dialect: str = DEFAULT_DIALECT,
        *,
        seed: str | os.PathLike[str] | Mapping[str, Any] | None = None,
        strict: bool = False,
    ) -> KmsClient:
        if seed is not None:
            if isinstance(seed, Mapping):
                doc = dict(seed)
                identity = json.dumps(doc, sort_keys=True, default=str)
            else:
                identity = str(Path(seed).resolve())
                doc = json.loads(Path(seed).read_text("utf-8"))
            if identity not in loaded:
                unikms_fake_cloud.load_seed(doc)
                loaded.add(identity)
        client = KmsClient(unikms_fake_cloud.service(Dialect(dialect)), strict_portability=strict)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


# -- the emulator --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def unikms_emulator(pytestconfig: pytest.Config) -> Iterator[Emulator]:
    """A running ``unikms serve`` on 127.0.0.1 (a free port) for the whole session.

    Needs the ``emulator`` extra. While it runs, the proxy variables
    (``HTTP_PROXY``, ``https_proxy``, ...) are removed from ``os.environ``
    (and put back at the end), since the SDKs send even loopback traffic
    through a configured proxy. ``--unikms-emulator-seed=FILE`` loads a seed
    file. Prefer ``unikms_emulator_urls``, which also resets it for each test::

        def test_health(unikms_emulator):
            import json, urllib.request
            url = f"http://{unikms_emulator.endpoint}/health"
            assert json.load(urllib.request.urlopen(url))["status"] == "ok"
    """
    try:
        from unikms.emulator import Emulator
    except ImportError as err:
        from unikms.extras import missing_extra

        pytest.fail(f"unikms: {missing_extra(err, 'unikms_emulator', 'emulator')}", pytrace=False)
    seed = _option_path(pytestconfig, _SEED)
    if seed is not None and not seed.is_file():
        pytest.fail(f"--unikms-emulator-seed: no file {seed}", pytrace=False)
    saved = {name: os.environ.pop(name) for name in PROXY_VARIABLES if name in os.environ}
    try:
        with Emulator(host="127.0.0.1", port=0, seed=seed) as emulator:
            yield emulator
    finally:
        os.environ.update(saved)


@pytest.fixture
def unikms_emulator_urls(unikms_emulator: Emulator, pytestconfig: pytest.Config) -> dict[str, str]:
    """The emulator, reset for this test, and the adapter URL for each dialect.

    Keyed by dialect value (every registered dialect whose package has an emulator
    protocol and an adapter: ``"alibaba-classic"``, ``"alibaba-instance"``, ``"tencent"``,
    ``"aws"``, ...); each URL carries the emulator's documented local
    credentials and goes through the official SDK (the gateway: unikms' own
    protocol client). The reset forgets every key and alias and puts the clock
    back (``POST /_unikms/reset``), then loads ``--unikms-emulator-seed`` again.
    Needs the adapter extras (``unikms[alibaba,alibaba-instance,tencent]``)::

        def test_on_tencent(unikms_emulator_urls):
            kms = unikms.connect(unikms_emulator_urls["tencent"])
            key = kms.create_key(alias="alias/orders").key_id
    """
    from unikms.contract.targets import admin_post, emulator_urls

    emulator = unikms_emulator
    admin_post(emulator.endpoint, "/_unikms/reset")
    seed = _option_path(pytestconfig, _SEED)
    if seed is not None:
        emulator.cloud.load_seed(seed)
    key = emulator.client_key
    assert key is not None, "the emulator issued no gateway client key"
    urls = emulator_urls(emulator.endpoint, str(key.path), key.password)
    return {dialect.value: url for dialect, url in urls.items()}


# -- cassettes -----------------------------------------------------------------------------


class CassetteFactory(Protocol):
    """The type of ``unikms_cassette``: ``with unikms_cassette("name") as cassette: ...``."""

    def __call__(
        self, name: str | None = None, *, public_plaintexts: Iterable[bytes] = ()
    ) -> contextlib.AbstractContextManager[Any]: ...


def _sanitize(name: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_.")
    return cleaned or "cassette"


def _cassette_dir(request: pytest.FixtureRequest) -> Path:
    configured = _option_path(request.config, _CASSETTE_DIR)
    return configured if configured is not None else request.path.parent / "cassettes"


def _describe(request: Any) -> str:
    """The operation, method and path: never the query, which holds parameters and signatures."""
    from urllib.parse import urlsplit

    from unikms.contract.cassettes import operation

    return f"{operation(request)} ({request.method} {urlsplit(request.uri).path or '/'})"


#: parameters whose values a mismatch message must not show
_SECRET_PARAMETERS = frozenset({"Plaintext", "EncryptionContext", "Aad"})


_MATCHERS = {"_match_operation": "unikms_operation", "_match_payload": "unikms_payload"}


def _window(text: str, start: int, width: int = 40) -> str:
    head = "..." if start else ""
    tail = "..." if len(text) > start + width else ""
    return f"{head}{text[start : start + width]}{tail}"


def _difference(recorded: Any, now: Any) -> tuple[str, str]:
    """Both values, shortened around where they first differ."""
    before, after = (
        v if isinstance(v, str) else json.dumps(v, sort_keys=True) for v in (recorded, now)
    )
    first = next(
        (i for i, (x, y) in enumerate(zip(before, after, strict=False)) if x != y),
        min(len(before), len(after)),
    )
    start = max(0, first - 12)
    return _window(before, start), _window(after, start)


def _payload_diff(recorded: Any, sent: Any) -> list[str]:
    """Which parameters differ between a recorded request and the one sent now."""
    from unikms.contract.cassettes import payload

    before, now = payload(recorded), payload(sent)
    if not (isinstance(before, dict) and isinstance(now, dict)):
        return ["the request bodies differ"]
    lines = []
    for name in sorted(set(before) | set(now), key=str):
        if before.get(name) != now.get(name):
            if name in _SECRET_PARAMETERS:
                lines.append(f"{name}: differs (values not shown)")
                continue
            old, new = _difference(before.get(name, "<absent>"), now.get(name, "<absent>"))
            lines.append(f"{name}: recorded {old!r}, now {new!r}")
    return lines


def _mismatch_message(
    path: Path, mode: str, nodeid: str, cassette: Any, unmatched: list[Any]
) -> str:
    lines = [
        f"unikms: {len(unmatched)} request(s) matched nothing left in cassette {path} "
        f"(--unikms-record={mode}):"
    ]
    for request in unmatched[:5]:
        lines.append(f"  {_describe(request)}")
        try:
            closest = cassette.find_requests_with_most_matches(request)
        except Exception:  # only a hint: never hide the real failure behind it
            closest = []
        for stored, _, failures in closest[:1]:
            names = [_MATCHERS.get(name, name) for name, _ in failures]
            differs = ", ".join(names) or "nothing (its answer was already played)"
            lines.append(f"    closest recorded: {_describe(stored)}; differs in: {differs}")
            if "unikms_payload" in names:
                lines += [f"      {line}" for line in _payload_diff(stored, request)]
    lines += [
        "The code under test now sends something the recording does not have. If that is "
        "intended, record the cassette again:",
        f"    pytest --unikms-record=all {shlex.quote(nodeid)}",
        "(new_episodes keeps the recorded requests and adds the new ones.)",
    ]
    return "\n".join(lines)


def _provenance(path: Path, nodeid: str, mode: str) -> None:
    """Add a provenance note to a cassette the plugin has just written."""
    import platform
    from datetime import datetime, timezone
    from urllib.parse import urlsplit

    from unikms.contract.cassettes import SDKS, load_cassette, package_versions, write_metadata

    doc = load_cassette(path)
    hosts = sorted({urlsplit(i["request"]["uri"]).netloc for i in doc.get("interactions", [])})
    write_metadata(
        path,
        {
            "kind": "recorded",
            "test": nodeid,
            "provenance": {
                "produced_by": f"unikms pytest plugin (unikms_cassette, --unikms-record={mode})",
                "target": hosts,
                "recorded_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "python": platform.python_version(),
                "packages": package_versions(SDKS),
                "scrubbed": "credentials, signatures, nonces; non-public plaintexts "
                "replaced by same-length stand-ins",
            },
        },
    )


def _stamp(path: Path) -> int | None:
    try:
        return path.stat().st_mtime_ns
    except FileNotFoundError:
        return None


@pytest.fixture
def unikms_cassette(request: pytest.FixtureRequest) -> CassetteFactory:
    """Record and replay the test's KMS traffic with vcrpy, scrubbed.

    ``with unikms_cassette(name=None, *, public_plaintexts=()) as cassette:``
    uses the cassette ``<name>.yaml`` (default: the test's name, e.g.
    ``test_seal_tencent`` for ``test_seal[tencent]``) in ``--unikms-cassette-dir``
    (default: ``cassettes/`` next to the test file) and yields the vcrpy
    ``Cassette``. ``--unikms-record`` picks the mode; the default, ``none``,
    only replays: a missing cassette, or a request the cassette does not have,
    fails the test and says how to record. Requests match on method, path, KMS
    operation and parameters (never on signatures, nonces, timestamps, host or
    port). Before anything is written, credentials and signatures are scrubbed
    and every plaintext in an answer (a data key, a decrypted value) becomes a
    same-length stand-in, except the ``public_plaintexts`` you name: declare
    there the made-up test data your test checks after a decrypt. Needs the
    ``contract`` extra (vcrpy)::

        def test_seal_replayed(unikms_cassette, unikms_cassette_urls):
            with unikms_cassette(public_plaintexts=[b"made-up order"]):
                kms = unikms.connect(unikms_cassette_urls["tencent"])
                key = kms.create_key(alias="alias/orders").key_id
                sealed = kms.encrypt(key, b"made-up order").ciphertext
                assert kms.decrypt(sealed).plaintext == b"made-up order"
    """
    mode: str = request.config.getoption(_RECORD)
    directory = _cassette_dir(request)
    nodeid = request.node.nodeid

    @contextlib.contextmanager
    def use(name: str | None = None, *, public_plaintexts: Iterable[bytes] = ()) -> Iterator[Any]:
        try:
            import vcr  # noqa: F401 - the cassettes module imports it only when used
            import yaml  # noqa: F401

            from unikms.contract.cassettes import cassette_vcr
        except ImportError as err:
            from unikms.extras import missing_extra

            pytest.fail(
                f"unikms: {missing_extra(err, 'unikms_cassette', 'contract')}", pytrace=False
            )
        filename = _sanitize(name or request.node.name) + ".yaml"
        path = directory / filename
        if mode == "none" and not path.is_file():
            command = f"pytest --unikms-record=once {shlex.quote(nodeid)}"
            pytest.fail(
                f"unikms: cassette {path} does not exist, and --unikms-record=none (the "
                "default) only replays. Record it once (against the emulator, or whatever "
                f"the test connects to) with:\n    {command}",
                pytrace=False,
            )
        if mode != "none":
            directory.mkdir(parents=True, exist_ok=True)
        before = _stamp(path)
        config = cassette_vcr(directory, record_mode=mode, public_plaintexts=public_plaintexts)
        unmatched: list[Any] = []
        with config.use_cassette(filename, allow_playback_repeats=False) as cassette:
            original: Callable[[Any], Any] = cassette.can_play_response_for

            def can_play(vcr_request: Any) -> Any:
                playable = original(vcr_request)
                if not playable and cassette.write_protected:
                    unmatched.append(vcr_request)
                return playable

            cassette.can_play_response_for = can_play
            try:
                yield cassette
            except BaseException as err:
                if unmatched:
                    message = _mismatch_message(path, mode, nodeid, cassette, unmatched)
                    raise pytest.fail.Exception(message, pytrace=False) from err
                raise
            finally:
                cassette.can_play_response_for = original
        if mode != "none" and path.is_file() and _stamp(path) != before:
            _provenance(path, nodeid, mode)
        if unmatched:
            pytest.fail(_mismatch_message(path, mode, nodeid, cassette, unmatched), pytrace=False)

    return use


@pytest.fixture(scope="session")
def _unikms_replay_urls() -> Iterator[dict[str, str]]:
    """Adapter URLs at a port nothing listens on, with a throwaway gateway client key."""
    from unikms.contract.targets import emulator_urls

    try:
        from unikms.emulator.credentials import EmulatorCredentials
    except ImportError as err:
        from unikms.extras import missing_extra

        message = missing_extra(err, "unikms_cassette_urls (its gateway client key)", "emulator")
        pytest.fail(f"unikms: {message}", pytrace=False)
    with tempfile.TemporaryDirectory(prefix="unikms-replay-") as tmp:
        key = EmulatorCredentials().issue_client_key(tmp)
        urls = emulator_urls("127.0.0.1:9", str(key.path), key.password)
        yield {dialect.value: url for dialect, url in urls.items()}


@pytest.fixture
def unikms_cassette_urls(request: pytest.FixtureRequest) -> dict[str, str]:
    """Adapter URLs for cassette tests: the emulator when recording, nothing when replaying.

    With ``--unikms-record=none`` (the default) the URLs point at 127.0.0.1:9,
    where nothing listens, so a request the cassette does not answer can never
    reach a server; with any other mode they are ``unikms_emulator_urls`` (the
    emulator started and reset), so ``--unikms-record=once`` records against it.
    To record against a real account instead, build the URLs yourself and use
    ``unikms_cassette`` directly. Keyed like ``unikms_emulator_urls``::

        def test_replayed(unikms_cassette, unikms_cassette_urls):
            with unikms_cassette():
                kms = unikms.connect(unikms_cassette_urls["alibaba-classic"])
    """
    if request.config.getoption(_RECORD) == "none":
        urls: dict[str, str] = request.getfixturevalue("_unikms_replay_urls")
    else:
        urls = request.getfixturevalue("unikms_emulator_urls")
    return urls
