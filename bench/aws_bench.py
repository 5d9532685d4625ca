"""AWS KMS: unikms's fake and emulator beside moto's, side by side in one run.

1. In process: ``fake://aws`` through the neutral client against moto's
   ``mock_aws`` through boto3, each doing a 4 KB encrypt + decrypt with an
   encryption context (a median of several rounds, microseconds per pair).
2. Over HTTP, both driven by boto3 with SigV4: ``unikms serve`` against moto's
   server (``python -m moto.server``), each in its own process, the same 4 KB
   encrypt + decrypt with a context, one client thread.

    python bench/aws_bench.py [--seconds 5] [--pairs 2000]

Needs the ``bench`` extra (moto[server], boto3) besides ``test``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from emulator_bench import ENV, measure, start_moto, wait_http

from unikms.dialects.aws.package import DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY

PAYLOAD = os.urandom(4096)
CONTEXT = {"tenant": "42", "purpose": "bench"}


def start_emulator() -> tuple[subprocess.Popen[bytes], dict[str, str]]:
    """``unikms serve`` in its own process, without the per-request access log (moto's
    server logs nothing either here)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "unikms.cli", "serve", "--port", "0", "--json", "--no-access-log"],
        stdout=subprocess.PIPE,
        env=ENV,
    )
    assert proc.stdout is not None
    info = json.loads(proc.stdout.readline())
    wait_http(info["health"])
    return proc, info


def per_pair(pair: Callable[[], None], pairs: int, rounds: int = 5) -> float:
    """Median microseconds per encrypt + decrypt over ``rounds`` runs of ``pairs``."""
    pair()
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(pairs):
            pair()
        times.append((time.perf_counter() - start) / pairs * 1e6)
    return statistics.median(times)


def fake_pair() -> Callable[[], None]:
    import unikms

    kms = unikms.connect("fake://aws")
    key = kms.create_key().key_id

    def pair() -> None:
        sealed = kms.encrypt(key, PAYLOAD, context=CONTEXT)
        assert kms.decrypt(sealed.ciphertext, context=CONTEXT).plaintext == PAYLOAD

    return pair


def boto3_pair(client: Any) -> Callable[[], None]:
    key = client.create_key()["KeyMetadata"]["KeyId"]

    def pair() -> None:
        blob = client.encrypt(KeyId=key, Plaintext=PAYLOAD, EncryptionContext=CONTEXT)
        opened = client.decrypt(CiphertextBlob=blob["CiphertextBlob"], EncryptionContext=CONTEXT)
        assert opened["Plaintext"] == PAYLOAD

    return pair


def moto_in_process(pairs: int) -> float:
    import boto3
    from moto import mock_aws

    with mock_aws():
        client = boto3.client(
            "kms", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
        )
        return per_pair(boto3_pair(client), pairs)


def http_client(endpoint_url: str, key_id: str, secret: str) -> Any:
    import boto3

    return boto3.client(
        "kms",
        region_name="us-east-1",
        endpoint_url=endpoint_url,
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--pairs", type=int, default=2000)
    args = parser.parse_args()

    fake_us = per_pair(fake_pair(), args.pairs)
    moto_us = moto_in_process(max(50, args.pairs // 20))

    emulator, info = start_emulator()
    try:
        url = f"http://{info['endpoint']}"
        make = lambda: boto3_pair(  # noqa: E731
            http_client(url, DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY)
        )
        emu_rate, emu_cpu = measure(make, 1, args.seconds, emulator.pid)
    finally:
        emulator.terminate()
        emulator.wait()
    moto, moto_url = start_moto()
    try:
        make = lambda: boto3_pair(http_client(moto_url, "bench", "bench"))  # noqa: E731
        moto_rate, moto_cpu = measure(make, 1, args.seconds, moto.pid)
    finally:
        moto.terminate()
        moto.wait()

    print("AWS KMS, 4 KB encrypt + decrypt with an encryption context")
    print()
    print(f"{'in process':<40} {'us/pair':>10}")
    print(f"{'fake://aws (unikms client)':<40} {fake_us:>10.1f}")
    print(f"{'moto mock_aws (boto3)':<40} {moto_us:>10.1f}")
    print(f"fake vs moto in process: {moto_us / fake_us:.0f}x faster (target >= 100x)")
    print()
    print(f"{'over HTTP, boto3, 1 thread':<40} {'pairs/s':>10} {'server us/pair':>15}")
    print(f"{'unikms serve':<40} {emu_rate:>10.0f} {emu_cpu:>15.0f}")
    print(f"{'moto server':<40} {moto_rate:>10.0f} {moto_cpu:>15.0f}")
    print(
        f"emulator vs moto server: {emu_rate / moto_rate:.1f}x end to end, "
        f"{moto_cpu / emu_cpu:.1f}x server CPU per pair (target >= 3x)"
    )


if __name__ == "__main__":
    main()
