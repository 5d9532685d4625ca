"""Isolated, cached virtualenvs for the real clients that cannot share the test venv.

Each :class:`SdkVenv` names a requirement list, an import that proves the
install works and an environment variable that can name another directory. Its
virtualenv is built once and cached under ``~/.cache/unikms/<name>-venv-<hash>``
(keyed by the requirement list and the Python version); pip resolves the
client's own pins there.

- :data:`DKMS_GCS`: the official ``alibabacloud-dkms-gcs`` SDK, which pins
  ``pyopenssl<23.3`` (so ``cryptography<42``) and ``protobuf<4`` and installs
  top-level packages named ``sdk``, ``openapi`` and ``openapi_util``. The tests and
  ``bench/emulator_bench.py`` share it.
- :data:`TCCLI`: Tencent's CLI, which pulls the whole ``tencentcloud-sdk-python``
  (every product, some 600 MB, overlapping the test venv's
  ``tencentcloud-sdk-python-common``/``-kms`` files) and ``cos-python-sdk-v5``.
- :data:`TRANSFER`: Alibaba's transfer SDK ``alibabacloud-kms-python-sdk``
  (classic-API code on an instance gateway), which pins
  ``alibabacloud_dkms_gcs==1.0.2`` (hence old ``cryptography``) and
  ``protobuf<3.20``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class VenvBuildError(RuntimeError):
    """The SDK's virtualenv could not be built; the message carries pip's output."""


@dataclass(frozen=True)
class SdkVenv:
    """One client's virtualenv: what to install and how to tell that it works."""

    name: str
    requirements: tuple[str, ...]
    import_check: str
    override_env: str


DKMS_GCS = SdkVenv(
    "dkms-gcs",
    ("alibabacloud-dkms-gcs==1.0.2",),
    "import sdk.client, openapi.models; from OpenSSL.crypto import *",
    "UNIKMS_DKMS_GCS_VENV",
)
TCCLI = SdkVenv("tccli", ("tccli==3.1.189.1",), "import tccli.main", "UNIKMS_TCCLI_VENV")
TRANSFER = SdkVenv(
    "kms-transfer",
    ("alibabacloud-kms-python-sdk==1.1.3",),
    "import alibabacloud_kms_kms20160120.transfer_client, sdk.client",
    "UNIKMS_KMS_TRANSFER_VENV",
)
REQUIREMENTS = DKMS_GCS.requirements
#: the environment as it was at import, before conftest drops the proxies: pip may need them
_PIP_ENV = dict(os.environ)
DRIVER = Path(__file__).parent / "driver.py"
_READY = ".unikms-ready"


# -- the SDK's virtualenv ---------------------------------------------------------------
def venv_dir(spec: SdkVenv = DKMS_GCS) -> Path:
    override = os.environ.get(spec.override_env)
    if override:
        return Path(override)
    key = hashlib.sha256(
        json.dumps([list(spec.requirements), list(sys.version_info[:2])]).encode()
    ).hexdigest()[:12]
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "unikms" / f"{spec.name}-venv-{key}"


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


def _run(cmd: list[str], step: str, timeout: float, name: str = DKMS_GCS.name) -> str:
    try:
        done = subprocess.run(
            cmd, capture_output=True, text=True, env=_PIP_ENV, timeout=timeout, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise VenvBuildError(f"building the {name} venv: {step} failed: {exc}") from exc
    if done.returncode != 0:
        raise VenvBuildError(
            f"building the {name} venv: {step} failed (exit {done.returncode}).\n"
            f"command: {' '.join(cmd)}\n--- stdout ---\n{done.stdout[-3000:]}\n"
            f"--- stderr ---\n{done.stderr[-3000:]}"
        )
    return done.stdout


def ensure(spec: SdkVenv = DKMS_GCS) -> Path:
    """The client's venv, built (pip resolving the client's own pins) if not cached."""
    venv = venv_dir(spec)
    with _lock(venv.with_name(venv.name + ".lock")):
        if (venv / _READY).exists() and python(venv).exists():
            return venv
        shutil.rmtree(venv, ignore_errors=True)
        _run([sys.executable, "-m", "venv", str(venv)], "python -m venv", 300, spec.name)
        interpreter = str(python(venv))
        requirements = list(spec.requirements)
        _run(
            [interpreter, "-m", "pip", "install", "--disable-pip-version-check", *requirements],
            "pip install " + " ".join(requirements),
            900,
            spec.name,
        )
        _run([interpreter, "-c", spec.import_check], "importing the client", 120, spec.name)
        freeze = _run([interpreter, "-m", "pip", "freeze"], "pip freeze", 120, spec.name)
        (venv / _READY).write_text(freeze, "utf-8")
    return venv


def ensure_or_skip(spec: SdkVenv) -> Path:
    """:func:`ensure`, or skip the calling test with pip's reason (shown by ``-ra``) when
    the client cannot be installed on this machine: never silently."""
    import pytest

    try:
        return ensure(spec)
    except VenvBuildError as err:
        pytest.skip(f"{spec.name} not installable here: {err}")


def installed(venv: Path) -> dict[str, str]:
    pins = {}
    for line in (venv / _READY).read_text("utf-8").splitlines():
        name, sep, version = line.partition("==")
        if sep:
            pins[name.lower().replace("_", "-")] = version
    return pins


def run_driver(venv: Path, driver: Path, cfg: Mapping[str, Any]) -> Any:
    """Run ``driver`` with the venv's Python on ``cfg`` (one JSON argument), without the
    proxy variables (it talks to 127.0.0.1) or the caller's ``PYTHONPATH``; its JSON output."""
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env.pop("PYTHONPATH", None)
    env["PYTHONNOUSERSITE"] = "1"
    done = subprocess.run(
        [str(python(venv)), str(driver), json.dumps(dict(cfg))],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    if done.returncode != 0:
        raise AssertionError(f"driver failed:\n{done.stderr[-5000:]}")
    return json.loads(done.stdout)
