"""The pytest plugin (``unikms.pytest_plugin``), driven from suites of its own.

Each suite runs in a subprocess with its own ``pytest.ini`` as the rootdir, so
this project's configuration (testpaths, doctests, conftest) does not apply: the
fixtures work as a user's suite sees them, through the ``pytest11`` entry point.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_contract import PATTERNS, SECRETS
from unikms.contract.cassettes import load_cassette

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "examples" / "pytest-sample"
SAMPLE_CASSETTES = sorted((SAMPLE / "tests" / "cassettes").glob("*.yaml"))


def run_pytest(
    suite: Path, *args: str, ini: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # leave no __pycache__ in the sample
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            str(suite),
            "-c",
            str(ini or suite / "pytest.ini"),
            "-p",
            "no:cacheprovider",
            "-q",
            *args,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def outcome(done: subprocess.CompletedProcess[str]) -> dict[str, int]:
    counts = re.findall(r"(\d+) (passed|failed|errors?|skipped)", done.stdout)
    return {word: int(n) for n, word in counts}


def copy_sample(tmp_path: Path, *, cassettes: bool) -> Path:
    suite = tmp_path / "suite"
    (suite / "tests").mkdir(parents=True)
    for name in ("pytest.ini", "orders.py", "tests/test_orders_cassettes.py"):
        shutil.copy(SAMPLE / name, suite / name)
    if cassettes:
        shutil.copytree(SAMPLE / "tests" / "cassettes", suite / "tests" / "cassettes")
    return suite


def test_the_sample_suite_passes() -> None:
    """The separate sample suite: fake x 3 dialects, emulator + adapters, cassette replay."""
    done = run_pytest(SAMPLE)
    assert done.returncode == 0, done.stdout + done.stderr
    assert outcome(done) == {"passed": 14}, done.stdout


def test_replay_without_a_cassette_fails_and_says_how_to_record(tmp_path: Path) -> None:
    suite = copy_sample(tmp_path, cassettes=False)
    done = run_pytest(suite)
    assert done.returncode == 1, done.stdout + done.stderr
    assert outcome(done) == {"failed": 3}, done.stdout
    assert "test_seal_and_open_replayed_tencent.yaml does not exist" in done.stdout
    assert "--unikms-record=none (the default) only replays" in done.stdout
    assert (
        "pytest --unikms-record=once "
        "'tests/test_orders_cassettes.py::test_seal_and_open_replayed[tencent]'" in done.stdout
    )
    assert not (suite / "tests" / "cassettes").exists()  # replay writes nothing


def test_a_request_the_cassette_lacks_fails_readably(tmp_path: Path) -> None:
    suite = copy_sample(tmp_path, cassettes=True)
    test_file = suite / "tests" / "test_orders_cassettes.py"
    text = test_file.read_text("utf-8")
    assert "quantity=6" in text
    test_file.write_text(text.replace("quantity=6", "quantity=7"), "utf-8")  # another plaintext
    done = run_pytest(suite)
    assert outcome(done) == {"failed": 3}, done.stdout + done.stderr
    assert "matched nothing left in cassette" in done.stdout
    for op in ("acs:Encrypt", "dkms:AdvanceEncrypt", "tc:Encrypt"):
        assert f"  {op} (POST /)" in done.stdout  # the path only: the query holds parameters
    # One explanation per failure. Count in the failure reports only: the short
    # summary repeats each message in full when pytest sees a CI environment.
    reports = done.stdout.split("short test summary info")[0]
    assert reports.count("differs in: unikms_payload") == 3
    assert "Plaintext: differs (values not shown)" in done.stdout
    assert "the request bodies differ" in done.stdout  # the gateway's protobuf body
    assert "pytest --unikms-record=all" in done.stdout


def test_record_once_then_replay(tmp_path: Path) -> None:
    """Recording against the emulator writes scrubbed cassettes with provenance; they replay."""
    suite = copy_sample(tmp_path, cassettes=False)
    done = run_pytest(suite, "--unikms-record=once")
    assert outcome(done) == {"passed": 3}, done.stdout + done.stderr
    written = sorted((suite / "tests" / "cassettes").glob("*.yaml"))
    assert [p.name for p in written] == [p.name for p in SAMPLE_CASSETTES]
    for path in written:
        assert_no_credentials(path)
        meta = load_cassette(path)["unikms"]
        assert meta["kind"] == "recorded"
        assert meta["test"].startswith("tests/test_orders_cassettes.py::")
        assert "--unikms-record=once" in meta["provenance"]["produced_by"]
        assert meta["provenance"]["packages"]["vcrpy"]
    done = run_pytest(suite)
    assert outcome(done) == {"passed": 3}, done.stdout + done.stderr


def assert_no_credentials(path: Path) -> None:
    text = path.read_text("utf-8")
    for secret in SECRETS:
        assert secret not in text, f"{secret!r} in {path}"
    for pattern in PATTERNS:
        assert not pattern.search(text), f"{pattern.pattern} in {path}"
    assert "<scrubbed>" in text


@pytest.mark.parametrize("path", SAMPLE_CASSETTES, ids=lambda p: p.stem)
def test_no_credential_in_the_sample_cassettes(path: Path) -> None:
    assert_no_credentials(path)
    doc = load_cassette(path)
    assert doc["unikms"]["provenance"]["produced_by"].startswith("unikms pytest plugin")
    assert any("<scrubbed>" in json.dumps(i["request"]) for i in doc["interactions"])


SEED = {
    "alibaba": {"keys": [{"id": "key-hzzsample0000000000001", "aliases": ["alias/seeded"]}]},
    "tencent": {
        "keys": [{"id": "7d1c4a2e-9b3f-11ef-8000-00756e696b99", "display_alias": "seeded"}]
    },
}

FEATURES_TEMPLATE = """
import json
import pytest
import unikms

