"""Real Node clients from the npm registry, unmodified, against ``unikms serve``.

``@alicloud/pop-core`` (GET and POST), ``@alicloud/openapi-client`` (ACS3-HMAC-SHA256,
ACS3-HMAC-SM3, v1), ``@alicloud/kms20160120`` and ``tencentcloud-sdk-nodejs`` (TC3,
HmacSHA256, HmacSHA1; POST and GET) each go through the whole key lifecycle
(``tests/clients/lifecycle.py``) with Node's own runtime, driven by
``tests/clients/node/drive.js``. The exact versions are pinned in
``tests/clients/node/package-lock.json`` and installed once into a cache
(``tests/clients/node.py``). Without node/npm, or when the install fails, every
test here is skipped with the reason (``-ra`` prints it).
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.clients import node_clients as node
from tests.clients.lifecycle import ALIBABA, STEPS, TENCENT, check
from unikms.dialects.alibaba.package import DEFAULT_ACCESS_KEY_ID as DEFAULT_ALIBABA_ACCESS_KEY_ID
from unikms.dialects.alibaba.package import (
    DEFAULT_ACCESS_KEY_SECRET as DEFAULT_ALIBABA_ACCESS_KEY_SECRET,
)
from unikms.dialects.tencent.package import DEFAULT_SECRET_ID as DEFAULT_TENCENT_SECRET_ID
from unikms.dialects.tencent.package import DEFAULT_SECRET_KEY as DEFAULT_TENCENT_SECRET_KEY
from unikms.emulator import Emulator

pytestmark = pytest.mark.sdk_venv

MODES = {
    "pop-core": ("get", "post", "post-own-headers"),
    "openapi-client": ("acs3-hmac-sha256", "acs3-hmac-sm3", "v1"),
    "kms20160120": ("default",),
    "tencentcloud-sdk-nodejs": (
        "tc3-post",
        "tc3-get",
        "hmacsha256-post",
        "hmacsha256-get",
        "hmacsha1-post",
        "hmacsha1-get",
    ),
}
CASES = [(client, mode) for client, modes in MODES.items() for mode in modes]


@pytest.fixture(scope="module")
def node_modules() -> Path:
    try:
        return node.ensure()
    except node.NodeUnavailable as err:
        pytest.skip(f"Node clients not installable here: {err}")


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator() as emu:
        yield emu


_RUNS: dict[tuple[str, str], dict[str, Any]] = {}


def drive(node_modules: Path, emulator: Emulator, client: str, mode: str) -> dict[str, Any]:
    """The driver's results for one client and mode (run once, then reused by each step)."""
    if (client, mode) not in _RUNS:
        tencent = client == "tencentcloud-sdk-nodejs"
        cfg = {
            "client": client,
            "mode": mode,
            "endpoint": emulator.endpoint,
            "accessKeyId": DEFAULT_ALIBABA_ACCESS_KEY_ID,
            "secretId": DEFAULT_TENCENT_SECRET_ID,
            "secret": DEFAULT_TENCENT_SECRET_KEY if tencent else DEFAULT_ALIBABA_ACCESS_KEY_SECRET,
        }
        env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
        env["NODE_PATH"] = str(node_modules)
        done = subprocess.run(
            ["node", str(node.DRIVER), json.dumps(cfg)],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, f"drive.js failed:\n{done.stderr[-4000:]}"
        _RUNS[client, mode] = json.loads(done.stdout)
    return _RUNS[client, mode]


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize(("client", "mode"), CASES)
def test_node_client_lifecycle(
    node_modules: Path, emulator: Emulator, client: str, mode: str, step: str
) -> None:
    results = drive(node_modules, emulator, client, mode)
    check(step, results, TENCENT if client == "tencentcloud-sdk-nodejs" else ALIBABA)


def test_the_pinned_versions_are_installed(node_modules: Path) -> None:
    wanted = json.loads((node.PACKAGE_DIR / "package.json").read_text("utf-8"))["dependencies"]
    assert node.versions(node_modules) == wanted
