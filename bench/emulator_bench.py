"""Emulator throughput: Encrypt requests per second with 4 KB payloads, side by side.

In one run: ``unikms serve`` answering each protocol's official SDK (signatures
verified on every request), and moto's server answering AWS KMS Encrypt from
boto3, at concurrency 1 and 8. Each server runs in its own process; each client
thread has its own SDK client. The gateway's SDK cannot share this environment,
so its figures come from the isolated virtualenv the gateway tests build
(``tests/gateway_sdk``), when it is there.

    python bench/emulator_bench.py [--seconds 5]

Needs the ``bench`` extra (moto[server], boto3) besides ``test``.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable

PAYLOAD = os.urandom(4096)
ENV = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, timeout: float = 30) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url):
                return
        except OSError as err:
            if getattr(err, "code", None):  # an HTTP error means the server answers
                return
            time.sleep(0.1)
    raise SystemExit(f"server at {url} did not start")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children so far (Linux /proc)."""
    total = 0.0
    pids = [pid]
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            pids += [int(p) for p in fh.read().split()]
    except OSError:
        pass
    for p in pids:
        with open(f"/proc/{p}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def measure(
    make_call: Callable[[], Callable[[], None]], concurrency: int, seconds: float, server_pid: int
) -> tuple[float, float]:
    """(requests per second, server CPU microseconds per request)."""
    calls = [make_call() for _ in range(concurrency)]
    for call in calls:
        call()  # warm the connection
    counts = [0] * concurrency
    stop = time.monotonic() + seconds

    def work(i: int) -> None:
        call = calls[i]
        while time.monotonic() < stop:
            call()
            counts[i] += 1

    threads = [threading.Thread(target=work, args=(i,)) for i in range(concurrency)]
    cpu0 = cpu_seconds(server_pid)
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    n = sum(counts)
    return n / (time.monotonic() - start), 1e6 * (cpu_seconds(server_pid) - cpu0) / n


# -- unikms serve -------------------------------------------------------------------------


def start_emulator() -> tuple[subprocess.Popen[bytes], dict[str, str]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "unikms.cli", "serve", "--port", "0", "--json"],
        stdout=subprocess.PIPE,
        env=ENV,
    )
    assert proc.stdout is not None
    info = json.loads(proc.stdout.readline())
    wait_http(info["health"])
    return proc, info


def alibaba_caller(endpoint: str) -> tuple[str, Callable[[], Callable[[], None]]]:
    from alibabacloud_kms20160120 import models
    from alibabacloud_kms20160120.client import Client
    from alibabacloud_tea_openapi.models import Config

    from unikms.dialects.alibaba.package import (
        DEFAULT_ACCESS_KEY_ID as DEFAULT_ALIBABA_ACCESS_KEY_ID,
    )
    from unikms.dialects.alibaba.package import (
        DEFAULT_ACCESS_KEY_SECRET as DEFAULT_ALIBABA_ACCESS_KEY_SECRET,
    )

    def client() -> Client:
        return Client(
            Config(
                endpoint=endpoint,
                protocol="http",
                access_key_id=DEFAULT_ALIBABA_ACCESS_KEY_ID,
                access_key_secret=DEFAULT_ALIBABA_ACCESS_KEY_SECRET,
            )
        )

    key = client().create_key(models.CreateKeyRequest()).body.key_metadata.key_id
    plaintext = base64.b64encode(PAYLOAD).decode()

    def make() -> Callable[[], None]:
        c = client()
        request = models.EncryptRequest(key_id=key, plaintext=plaintext)
        return lambda: c.encrypt(request) and None

    return key, make


def tencent_caller(endpoint: str) -> Callable[[], Callable[[], None]]:
    from tencentcloud.common import credential
    from tencentcloud.common.profile.client_profile import ClientProfile
    from tencentcloud.common.profile.http_profile import HttpProfile
    from tencentcloud.kms.v20190118 import kms_client, models

    from unikms.dialects.tencent.package import DEFAULT_SECRET_ID as DEFAULT_TENCENT_SECRET_ID
    from unikms.dialects.tencent.package import DEFAULT_SECRET_KEY as DEFAULT_TENCENT_SECRET_KEY

    def client() -> kms_client.KmsClient:
        profile = ClientProfile(httpProfile=HttpProfile(protocol="http", endpoint=endpoint))
        cred = credential.Credential(DEFAULT_TENCENT_SECRET_ID, DEFAULT_TENCENT_SECRET_KEY)
        return kms_client.KmsClient(cred, "ap-guangzhou", profile)

    create = models.CreateKeyRequest()
    create.Alias = f"bench-{os.getpid()}"
    key = client().CreateKey(create).KeyId
    plaintext = base64.b64encode(PAYLOAD).decode()

    def make() -> Callable[[], None]:
        c = client()
        request = models.EncryptRequest()
        request.KeyId, request.Plaintext = key, plaintext
        return lambda: c.Encrypt(request) and None

    return make