SEED = json.loads(%r)


def test_fake_seed_dict_and_strict(unikms_fake, unikms_fake_cloud):
    classic = unikms_fake("alibaba-classic", seed=SEED)
    tencent = unikms_fake("tencent", seed=SEED, strict=True)  # the same seed: loaded once
    assert tencent.strict_portability and not classic.strict_portability
    assert classic.describe_key("alias/seeded").key_id == "key-hzzsample0000000000001"
    sealed = tencent.encrypt("alias/seeded", b"x").ciphertext
    assert tencent.decrypt(sealed).plaintext == b"x"
    assert len(unikms_fake_cloud.to_seed()["tencent"]["keys"]) == 1


def test_each_test_gets_a_fresh_fake(unikms_fake):
    assert unikms_fake("tencent").list_keys() == []


@pytest.mark.parametrize("round", [1, 2])
def test_the_emulator_is_reset_and_seeded_for_each_test(unikms_emulator_urls, round):
    with unikms.connect(unikms_emulator_urls["tencent"]) as kms:
        assert kms.list_aliases() == {"alias/seeded": "7d1c4a2e-9b3f-11ef-8000-00756e696b99"}
        kms.create_key(alias="alias/per-test")  # gone again in the next test


def test_the_emulator_session_has_no_proxy_variables(unikms_emulator):
    import os
    assert "HTTP_PROXY" not in os.environ and "https_proxy" not in os.environ


def test_cassette_in_the_configured_directory(unikms_cassette, unikms_cassette_urls):
    with unikms_cassette("custom name/1"):
        with unikms.connect(unikms_cassette_urls["alibaba-classic"]) as kms:
            kms.create_key(alias="alias/in-a-cassette")
"""
FEATURES = FEATURES_TEMPLATE % json.dumps(SEED)


def test_options_seed_and_cassette_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    suite = tmp_path / "features"
    suite.mkdir()
    (suite / "pytest.ini").write_text("[pytest]\n", "utf-8")
    (suite / "test_features.py").write_text(FEATURES, "utf-8")
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps(SEED), "utf-8")
    store = tmp_path / "store"
    args = (f"--unikms-emulator-seed={seed}", f"--unikms-cassette-dir={store}")
    with monkeypatch.context() as patch:
        patch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # the emulator fixture removes it
        done = run_pytest(suite, "--unikms-record=once", *args)
    assert outcome(done) == {"passed": 6}, done.stdout + done.stderr
    assert [p.name for p in store.iterdir()] == ["custom_name_1.yaml"]
    done = run_pytest(suite, *args, "-k", "cassette")
    assert outcome(done) == {"passed": 1}, done.stdout + done.stderr
    done = run_pytest(
        suite, "--unikms-emulator-seed=/nonexistent/seed.json", "-k", "reset_and_seeded"
    )
    assert "--unikms-emulator-seed: no file /nonexistent/seed.json" in done.stdout


PLAIN = """
import sys

HEAVY = ("vcr", "yaml", "uvicorn", "httptools", "uvloop", "tencentcloud",
         "alibabacloud_kms20160120", "alibabacloud_tea_openapi", "Tea", "darabonba",
         "requests", "google.protobuf", "unikms_adapters", "unikms.emulator", "unikms.fake",
         "unikms.contract")


def test_plain(pytestconfig):
    assert pytestconfig.pluginmanager.has_plugin("unikms")  # loaded through its entry point
    loaded = sorted(m for m in sys.modules if m.startswith(HEAVY))
    assert loaded == [], loaded
"""


def test_the_plugin_imports_nothing_heavy_in_a_suite_that_does_not_use_it(tmp_path: Path) -> None:
    suite = tmp_path / "plain"
    suite.mkdir()
    (suite / "pytest.ini").write_text("[pytest]\n", "utf-8")
    (suite / "test_plain.py").write_text(PLAIN, "utf-8")
    done = run_pytest(suite)
    assert outcome(done) == {"passed": 1}, done.stdout + done.stderr
    # and the options are there, in their own group
    done = run_pytest(suite, "--help")
    assert "--unikms-record={none,once,new_episodes,all}" in done.stdout
    assert "--unikms-cassette-dir=DIR" in done.stdout
    assert "--unikms-emulator-seed=FILE" in done.stdout


@pytest.mark.parametrize(
    ("blocked", "fixture", "extra"),
    [
        ("uvicorn", "unikms_cassette_urls", "emulator"),
        ("vcr", "unikms_cassette", "contract"),
        ("uvicorn", "unikms_emulator", "emulator"),
    ],
)
def test_a_fixture_without_its_extra_names_it(
    tmp_path: Path, blocked: str, fixture: str, extra: str
) -> None:
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "pytest.ini").write_text("[pytest]\n")
    (suite / "conftest.py").write_text(f"import sys\nsys.modules[{blocked!r}] = None\n")
    body = "    with " + fixture + "():\n        pass\n" if fixture == "unikms_cassette" else ""
    (suite / "test_it.py").write_text(f"def test_it({fixture}):\n    assert {fixture}\n{body}")
    done = run_pytest(suite)
    assert outcome(done).get("failed", 0) + outcome(done).get("error", 0) == 1, done.stdout
    assert f"pip install 'unikms[{extra}]'" in done.stdout
    assert f"missing module {blocked}" in done.stdout
    assert "ModuleNotFoundError" not in done.stdout and "Traceback" not in done.stdout
