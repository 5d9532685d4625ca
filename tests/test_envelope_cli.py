"""``unikms seal``, ``open`` and ``inspect``, run as a user would: processes, pipes, files."""

from __future__ import annotations

import base64
import io
import json
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from unikms.cli import demo_seed_path, main
from unikms.envelope import progress as envprogress

UNIKMS = [sys.executable, "-m", "unikms.cli"]
SEED = demo_seed_path()
ALI = f"fake://alibaba-classic?seed={SEED}"
TEN = f"fake://tencent?seed={SEED}"


def run(args: list[str], data: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if k != "UNIKMS_URL"}
    return subprocess.run(UNIKMS + args, input=data, capture_output=True, check=False, env=env)


@pytest.fixture
def data() -> bytes:
    return os.urandom(300_000)


def test_pipe_round_trip_with_the_demo_key(data: bytes) -> None:
    sealed = run(["seal"], data)
    assert sealed.returncode == 0, sealed.stderr
    assert sealed.stdout[:4] == b"UKEV" and data[:64] not in sealed.stdout
    # no progress bar when stderr is not a terminal; one line says the demo fake is in use
    assert sealed.stderr.count(b"\n") == 1 and b"demo fake" in sealed.stderr
    opened = run(["open", "-q"], sealed.stdout)
    assert (opened.returncode, opened.stdout, opened.stderr) == (0, data, b"")


def test_files_context_and_frame_size(tmp_path: Path, data: bytes) -> None:
    src, sealed, out = tmp_path / "in.bin", tmp_path / "in.ukev", tmp_path / "out.bin"
    src.write_bytes(data)
    args = ["seal", "-i", str(src), "-o", str(sealed), "-c", "app=db", "--frame-size", "4096"]
    assert main(args) == 0
    assert main(["open", "-i", str(sealed), "-o", str(out), "-c", "app=db"]) == 0
    assert out.read_bytes() == data
    doc = json.loads(run(["inspect", "-i", str(sealed)]).stdout)
    assert doc["frame_size"] == 4096 and doc["context"] == {"app": "db"}
    assert doc["authenticated"] is False
    assert doc["wrapped_keys"][0]["key_id"] == "key-hzzunikmsdemo00000001"


def test_wrong_context_writes_nothing(tmp_path: Path, data: bytes) -> None:
    sealed, out = tmp_path / "in.ukev", tmp_path / "out.bin"
    sealed.write_bytes(run(["seal", "-c", "app=db"], data).stdout)
    r = run(["open", "-i", str(sealed), "-o", str(out), "-c", "app=web"])
    assert r.returncode == 1
    assert b"ContextMismatchError" in r.stderr and b"app" in r.stderr
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["in.ukev"]
    r = run(["open", "-i", str(sealed)])
    assert r.returncode == 1 and r.stdout == b"" and b"missing app" in r.stderr


def test_multi_cloud_keys_open_with_either_cloud(data: bytes) -> None:
    sealed = run(["seal", "-k", f"{ALI}#alias/demo", "-k", f"{TEN}#alias/demo", "-c", "dr=1"], data)
    assert sealed.returncode == 0, sealed.stderr
    providers = [w["provider"] for w in json.loads(run(["inspect"], sealed.stdout).stdout)[
        "wrapped_keys"
    ]]  # fmt: skip
    assert providers == ["alibaba-classic", "tencent"]
    for url in (ALI, TEN):
        r = run(["open", "--url", url, "-c", "dr=1"], sealed.stdout)
        assert (r.returncode, r.stdout) == (0, data), r.stderr
    # a Tencent account without that key, then the right one: the second opens
    other = "fake://tencent?account=100000000002"
    r = run(["open", "--url", other, "--url", TEN, "-c", "dr=1"], sealed.stdout)
    assert (r.returncode, r.stdout) == (0, data)
    r = run(["open", "--url", other, "-c", "dr=1"], sealed.stdout)
    assert r.returncode == 1 and b"NoUsableKeyError" in r.stderr


