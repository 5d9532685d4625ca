"""What the neutral API costs over the bare SDK call, per adapter, in one run.

Each adapter encrypts 4 KB through ``KmsClient.encrypt`` and through the bare
SDK call with the same request, against the same ``unikms serve`` (its own
process). Rounds alternate the two sides so drift hits both; the figure is the
median of the per-round times. For the instance gateway the "bare" side is the
adapter's own protocol client (``driver.call``), since the official SDK cannot
share this environment.

    python bench/adapter_bench.py [--rounds 15] [--calls 100]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from typing import Any

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import unikms
from tests.drivers import adapter_urls
from unikms.dialects.alibaba.package import DEFAULT_ACCESS_KEY_ID as DEFAULT_ALIBABA_ACCESS_KEY_ID
from unikms.dialects.alibaba.package import (
    DEFAULT_ACCESS_KEY_SECRET as DEFAULT_ALIBABA_ACCESS_KEY_SECRET,
)
from unikms.dialects.tencent.package import DEFAULT_SECRET_ID as DEFAULT_TENCENT_SECRET_ID
from unikms.dialects.tencent.package import DEFAULT_SECRET_KEY as DEFAULT_TENCENT_SECRET_KEY
from unikms.types import Dialect

PAYLOAD = os.urandom(4096)
ENV = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}


def start() -> tuple[subprocess.Popen[bytes], dict[str, str]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "unikms.cli", "serve", "--port", "0", "--json"],
        stdout=subprocess.PIPE,
        env=ENV,
    )
    assert proc.stdout is not None
    info = json.loads(proc.stdout.readline())
    for _ in range(300):
        try:
            with urllib.request.urlopen(info["health"]):
                break
        except OSError:
            time.sleep(0.05)
    return proc, info


def bare_alibaba(endpoint: str, key: str) -> Callable[[], Any]:
    from alibabacloud_kms20160120 import models
    from alibabacloud_kms20160120.client import Client
    from alibabacloud_tea_openapi.models import Config
    from darabonba.runtime import RuntimeOptions

    client = Client(
        Config(
            endpoint=endpoint,
            protocol="http",
            access_key_id=DEFAULT_ALIBABA_ACCESS_KEY_ID,
            access_key_secret=DEFAULT_ALIBABA_ACCESS_KEY_SECRET,
        )
    )
    request = models.EncryptRequest(key_id=key, plaintext=base64.b64encode(PAYLOAD).decode())
    runtime = RuntimeOptions(autoretry=False, connect_timeout=5000, read_timeout=10000)
    return lambda: client.encrypt_with_options(request, runtime)


def bare_tencent(endpoint: str, key: str) -> Callable[[], Any]:
    from tencentcloud.common import credential
    from tencentcloud.common.profile.client_profile import ClientProfile
    from tencentcloud.common.profile.http_profile import HttpProfile
    from tencentcloud.kms.v20190118 import kms_client, models

    client = kms_client.KmsClient(
        credential.Credential(DEFAULT_TENCENT_SECRET_ID, DEFAULT_TENCENT_SECRET_KEY),
        "ap-guangzhou",
        ClientProfile(httpProfile=HttpProfile(protocol="http", endpoint=endpoint, reqTimeout=10)),
    )
    request = models.EncryptRequest()
    request.KeyId, request.Plaintext = key, base64.b64encode(PAYLOAD).decode()
    return lambda: client.Encrypt(request)


def bare_instance(kms: unikms.KmsClient, key: str) -> Callable[[], Any]:
    driver = kms.driver
    params = {"KeyId": key, "Plaintext": PAYLOAD}
    return lambda: driver.call("AdvanceEncrypt", params)


def per_call(fn: Callable[[], Any], calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - start) / calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--calls", type=int, default=100)
    args = parser.parse_args()
    proc, info = start()
    try:
        urls = adapter_urls(info["endpoint"], info["client_key_file"], _password(info))
        print(
            f"4 KB Encrypt, {args.rounds} alternating rounds of {args.calls} calls, "
            "median ms per call"
        )
        print(f"{'adapter':<18} {'neutral API':>12} {'bare SDK call':>14} {'overhead':>9}")
        for dialect in Dialect:
            kms = unikms.connect(urls[dialect])
            key = kms.create_key().key_id
            neutral = lambda kms=kms, key=key: kms.encrypt(key, PAYLOAD)  # noqa: E731
            if dialect is Dialect.ALIBABA_CLASSIC:
                bare = bare_alibaba(info["endpoint"], key)
            elif dialect is Dialect.TENCENT:
                bare = bare_tencent(info["endpoint"], key)
            else:
                bare = bare_instance(kms, key)
            neutral()
            bare()
            a: list[float] = []
            b: list[float] = []
            for i in range(args.rounds):
                first, second = (neutral, bare) if i % 2 == 0 else (bare, neutral)
                t1, t2 = per_call(first, args.calls), per_call(second, args.calls)
                (a if first is neutral else b).append(t1)
                (b if first is neutral else a).append(t2)
            ma, mb = statistics.median(a), statistics.median(b)
            print(
                f"{dialect.value:<18} {ma * 1e3:12.3f} {mb * 1e3:14.3f} {100 * (ma / mb - 1):8.1f}%"
            )
    finally:
        proc.terminate()
        proc.wait()


def _password(info: dict[str, str]) -> str:
    path = info["client_key_file"][: -len(".json")] + "_Password.txt"
    with open(path, encoding="utf-8") as fh:
        return fh.read().strip()


if __name__ == "__main__":
    main()
