"""The npm clients of ``tests/clients/node/package.json``, installed once into a cache.

``npm ci --no-audit --no-fund`` installs the exact versions of the committed
``package-lock.json`` into ``~/.cache/unikms/node-<hash of package.json and the
lock>`` (``UNIKMS_NODE_CLIENTS`` names another directory); ``drive.js`` runs with
``NODE_PATH`` pointing there. Without ``node``/``npm``, or when the install
fails, :func:`ensure` raises :class:`NodeUnavailable` with the reason, for the
tests to skip with it (shown by ``-ra``).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

from tests.gateway_sdk.venv import _PIP_ENV, _lock

__all__ = ["DRIVER", "PACKAGE_DIR", "NodeUnavailable", "ensure", "versions"]

PACKAGE_DIR = Path(__file__).parent / "node"
DRIVER = PACKAGE_DIR / "drive.js"
_READY = ".unikms-ready"


class NodeUnavailable(RuntimeError):
    """Node, npm or the install is missing; the message says which and why."""


def cache_dir() -> Path:
    override = os.environ.get("UNIKMS_NODE_CLIENTS")
    if override:
        return Path(override)
    digest = hashlib.sha256()
    for name in ("package.json", "package-lock.json"):
        digest.update((PACKAGE_DIR / name).read_bytes())
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "unikms" / f"node-{digest.hexdigest()[:12]}"


def ensure() -> Path:
    """The ``node_modules`` directory of the pinned clients, installed if not cached."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        raise NodeUnavailable("node and npm are needed for the Node clients; not on PATH")
    target = cache_dir()
    with _lock(target.with_name(target.name + ".lock")):
        if (target / _READY).exists():
            return target / "node_modules"
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        for name in ("package.json", "package-lock.json"):
            shutil.copy(PACKAGE_DIR / name, target / name)
        cmd = [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts"]
        try:
            done = subprocess.run(
                cmd,
                cwd=target,
                capture_output=True,
                text=True,
                env=_PIP_ENV,
                timeout=900,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as err:
            raise NodeUnavailable(f"npm ci failed: {err}") from err
        if done.returncode != 0:
            raise NodeUnavailable(
                f"npm ci failed (exit {done.returncode}):\n{done.stdout[-2000:]}\n"
                f"{done.stderr[-2000:]}"
            )
        (target / _READY).write_text(done.stdout, "utf-8")
    return target / "node_modules"


def versions(node_modules: Path) -> dict[str, str]:
    """The installed version of each direct dependency (the docs' table lists them)."""
    import json

    wanted = json.loads((PACKAGE_DIR / "package.json").read_text("utf-8"))["dependencies"]
    return {
        name: json.loads((node_modules / name / "package.json").read_text("utf-8"))["version"]
        for name in wanted
    }