def test_bare_keys_use_url(data: bytes) -> None:
    sealed = run(["seal", "--url", TEN, "-k", "alias/demo"], data)
    assert sealed.returncode == 0, sealed.stderr
    assert run(["open", "--url", TEN], sealed.stdout).stdout == data
    r = run(["open", "--url", ALI], sealed.stdout)
    assert r.returncode == 1 and b"tencent" in r.stderr


@pytest.mark.parametrize("form", ["raw", "hex", "base64"])
def test_raw_keys(tmp_path: Path, data: bytes, form: str) -> None:
    key = os.urandom(32)
    path = tmp_path / "k"
    text = {"raw": key, "hex": key.hex().encode() + b"\n", "base64": base64.b64encode(key)}[form]
    path.write_bytes(text)
    sealed = run(["seal", "--raw-key", f"offline={path}"], data)
    assert sealed.returncode == 0, sealed.stderr
    assert run(["open", "--raw-key", f"offline={path}"], sealed.stdout).stdout == data
    other = tmp_path / "other"
    other.write_bytes(os.urandom(32))
    r = run(["open", "--raw-key", f"offline={other}"], sealed.stdout)
    assert r.returncode == 1 and b"NoUsableKeyError" in r.stderr


def test_raw_key_beside_a_kms_key(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "k"
    path.write_bytes(os.urandom(32))
    sealed = run(["seal", "-k", f"{TEN}#alias/demo", "--raw-key", f"bg={path}"], data)
    assert run(["open", "--url", TEN], sealed.stdout).stdout == data
    assert run(["open", "--raw-key", f"bg={path}"], sealed.stdout).stdout == data


def test_bad_raw_key_and_key_specs(tmp_path: Path) -> None:
    short = tmp_path / "short"
    short.write_bytes(b"too short")
    r = run(["seal", "--raw-key", f"k={short}"], b"x")
    assert r.returncode != 0 and b"32-byte" in r.stderr
    r = run(["seal", "--raw-key", "no-equals-sign"], b"x")
    assert r.returncode != 0 and b"NAME=FILE" in r.stderr
    r = run(["seal", "-k", "fake://tencent"], b"x")
    assert r.returncode != 0 and b"URL#KEY" in r.stderr
    r = run(["seal", "-k", f"{TEN}#"], b"x")
    assert r.returncode != 0 and b"names no key" in r.stderr
    r = run(["seal", "--frame-size", "0"], b"x")
    assert r.returncode == 2


def tampered(data: bytes) -> bytes:
    sealed = bytearray(run(["seal", "--frame-size", "1024"], data).stdout)
    sealed[-100] ^= 1  # inside the last frame
    return bytes(sealed)


def test_streamed_open_reports_what_was_already_written(data: bytes) -> None:
    bad = tampered(data)
    r = run(["open"], bad)
    assert r.returncode == 1
    assert b"FrameAuthenticationError" in r.stderr
    frames = len(data) // 1024
    assert f"{frames} authenticated frames".encode() in r.stderr
    assert b"incomplete" in r.stderr
    assert r.stdout == data[: frames * 1024]  # authenticated frames only, in order


def test_all_or_nothing(tmp_path: Path, data: bytes) -> None:
    bad = tampered(data)
    r = run(["open", "--all-or-nothing"], bad)
    assert (r.returncode, r.stdout) == (1, b"")
    assert b"incomplete" not in r.stderr
    out = tmp_path / "out"
    r = run(["open", "-o", str(out)], bad)
    assert r.returncode == 1 and not out.exists() and list(tmp_path.iterdir()) == []
    good = run(["seal"], data).stdout
    assert run(["open", "--all-or-nothing"], good).stdout == data


@pytest.mark.parametrize(
    "argv", [["seal"], ["encrypt", "--raw"], ["seal", "-o", "-"], ["encrypt", "--raw", "-o", "-"]]
)
def test_binary_output_refuses_a_terminal(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    class Tty(io.BytesIO):
        def isatty(self) -> bool:
            return True

    class Out:
        buffer = Tty()

        def isatty(self) -> bool:
            return True

    out = Out()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stdin", type("In", (), {"buffer": io.BytesIO(b"x")})())
    assert main([*argv, "-q"]) == 1
    assert out.buffer.getvalue() == b""
    err = capsys.readouterr().err
    assert "terminal" in err and err.count("\n") == 1


def test_progress_bar_on_a_terminal(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(envprogress, "PROGRESS_DELAY", 0.0)
    src, sealed = tmp_path / "in", tmp_path / "out"
    src.write_bytes(os.urandom(2_000_000))
    err = io.StringIO()
    err.isatty = lambda: True  # type: ignore[method-assign]
    monkeypatch.setattr(sys, "stderr", err)
    assert main(["seal", "-i", str(src), "-o", str(sealed), "--frame-size", "1024"]) == 0
    assert "seal 100% [########################] 2.0/2.0 MB" in err.getvalue()
    assert err.getvalue().endswith("\n")
    err.truncate(0)
    err.seek(0)
    assert main(["open", "-i", str(sealed), "-o", str(tmp_path / "o"), "-q"]) == 0
    assert err.getvalue() == ""
    assert main(["open", "-i", str(sealed), "-o", str(tmp_path / "o")]) == 0
    assert "open 100%" in err.getvalue()


def test_progress_bar_draws_rarely_and_late() -> None:
    now = [0.0]
    out = io.StringIO()
    bar = envprogress.ProgressBar("seal", 1000, out, delay=1.0, clock=lambda: now[0])
    bar(100)
    assert out.getvalue() == ""  # quick work: nothing
    now[0] = 1.5
    bar(400)
    assert "50%" in out.getvalue() and "0.0/0.0 MB" in out.getvalue()
    drawn = out.getvalue()
    now[0] = 1.55
    bar(100)
    assert out.getvalue() == drawn  # at most every 0.1 s
    now[0] = 2.0
    bar(400)
    bar.close()
    assert out.getvalue().endswith("\n") and "100%" in out.getvalue()
    unknown = io.StringIO()
    bar = envprogress.ProgressBar("open", None, unknown, delay=0, clock=lambda: now[0])
    now[0] = 3.0
    bar(5_000_000)
    assert "open 5.0 MB" in unknown.getvalue()
    silent = io.StringIO()
    envprogress.ProgressBar("x", 10, silent).close()
    assert silent.getvalue() == ""


def test_open_limits_wrapped_keys_and_which_kms_keys_it_uses(tmp_path: Path) -> None:
    data = os.urandom(1000)
    sealed = run(["seal"], data).stdout
    r = run(["open", "--allow-key", "key-of-someone-else"], sealed)
    assert r.returncode == 1 and b"not in allowed_keys" in r.stderr
    r = run(["open", "--allow-key", "key-hzzunikmsdemo00000001"], sealed)
    assert (r.returncode, r.stdout) == (0, data), r.stderr
    specs = []
    for i in range(17):
        path = tmp_path / f"k{i}"
        path.write_bytes(os.urandom(32))
        specs += ["--raw-key", f"k{i}={path}"]
    many = run(["seal", *specs], data).stdout
    r = run(["open", *specs[-2:]], many)
    assert r.returncode == 1 and b"TooManyWrappedKeysError" in r.stderr
    r = run(["open", *specs[-2:], "--max-wrapped-keys", "17"], many)
    assert (r.returncode, r.stdout) == (0, data), r.stderr
    assert run(["open", "--max-wrapped-keys", "0"], sealed).returncode == 2
    assert run(["open", "--max-wrapped-keys", "256"], sealed).returncode == 2


# -- -o PATH: what is at PATH decides (docs/cli.md, Output paths) ------------------------------


@pytest.mark.skipif(os.geteuid() != 0, reason="only root could replace /dev/null")
@pytest.mark.parametrize("command", [["seal"], ["encrypt", "--raw"], ["encrypt"]])
def test_dev_null_stays_a_device(command: list[str]) -> None:
    r = run([*command, "-q", "-o", "/dev/null"], b"x")
    assert r.returncode == 0, r.stderr
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


@pytest.mark.parametrize("command", [["seal"], ["encrypt"]])
def test_a_symlink_is_followed_and_stays(tmp_path: Path, command: list[str]) -> None:
    (tmp_path / "real").write_bytes(b"old")
    (tmp_path / "real").chmod(0o640)
    (tmp_path / "link").symlink_to("real")
    assert run([*command, "-q", "-o", str(tmp_path / "link")], b"x").returncode == 0
    assert (tmp_path / "link").is_symlink()
    assert (tmp_path / "real").read_bytes() != b"old"
    assert stat.S_IMODE((tmp_path / "real").stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link", "real"]


def test_a_fifo_gets_the_message_and_stays_a_fifo(tmp_path: Path, data: bytes) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    r = run(["seal", "-q", "-o", str(fifo)], data)
    reader.join(30)
    assert r.returncode == 0, r.stderr
    assert stat.S_ISFIFO(fifo.stat().st_mode) and sorted(os.listdir(tmp_path)) == ["fifo"]
    assert run(["open", "-q"], got[0]).stdout == data


@pytest.mark.parametrize("command", [["seal"], ["encrypt"], ["data-key"]])
def test_dev_fd_of_a_pipe(command: list[str]) -> None:
    """As ``-o >(wc -c)`` passes it: /dev/fd/N of a pipe the shell opened."""
    r_fd, w_fd = os.pipe()
    env = {k: v for k, v in os.environ.items() if k != "UNIKMS_URL"}
    try:
        proc = subprocess.run(
            [*UNIKMS, *command, "-q", "-o", f"/dev/fd/{w_fd}"],
            input=b"through fd",
            capture_output=True,
            pass_fds=[w_fd],
            env=env,
            check=False,
        )
        os.close(w_fd)
        w_fd = -1
        with os.fdopen(r_fd, "rb") as fh:
            r_fd = -1
            written = fh.read()
    finally:
        for fd in (r_fd, w_fd):
            if fd >= 0:
                os.close(fd)
    assert proc.returncode == 0, proc.stderr
    assert len(written) > 10 and b"through fd" not in written


def test_a_failed_open_leaves_the_old_file_and_no_part(tmp_path: Path, data: bytes) -> None:
    sealed, out = tmp_path / "m.ukev", tmp_path / "out"
    sealed.write_bytes(run(["seal", "-q", "-c", "a=1"], data).stdout)
    out.write_bytes(b"precious")
    r = run(["open", "-q", "-c", "a=2", "-i", str(sealed), "-o", str(out)])
    assert r.returncode == 1 and out.read_bytes() == b"precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.ukev", "out"]


def test_a_directory_is_one_line(tmp_path: Path) -> None:
    r = run(["seal", "-q", "-o", str(tmp_path)], b"x")
    assert r.returncode == 1 and b"is a directory" in r.stderr and r.stderr.count(b"\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_inspect_of_what_is_not_a_message_is_one_line(tmp_path: Path) -> None:
    for blob in (b"hi\n", b"x" * 5000):
        r = run(["inspect"], blob)
        assert r.returncode == 1 and b"Traceback" not in r.stderr
        assert r.stderr.count(b"\n") == 1 and b"unikms: " in r.stderr


def test_rewrap_refuses_a_key_the_message_carries(tmp_path: Path, data: bytes) -> None:
    sealed = run(["seal", "-q", "-c", "a=1"], data).stdout
    r = run(["rewrap", "-q", "-c", "a=1", "--add", "alias/demo"], sealed)
    assert r.returncode == 1 and r.stdout == b""
    assert b"already" in r.stderr and r.stderr.count(b"\n") == 1


def test_sigterm_mid_write_leaves_the_old_file_and_no_part(tmp_path: Path) -> None:
    out = tmp_path / "out.ukev"
    out.write_bytes(b"precious")
    env = {k: v for k, v in os.environ.items() if k != "UNIKMS_URL"}
    proc = subprocess.Popen(
        [*UNIKMS, "seal", "-q", "-o", str(out)],
        stdin=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert proc.stdin is not None
    proc.stdin.write(os.urandom(1 << 20))  # more frames follow: the temporary file is open
    proc.stdin.flush()
    deadline = time.monotonic() + 30
    while not any(p.name.endswith(".part") for p in tmp_path.iterdir()):
        assert time.monotonic() < deadline, "no temporary file appeared"
        time.sleep(0.02)
    proc.send_signal(signal.SIGTERM)
    proc.stdin.close()
    assert proc.wait(30) == 128 + signal.SIGTERM
    assert out.read_bytes() == b"precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.ukev"]
