"""``tccli``, Tencent's CLI, unmodified, against ``unikms serve`` (``--endpoint http://HOST:PORT``).

tccli pulls the whole ``tencentcloud-sdk-python`` (every product, ~600 MB, overlapping the
test venv's ``tencentcloud-sdk-python-common``/``-kms``), so it runs from its own cached
virtualenv (``tests/gateway_sdk/venv.py``, :data:`~tests.gateway_sdk.venv.TCCLI`). It signs
with TC3-HMAC-SHA256 over POST only (hard-coded in tccli). Each command is a fresh
process with its own empty ``HOME`` (no stored profile). The expired-timestamp step runs
the same ``tccli.main`` with the process clock (``time.time``) an hour back. When the venv
cannot be built the tests are skipped with pip's reason (``-ra`` prints it).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.clients.lifecycle import STEPS, TENCENT, ServiceError, check, run_step
from tests.gateway_sdk import venv as sdk_venv
from unikms.dialects.tencent.package import DEFAULT_SECRET_ID as DEFAULT_TENCENT_SECRET_ID
from unikms.dialects.tencent.package import DEFAULT_SECRET_KEY as DEFAULT_TENCENT_SECRET_KEY
from unikms.emulator import Emulator

pytestmark = pytest.mark.sdk_venv

PLAINTEXT = "aGVsbG8gZnJvbSB0Y2NsaQ=="
CONTEXT = json.dumps({"purpose": "lifecycle", "tenant": "a b"})
_ERROR = re.compile(r"\[TencentCloudSDKException\] code:(?P<code>\S+)")
_SHIFTED = (
    "import sys, time; _now = time.time; time.time = lambda: _now() - 3600; "
    "from tccli.main import main; sys.argv[0] = 'tccli'; sys.exit(main())"
)


@pytest.fixture(scope="module")
def tccli_venv() -> Path:
    return sdk_venv.ensure_or_skip(sdk_venv.TCCLI)


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator() as emu:
        yield emu


def tccli(
    venv: Path,
    endpoint: str,
    home: Path,
    action: str,
    *args: str,
    secret: str = DEFAULT_TENCENT_SECRET_KEY,
    shifted: bool = False,
) -> Any:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env["HOME"] = str(home)
    prefix = (
        [str(sdk_venv.python(venv)), "-c", _SHIFTED] if shifted else [str(venv / "bin" / "tccli")]
    )
    done = subprocess.run(
        [
            *prefix,
            *("kms", action, *args),
            *("--secretId", DEFAULT_TENCENT_SECRET_ID, "--secretKey", secret),
            *("--region", "ap-guangzhou", "--endpoint", f"http://{endpoint}"),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    if done.returncode == 0:
        return json.loads(done.stdout)
    found = _ERROR.search(done.stdout + done.stderr)
    if found is None:
        raise RuntimeError(f"tccli exit {done.returncode}: {done.stderr[-2000:]}")
    raise ServiceError(found["code"])


def lifecycle(venv: Path, endpoint: str, home: Path) -> dict[str, Any]:
    results: dict[str, Any] = {"plaintext": {"ok": True, "value": PLAINTEXT}}
    state: dict[str, str] = {}

    def call(action: str, *args: str, **kw: Any) -> Any:
        return tccli(venv, endpoint, home, action, *args, **kw)

    def step(name: str, fn: Callable[[], Any]) -> None:
        run_step(results, name, fn)

    def create_key() -> str:
        state["key"] = call("CreateKey", "--Alias", "tccli-life", "--Description", "tccli")["KeyId"]
        return state["key"]

    def encrypt() -> str:
        body = call(
            "Encrypt",
            *("--KeyId", state["key"], "--Plaintext", PLAINTEXT, "--EncryptionContext", CONTEXT),
        )
        state["blob"] = body["CiphertextBlob"]
        return str(body["KeyId"])

    def decrypt(context: str = CONTEXT) -> str:
        blob = state["blob"]
        return str(
            call("Decrypt", "--CiphertextBlob", blob, "--EncryptionContext", context)["Plaintext"]
        )

    def data_key() -> dict[str, str]:
        dk = call(
            "GenerateDataKey",
            *("--KeyId", state["key"], "--NumberOfBytes", "32", "--EncryptionContext", CONTEXT),
        )
        back = call(
            "Decrypt", "--CiphertextBlob", dk["CiphertextBlob"], "--EncryptionContext", CONTEXT
        )
        return {"plaintext": dk["Plaintext"], "decrypted": back["Plaintext"]}

    def disable_then_encrypt() -> Any:
        call("DisableKey", "--KeyId", state["key"])
        return call("Encrypt", "--KeyId", state["key"], "--Plaintext", PLAINTEXT)

    step("create_key", create_key)
    step("create_alias", lambda: call("UpdateAlias", "--KeyId", state["key"], "--Alias", "tccli-2"))
    step("encrypt", encrypt)
    step("decrypt", decrypt)
    step("decrypt_wrong_context", lambda: decrypt(json.dumps({"purpose": "other"})))
    step("generate_data_key", data_key)
    step("disable_then_encrypt", disable_then_encrypt)
    step(
        "describe_key",
        lambda: call("DescribeKey", "--KeyId", state["key"])["KeyMetadata"]["KeyState"],
    )
    step(
        "list_keys",
        lambda: [k["KeyId"] for k in call("ListKeys", "--Limit", "200")["Keys"]],
    )
    step("wrong_secret", lambda: call("ListKeys", secret=DEFAULT_TENCENT_SECRET_KEY + "-wrong"))
    step("expired_timestamp", lambda: call("ListKeys", shifted=True))
    return results


_RUNS: dict[str, dict[str, Any]] = {}


@pytest.mark.parametrize("step", STEPS)
def test_tccli_lifecycle(
    tccli_venv: Path, emulator: Emulator, step: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    if "run" not in _RUNS:
        _RUNS["run"] = lifecycle(tccli_venv, emulator.endpoint, tmp_path_factory.mktemp("home"))
    check(step, _RUNS["run"], TENCENT)


def test_an_uninstallable_client_is_skipped_with_the_reason(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The skip path the client tests take on a machine that cannot install the client."""

    def broken(spec: sdk_venv.SdkVenv) -> Path:
        raise sdk_venv.VenvBuildError("pip install tccli: no route to the index")

    monkeypatch.setattr(sdk_venv, "ensure", broken)
    with pytest.raises(pytest.skip.Exception, match=r"tccli.*no route to the index"):
        sdk_venv.ensure_or_skip(sdk_venv.TCCLI)
