"""Contract tests: replay every recorded cassette, and hold the fake to it.

For each cassette in ``cassettes/emulator/<dialect>/``: replay the scenario
through its adapter with no network at all, check the adapter sees what was
recorded, then run the same scenario on the fake and compare: any divergence
(error codes, fields, formats, version reporting) fails with a diff.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import unikms
from unikms.contract import diff_transcripts, run_scenario
from unikms.contract.cassettes import load_cassette, replay_scenario
from unikms.contract.scenarios import PUBLIC_PLAINTEXTS
from unikms.dialects.alibaba.package import DEFAULT_ACCESS_KEY_ID as DEFAULT_ALIBABA_ACCESS_KEY_ID
from unikms.dialects.alibaba.package import (
    DEFAULT_ACCESS_KEY_SECRET as DEFAULT_ALIBABA_ACCESS_KEY_SECRET,
)
from unikms.dialects.tencent.package import DEFAULT_SECRET_ID as DEFAULT_TENCENT_SECRET_ID
from unikms.dialects.tencent.package import DEFAULT_SECRET_KEY as DEFAULT_TENCENT_SECRET_KEY
from unikms.fake import FakeCloud
from unikms.types import Dialect

ROOT = Path(__file__).resolve().parent.parent / "cassettes"
RECORDED = sorted((ROOT / "emulator").glob("*/*.yaml"))
ALL_CASSETTES = sorted(ROOT.glob("**/*.yaml"))


def replay(path: Path, urls: dict[Dialect, str]) -> list[dict[str, object]]:
    dialect = Dialect(load_cassette(path)["unikms"]["dialect"])
    return replay_scenario(
        path,
        lambda: unikms.connect(urls[dialect]),
        advance_clock=_admin_clock,
    ).to_json()


def _admin_clock(days: float) -> None:
    from unikms.contract.targets import admin_post

    admin_post("127.0.0.1:9", "/_unikms/clock", {"advance_days": days})


def on_the_fake(path: Path) -> list[dict[str, object]]:
    meta = load_cassette(path)["unikms"]
    cloud = FakeCloud()
    kms = unikms.KmsClient(cloud.service(Dialect(meta["dialect"])))
    return run_scenario(
        meta["scenario"], kms, advance_clock=lambda days: cloud.clock.advance(days=days)
    ).to_json()


def test_every_scenario_and_dialect_is_recorded() -> None:
    from unikms.contract.scenarios import SCENARIOS

    expected = {(d.value, name) for name, s in SCENARIOS.items() for d in Dialect if s.runs_on(d)}
    recorded = {(p.parent.name, p.stem) for p in RECORDED}
    assert recorded == expected


@pytest.mark.parametrize("path", RECORDED, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_replay_matches_the_recording_and_the_fake(
    path: Path, replay_urls: dict[Dialect, str], no_network: None
) -> None:
    recorded = load_cassette(path)["unikms"]["transcript"]
    replayed = replay(path, replay_urls)
    diff = diff_transcripts(recorded, replayed, names=("recorded", "replayed through the adapter"))
    assert not diff, f"the adapter reads {path.name} differently:\n{diff}"
    fake = on_the_fake(path)
    diff = diff_transcripts(replayed, fake, names=("recording", "fake"))
    assert not diff, f"the fake diverges from {path.parent.name}/{path.name}:\n{diff}"


def test_a_divergence_is_caught(tmp_path: Path, replay_urls: dict[Dialect, str]) -> None:
    """Alter a recorded answer on purpose: the comparison with the fake must fail, readably."""
    source = ROOT / "emulator" / "tencent" / "key_states.yaml"
    altered = tmp_path / "key_states.yaml"
    text = source.read_text("utf-8")
    assert "ResourceUnavailable.CmkDisabled" in text
    altered.write_text(
        text.replace("ResourceUnavailable.CmkDisabled", "ResourceUnavailable.CmkFrozen")
    )
    diff = diff_transcripts(
        replay(altered, replay_urls), on_the_fake(altered), names=("recording", "fake")
    )
    assert "-" in diff and "ResourceUnavailable.CmkFrozen" in diff
    assert "ResourceUnavailable.CmkDisabled" in diff
    # and the same for a format difference: a recorded ciphertext one byte longer
    source = ROOT / "emulator" / "alibaba-classic" / "round_trip.yaml"
    doc = load_cassette(source)
    import base64
    import json

    import yaml

    # the last Encrypt answer: no later request carries that ciphertext, so replay still matches
    for interaction in reversed(doc["interactions"]):
        body = interaction["response"]["body"]["string"]
        if '"CiphertextBlob"' in body:
            answer = json.loads(body)
            raw = base64.b64decode(answer["CiphertextBlob"]) + b"\x00"
            answer["CiphertextBlob"] = base64.b64encode(raw).decode()
            interaction["response"]["body"]["string"] = json.dumps(answer)
            break
    longer = tmp_path / "round_trip.yaml"
    longer.write_text(yaml.safe_dump(doc), "utf-8")
    diff = diff_transcripts(
        replay(longer, replay_urls), on_the_fake(longer), names=("recording", "fake")
    )
    assert '"length"' in diff


SECRETS = [
    DEFAULT_ALIBABA_ACCESS_KEY_ID,
    DEFAULT_ALIBABA_ACCESS_KEY_SECRET,
    DEFAULT_TENCENT_SECRET_ID,
    DEFAULT_TENCENT_SECRET_KEY,
]
PATTERNS = [
    re.compile(r"TC3-HMAC-SHA256 Credential="),
    re.compile(r"ACS[34]-[A-Z0-9-]+ Credential="),
    re.compile(r"Bearer [A-Za-z0-9+/=]{20,}"),
    re.compile(r"KAAP\.[0-9a-f-]{8,}"),
    re.compile(r"LTAI[0-9A-Za-z]{12,}"),
    re.compile(r"AKID[0-9A-Za-z]{16,}"),
    re.compile(r"Signature=[A-Za-z0-9%+/=]{12,}"),
]


@pytest.mark.parametrize("path", ALL_CASSETTES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_credential_or_secret_in_any_cassette(path: Path) -> None:
    text = path.read_text("utf-8")
    for secret in SECRETS:
        assert secret not in text, f"{secret!r} in {path}"
    for pattern in PATTERNS:
        assert not pattern.search(text), f"{pattern.pattern} in {path}"
    doc = load_cassette(path)
    public = {p.decode() for p in PUBLIC_PLAINTEXTS} | {
        __import__("base64").b64encode(p).decode() for p in PUBLIC_PLAINTEXTS
    }
    for interaction in doc["interactions"]:
        uri = interaction["request"]["uri"]
        if "Plaintext=" in uri:
            from urllib.parse import parse_qs, urlsplit

            for value in parse_qs(urlsplit(uri).query).get("Plaintext", []):
                assert value in public, f"a non-public plaintext is sent in {path}"


def test_the_record_command(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "unikms.cli",
            "record",
            "--out",
            str(tmp_path),
            "--scenario",
            "round_trip",
            "--scenario",
            "data_key",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.glob("*/*.yaml"))
    assert written == [f"{d.value}/{s}.yaml" for d in Dialect for s in ("data_key", "round_trip")]
    meta = load_cassette(tmp_path / "tencent" / "data_key.yaml")["unikms"]
    assert meta["kind"] == "recorded" and meta["provenance"]["packages"]["unikms"]
    assert "emulator" in meta["provenance"]["target"]
    # data keys never reach a cassette: the recorded one differs from what the client saw
    steps = {s["step"]: s["outcome"] for s in meta["transcript"]}
    assert steps["decrypt_data_key"]["plaintext"] == {"length": 32, "secret": True}
    assert steps["data_key_matches"] is True


def test_the_cassettes_can_be_copied_and_replayed(
    tmp_path: Path, replay_urls: dict[Dialect, str]
) -> None:
    """A cassette is self-contained: copied elsewhere it replays the same."""
    source = ROOT / "emulator" / "alibaba-instance" / "rotation.yaml"
    copy = tmp_path / "rotation.yaml"
    shutil.copy(source, copy)
    assert replay(copy, replay_urls) == load_cassette(source)["unikms"]["transcript"]


def test_recording_twice_against_an_account_that_is_never_reset(
    tmp_path: Path, replay_urls: dict[Dialect, str]
) -> None:
    """What a real account looks like: no reset between recordings. Aliases get a per-recording
    tag and the keys are cleaned up afterwards, so the second recording is as good as the first."""
    from unikms.contract.cassettes import record_scenarios
    from unikms.contract.targets import emulator_urls
    from unikms.emulator import Emulator

    with Emulator() as emu:
        assert emu.client_key is not None
        url = emulator_urls(emu.endpoint, str(emu.client_key.path), emu.client_key.password)[
            Dialect.TENCENT
        ]
        for run in ("first", "second"):
            written = record_scenarios(
                lambda: unikms.connect(url),
                tmp_path / run,
                target="an account",
                scenarios=["aliases", "round_trip"],
            )
            assert len(written) == 2
            for path in written:
                meta = load_cassette(path)["unikms"]
                assert meta["tag"]
                diff = diff_transcripts(
                    replay(path, replay_urls), on_the_fake(path), names=("recording", "fake")
                )
                assert not diff, diff
        kms = unikms.connect(url)
        states = {kms.describe_key(k).state for k in kms.list_keys()}
        assert states <= {unikms.KeyState.DISABLED}  # ListKeys leaves PendingDelete keys out
