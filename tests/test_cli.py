"""The ``unikms`` command, run as a user would: separate processes, pipes."""

from __future__ import annotations

import argparse
import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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


# -- the CLI's fake keeps its keys (docs/cli.md) ---------------------------------------------


def test_a_key_made_by_one_command_is_there_for_the_next(tmp_path: Path) -> None:
    state = tmp_path / "state" / "fake.json"
    env = {**os.environ, "UNIKMS_FAKE_STATE": str(state)}
    made = run(["key", "create", "--alias", "alias/app", "-q"], env=env)
    assert made.returncode == 0, made.stderr
    key_id = json.loads(made.stdout)["key_id"]
    enc = run(["encrypt", "-k", "alias/app", "-q"], b"kept", env=env)
    assert enc.returncode == 0, enc.stderr
    dec = run(["decrypt", "--json", "-q"], enc.stdout, env=env)
    assert json.loads(dec.stdout)["key_id"] == key_id
    assert stat.S_IMODE(state.stat().st_mode) == 0o600  # it holds key material
    assert stat.S_IMODE(state.parent.stat().st_mode) == 0o700
    # --fake-state moves it: another state has the demo keys only
    other = tmp_path / "other.json"
    r = run(["encrypt", "-q", "-k", "alias/app", "--fake-state", str(other)], b"x", env=env)
    assert r.returncode == 1 and r.stderr.count(b"\n") == 1
    assert str(other).encode() in r.stderr  # the error says where the fake's keys live
    assert run(["fake", "path", "--fake-state", str(other)], env=env).stdout == (
        f"{other}\n".encode()
    )


def test_reset_goes_back_to_the_demo_seed_or_to_nothing(tmp_path: Path) -> None:
    env = {**os.environ, "UNIKMS_FAKE_STATE": str(tmp_path / "s.json")}
    assert run(["key", "create", "--alias", "alias/gone", "-q"], env=env).returncode == 0
    assert run(["fake", "reset"], env=env).returncode == 0
    assert not (tmp_path / "s.json").exists()
    assert run(["key", "describe", "alias/gone", "-q"], env=env).returncode == 1
    assert run(["key", "describe", "alias/demo", "-q"], env=env).returncode == 0
    assert run(["fake", "reset", "--empty"], env=env).returncode == 0
    r = run(["key", "describe", "alias/demo", "-q"], env=env)
    assert r.returncode == 1 and b"KeyNotFoundError" in r.stderr


@pytest.mark.parametrize("dialect", ["alibaba-classic", "alibaba-instance", "tencent"])
def test_the_demo_seed_is_on_every_fake_dialect(dialect: str) -> None:
    enc = run(["encrypt", "--url", f"fake://{dialect}"], b"portable")
    assert enc.returncode == 0, enc.stderr
    assert enc.stderr == b""  # an explicit --url: no demo notice
    assert run(["decrypt", "--url", f"fake://{dialect}"], enc.stdout).stdout == b"portable"


def test_both_ends_of_a_pipe_share_the_state(tmp_path: Path) -> None:
    """``encrypt | decrypt`` at once, while a third process keeps creating keys."""
    env = {**os.environ, "UNIKMS_FAKE_STATE": str(tmp_path / "s.json")}
    makers = [
        subprocess.Popen(
            [*UNIKMS, "key", "create", "-q", "--alias", f"alias/k{n}"],
            env=env,
            stdout=subprocess.DEVNULL,
        )
        for n in range(4)
    ]
    enc = subprocess.Popen([*UNIKMS, "encrypt", "-q"], env=env, stdin=subprocess.PIPE,
                           stdout=subprocess.PIPE)  # fmt: skip
    dec = subprocess.Popen([*UNIKMS, "decrypt", "-q"], env=env, stdin=enc.stdout,
                           stdout=subprocess.PIPE)  # fmt: skip
    assert enc.stdin is not None and enc.stdout is not None
    enc.stdin.write(b"through both")
    enc.stdin.close()
    enc.stdout.close()
    out, _ = dec.communicate(timeout=60)
    assert (enc.wait(60), dec.returncode, out) == (0, 0, b"through both")
    assert [m.wait(60) for m in makers] == [0, 0, 0, 0]
    aliases = run(["key", "aliases", "-q"], env=env).stdout.decode()
    assert all(f"alias/k{n}\t" in aliases for n in range(4))  # no writer lost another's key


