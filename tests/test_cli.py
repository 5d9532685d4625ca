"""The ``unikms`` command, run as a user would: separate processes, pipes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from unikms.cli import main

UNIKMS = [sys.executable, "-m", "unikms.cli"]


def run(
    args: list[str], data: bytes = b"", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(UNIKMS + args, input=data, capture_output=True, check=False, env=env)


def test_round_trip_across_processes() -> None:
    """The README's main job: encrypt in one process, decrypt in another (demo seed)."""
    enc = run(["encrypt"], b"hello, kms\n")
    assert enc.returncode == 0, enc.stderr
    assert b"hello" not in enc.stdout
    dec = run(["decrypt"], enc.stdout)
    assert (dec.returncode, dec.stdout) == (0, b"hello, kms\n")


def test_binary_raw_and_context(tmp_path: Path) -> None:
    data = bytes(range(256)) * 4
    src, sealed = tmp_path / "in.bin", tmp_path / "sealed.bin"
    src.write_bytes(data)
    assert main(["encrypt", "--raw", "-c", "a=1", "-i", str(src), "-o", str(sealed)]) == 0
    dec = run(["decrypt", "--raw", "-c", "a=1", "-i", str(sealed)])
    assert dec.stdout == data
    wrong = run(["decrypt", "--raw", "-c", "a=2", "-i", str(sealed)])
    assert wrong.returncode == 1
    assert b"DecryptionFailedError" in wrong.stderr


def test_json_output_and_input() -> None:
    enc = run(["encrypt", "--json"], b"x")
    doc = json.loads(enc.stdout)
    assert doc["dialect"] == "alibaba-classic" and doc["key_version_id"]
    dec = run(["decrypt", "--json"], enc.stdout)
    assert json.loads(dec.stdout)["plaintext"] == "eA=="


@pytest.mark.parametrize("dialect", ["alibaba-instance", "tencent"])
def test_other_dialects_with_the_demo_seed(dialect: str) -> None:
    from unikms.cli import demo_seed_path

    url = f"fake://{dialect}?seed={demo_seed_path()}"
    enc = run(["encrypt", "--url", url], b"portable")
    assert enc.returncode == 0, enc.stderr
    assert run(["decrypt", "--url", url], enc.stdout).stdout == b"portable"


def test_errors_exit_1_without_plaintext() -> None:
    r = run(["encrypt", "-k", "alias/demo-disabled"], b"do-not-print-me")
    assert r.returncode == 1
    assert b"Rejected.Disabled" in r.stderr and b"do-not-print-me" not in r.stderr
    r = run(["decrypt"], b"not base64 !!")
    assert r.returncode != 0 and b"Base64" in r.stderr


def test_key_commands(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["key", "describe", "alias/demo"]) == 0
    assert json.loads(capsys.readouterr().out)["state"] == "Enabled"
    assert main(["key", "create", "--url", "fake://tencent", "--alias", "cli"]) == 0
    assert json.loads(capsys.readouterr().out)["aliases"] == ["alias/cli"]
    assert main(["key", "create", "--url", "fake://alibaba-instance", "--hsm"]) == 0
    assert json.loads(capsys.readouterr().out)["protection_level"] == "HSM"
    assert main(["key", "create", "--url", "fake://tencent", "--hsm"]) == 1  # Alibaba only
    assert "hsm" in capsys.readouterr().err
    assert main(["data-key", "-n", "16"]) == 0
    assert json.loads(capsys.readouterr().out)["plaintext"]