def gateway_figures(
    info: dict[str, str], key_id: str, seconds: float, server_pid: int
) -> dict[int, tuple[float, float]]:
    """The gateway SDK's own virtualenv runs the same loop (``tests/gateway_sdk/bench.py``)."""
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    sys.path.insert(0, root)
    from tests.gateway_sdk import venv as gateway_venv

    python = gateway_venv.python(gateway_venv.ensure())
    driver = os.path.join(root, "tests", "gateway_sdk", "bench.py")
    key_file = info["client_key_file"]
    password_file = key_file[: -len(".json")] + "_Password.txt"
    figures: dict[int, tuple[float, float]] = {}
    for concurrency in (1, 8):
        cpu0 = cpu_seconds(server_pid)
        out = subprocess.run(
            [
                str(python),
                driver,
                info["endpoint"],
                str(seconds),
                str(concurrency),
                key_id,
                key_file,
                password_file,
            ],
            capture_output=True,
            env=ENV,
            check=True,
        )
        done = json.loads(out.stdout)
        cpu = 1e6 * (cpu_seconds(server_pid) - cpu0) / max(1, done["requests"])
        figures[concurrency] = (done["requests"] / done["seconds"], cpu)
    return figures


# -- moto ---------------------------------------------------------------------------------


def start_moto() -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=ENV,
    )
    wait_http(f"http://127.0.0.1:{port}/moto-api/")
    return proc, f"http://127.0.0.1:{port}"


def moto_caller(url: str) -> Callable[[], Callable[[], None]]:
    import boto3

    def client() -> object:
        return boto3.client(
            "kms",
            endpoint_url=url,
            region_name="us-east-1",
            aws_access_key_id="bench",
            aws_secret_access_key="bench",
        )

    key = client().create_key()["KeyMetadata"]["KeyId"]  # type: ignore[attr-defined]

    def make() -> Callable[[], None]:
        c = client()
        return lambda: c.encrypt(KeyId=key, Plaintext=PAYLOAD) and None  # type: ignore[attr-defined]

    return make


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()

    rows: list[tuple[str, dict[int, tuple[float, float]]]] = []
    emu, info = start_emulator()
    endpoint = info["endpoint"]
    try:
        key_id, alibaba = alibaba_caller(endpoint)
        for name, make in (
            ("unikms serve <- Alibaba classic SDK (ACS3)", alibaba),
            ("unikms serve <- Tencent SDK (TC3)", tencent_caller(endpoint)),
        ):
            rows.append((name, {c: measure(make, c, args.seconds, emu.pid) for c in (1, 8)}))
        rows.append(
            (
                "unikms serve <- dkms-gcs SDK (RSA, Advance)",
                gateway_figures(info, key_id, args.seconds, emu.pid),
            )
        )
    finally:
        emu.terminate()
        emu.wait()
    moto, url = start_moto()
    try:
        make = moto_caller(url)
        rows.append(
            (
                "moto server <- boto3 KMS",
                {c: measure(make, c, args.seconds, moto.pid) for c in (1, 8)},
            )
        )
    finally:
        moto.terminate()
        moto.wait()

    base = rows[-1][1]
    print(
        f"Encrypt, 4 KB plaintext, {args.seconds:.0f} s per cell, one server process, "
        "client threads in another"
    )
    print("req/s: end to end (the SDK client shares this 2-core machine and often limits it);")
    print("server us/req: the server's own CPU per request; capacity = 1e6 / that, per core")
    print(
        f"{'server <- client':<44} {'req/s c=1':>10} {'c=8':>7} {'server us/req c=1':>18} "
        f"{'c=8':>6} {'capacity vs moto':>17}"
    )
    for name, fig in rows:
        print(
            f"{name:<44} {fig[1][0]:10.0f} {fig[8][0]:7.0f} {fig[1][1]:18.0f} {fig[8][1]:6.0f} "
            f"{base[8][1] / fig[8][1]:16.1f}x"
        )
    print(
        "end-to-end ratio vs moto at c=1 / c=8: "
        + ", ".join(
            f"{name.split('<- ')[1]}: {fig[1][0] / base[1][0]:.2f}x / {fig[8][0] / base[8][0]:.2f}x"
            for name, fig in rows[:-1]
        )
    )


if __name__ == "__main__":
    main()