def test_an_in_memory_fake_url_says_its_keys_are_gone() -> None:
    url = "fake://tencent?region=ap-beijing"
    assert run(["key", "create", "--url", url, "--alias", "alias/once"]).returncode == 0
    r = run(["encrypt", "--url", url, "-k", "alias/once"], b"x")
    assert r.returncode == 1 and b"in memory only" in r.stderr
    assert r.stderr.count(b"\n") == 1


# -- the demo notice ------------------------------------------------------------------------


def test_the_default_fake_says_so_once_unless_quiet_or_json() -> None:
    env = {k: v for k, v in os.environ.items() if k != "UNIKMS_URL"}
    r = run(["encrypt"], b"x", env=env)
    assert r.returncode == 0 and r.stderr.count(b"demo fake") == 1
    assert r.stderr.count(b"\n") == 1
    seal = run(["seal", "-k", "alias/demo", "-k", "alias/demo-disabled"], b"x", env=env)
    assert seal.stderr.count(b"demo fake") == 1, seal.stderr  # two keys, one notice
    assert run(["encrypt", "-q"], b"x", env=env).stderr == b""
    assert run(["encrypt", "--json"], b"x", env=env).stderr == b""
    env["UNIKMS_URL"] = "fake://tencent"
    assert run(["encrypt"], b"x", env=env).stderr == b""


# -- conventions ----------------------------------------------------------------------------


def test_version() -> None:
    import unikms

    r = run(["--version"])
    assert (r.returncode, r.stdout) == (0, f"unikms {unikms.__version__}\n".encode())


def _parsers(parser: argparse.ArgumentParser, name: str) -> Iterator[tuple[str, Any]]:
    yield name, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub_name, sub in action.choices.items():
                yield from _parsers(sub, f"{name} {sub_name}")


def test_every_option_has_help_and_shows_its_default() -> None:
    from unikms.cli import _parser

    seen = 0
    for name, parser in _parsers(_parser(), "unikms"):
        assert "_" not in name, f"{name}: subcommands are spelled with hyphens"
        text = parser.format_help()
        for action in parser._actions:
            if not action.option_strings or action.help == argparse.SUPPRESS:
                continue
            seen += 1
            assert action.help, f"{name} {action.option_strings[0]} has no help"
            if action.default not in (None, False, [], argparse.SUPPRESS):
                flat = " ".join(text.split())
                assert f"default: {action.default}" in flat, (name, action.option_strings)
    assert seen > 100


@pytest.mark.parametrize(
    "argv",
    [
        ["encrypt", "-c", "no-equals-sign"],
        ["seal", "-k", "fake://tencent"],
        ["seal", "--raw-key", "nofile"],
        ["rewrap", "--url", "fake://tencent", "--url", "fake://alibaba-classic", "--add", "k"],
        ["encrypt", "--no-such-option"],
        ["key", "schedule-deletion", "alias/demo", "--days", "soon"],
    ],
)
def test_usage_errors_exit_2_with_one_line(argv: list[str]) -> None:
    r = run(argv, b"")
    assert r.returncode == 2, r.stderr
    assert b"Traceback" not in r.stderr


def test_aliases_deletion_and_cancel_deletion(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["key", "create", "-q"]) == 0
    key_id = json.loads(capsys.readouterr().out)["key_id"]
    assert main(["key", "create-alias", "alias/second", key_id, "-q"]) == 0
    assert main(["key", "describe", "alias/second", "-q"]) == 0
    assert json.loads(capsys.readouterr().out)["key_id"] == key_id
    assert main(["key", "schedule-deletion", "alias/second", "--days", "7", "-q"]) == 0
    assert "PendingDeletion" in capsys.readouterr().out
    assert main(["key", "cancel-deletion", key_id, "-q"]) == 0
    assert main(["key", "describe", key_id, "-q"]) == 0  # the state kept all of it
    assert json.loads(capsys.readouterr().out)["state"] != "PendingDeletion"
    with pytest.raises(SystemExit) as err:
        main(["key", "cancel_deletion", key_id])
    assert err.value.code == 2


