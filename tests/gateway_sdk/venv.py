"""The isolated virtualenv of the official ``alibabacloud-dkms-gcs`` SDK.

The SDK cannot live in the project's environment (it pins ``pyopenssl<23.3``, so
``cryptography<42``, and ``protobuf<4``, and installs top-level packages named
``sdk``, ``openapi`` and ``openapi_util``), so it gets a virtualenv of its own,
built once and cached under ``~/.cache/unikms/dkms-gcs-venv-<hash>`` (keyed by
the requirement list and the Python version; ``UNIKMS_DKMS_GCS_VENV`` names
another directory). pip resolves the SDK's own pins there. The tests and
``bench/emulator_bench.py`` share it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path


class VenvBuildError(RuntimeError):
    """The SDK's virtualenv could not be built; the message carries pip's output."""


REQUIREMENTS = ("alibabacloud-dkms-gcs==1.0.2",)
#: the environment as it was at import, before conftest drops the proxies: pip may need them
_PIP_ENV = dict(os.environ)
DRIVER = Path(__file__).parent / "driver.py"
_READY = ".unikms-ready"


# -- the SDK's virtualenv ---------------------------------------------------------------
def venv_dir() -> Path:
    override = os.environ.get("UNIKMS_DKMS_GCS_VENV")
    if override:
        return Path(override)
    key = hashlib.sha256(
        json.dumps([REQUIREMENTS, list(sys.version_info[:2])]).encode()
    ).hexdigest()[:12]
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "unikms" / f"dkms-gcs-venv-{key}"


def python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


@contextlib.contextmanager
def _lock(path: Path) -> Iterator[None]:
    """One builder at a time (parallel test runs share the cache)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as fh:
        try:
            import fcntl
        except ImportError:  # no flock here: build without the lock
            yield
            return
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _run(cmd: list[str], step: str, timeout: float) -> str:
    try:
        done = subprocess.run(
            cmd, capture_output=True, text=True, env=_PIP_ENV, timeout=timeout, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise VenvBuildError(f"building the dkms-gcs SDK venv: {step} failed: {exc}") from exc
    if done.returncode != 0:
        raise VenvBuildError(
            f"building the dkms-gcs SDK venv: {step} failed (exit {done.returncode}).\n"
            f"command: {' '.join(cmd)}\n--- stdout ---\n{done.stdout[-3000:]}\n"
            f"--- stderr ---\n{done.stderr[-3000:]}"
        )
    return done.stdout


def ensure() -> Path:
    """The SDK's venv, built (pip resolving the SDK's own pins) if not cached."""
    venv = venv_dir()
    with _lock(venv.with_name(venv.name + ".lock")):
        if (venv / _READY).exists() and python(venv).exists():
            return venv
        shutil.rmtree(venv, ignore_errors=True)
        _run([sys.executable, "-m", "venv", str(venv)], "python -m venv", 300)
        interpreter = str(python(venv))
        _run(
            [interpreter, "-m", "pip", "install", "--disable-pip-version-check", *REQUIREMENTS],
            "pip install " + " ".join(REQUIREMENTS),
            900,
        )
        _run(
            [interpreter, "-c", "import sdk.client, openapi.models; from OpenSSL.crypto import *"],
            "importing the SDK",
            120,
        )
        freeze = _run([interpreter, "-m", "pip", "freeze"], "pip freeze", 120)
        (venv / _READY).write_text(freeze, "utf-8")
    return venv


def installed(venv: Path) -> dict[str, str]:
    pins = {}
    for line in (venv / _READY).read_text("utf-8").splitlines():
        name, sep, version = line.partition("==")
        if sep:
            pins[name.lower().replace("_", "-")] = version
    return pins