def test_import_unikms_reaches_aio() -> None:
    code = "import unikms; print(unikms.aio.AsyncKmsClient.__name__)"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, check=False)
    assert (r.returncode, r.stdout) == (0, b"AsyncKmsClient\n"), r.stderr


# -- one line naming the missing extra ---------------------------------------------------------

_WITHOUT = "import sys\nfor m in {mods!r}: sys.modules[m] = None\nfrom unikms.cli import main\n"


def run_without(modules: list[str], args: list[str]) -> subprocess.CompletedProcess[bytes]:
    code = _WITHOUT.format(mods=modules) + f"raise SystemExit(main({args!r}))"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, check=False)


@pytest.mark.parametrize(
    ("modules", "args", "extra"),
    [
        (["vcr"], ["record", "--out", "unused"], "contract"),
        (["uvicorn"], ["record", "--out", "unused"], "emulator"),
        (["uvicorn"], ["serve", "--port", "0"], "emulator"),
    ],
)
def test_a_missing_extra_is_one_line_naming_it(
    modules: list[str], args: list[str], extra: str
) -> None:
    r = run_without(modules, args)
    assert r.returncode == 2
    assert r.stderr.count(b"\n") == 1 and b"Traceback" not in r.stderr
    assert f"pip install 'unikms[{extra}]'".encode() in r.stderr
    assert modules[0].encode() in r.stderr


def test_sign_verify_and_public_key_across_processes(tmp_path: Path) -> None:
    """``unikms sign``, ``unikms verify`` and ``unikms public-key``: a signature made by
    one process verifies in another, and with ``cryptography`` and the PEM alone."""
    import base64
    import hashlib

    from cryptography.hazmat.primitives import serialization

    from unikms.asymmetric import verify_locally

    made = run(["key", "create", "--spec", "EC_P256", "--usage", "SIGN/VERIFY", "-q"])
    assert made.returncode == 0, made.stderr
    info = json.loads(made.stdout)
    assert info["usage"] == "SIGN/VERIFY"
    key = info["key_id"]
    signed = run(["sign", "-k", key, "-a", "ECDSA_SHA_256", "-q", "--json"], b"release 1.4")
    assert signed.returncode == 0, signed.stderr
    doc = json.loads(signed.stdout)
    assert doc["key_version_id"] and doc["algorithm"] == "ECDSA_SHA_256"
    verify = ["verify", "-k", key, "-a", "ECDSA_SHA_256", "-s", doc["signature"]]
    ok = run(verify, b"release 1.4")
    assert (ok.returncode, ok.stdout) == (0, b"verified\n"), ok.stderr
    bad = run(verify, b"release 1.5")
    assert bad.returncode == 1
    assert b"does not verify" in bad.stderr
    sig_file = tmp_path / "sig.json"
    sig_file.write_bytes(signed.stdout)  # sign's --json is taken as a signature too
    assert run([*verify[:5], "--signature-file", str(sig_file)], b"release 1.4").returncode == 0
    pem = run(["public-key", "-k", key, "-q"])
    assert pem.stdout.startswith(b"-----BEGIN PUBLIC KEY-----")
    der = serialization.load_pem_public_key(pem.stdout).public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signature = base64.b64decode(doc["signature"])
    assert verify_locally(der, signature, b"release 1.4", "ECDSA_SHA_256")
    digest = hashlib.sha256(b"release 1.4").hexdigest().encode()
    by_digest = run(["sign", "-k", key, "-a", "ECDSA_SHA_256", "--digest", "-q"], digest)
    assert by_digest.returncode == 0, by_digest.stderr
    assert (
        run(
            ["verify", "-k", key, "-a", "ECDSA_SHA_256", "-s", by_digest.stdout.decode()],
            b"release 1.4",
        ).returncode
        == 0
    )
    wrong = run(["sign", "-k", key, "-a", "RSA_PSS_SHA_256", "-q"], b"x")
    assert wrong.returncode == 1
    assert b"InvalidRequestError" in wrong.stderr
