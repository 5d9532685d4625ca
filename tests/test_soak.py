"""Soak: concurrent clients, ``kill -9`` mid-load, restart, and nothing acknowledged is lost.

``unikms serve --state FILE`` runs as a process on 127.0.0.1. Client threads,
each with its own adapters over the official SDKs, create keys (Alibaba classic
and Tencent) and encrypt under them (classic, the instance gateway, Tencent)
for as long as the server answers, recording every call that was acknowledged.
Mid-load the server is killed with SIGKILL and started again on the same
state file; every acknowledged key must exist and every acknowledged
ciphertext must decrypt to its plaintext. With ``rounds`` > 1 the load, kill
and restart repeat on the same file, and everything acknowledged in earlier
rounds is checked again.

The suite's run is bounded (a few seconds of load); a longer one is chosen
with environment variables, e.g. ``UNIKMS_SOAK_SECONDS=60 UNIKMS_SOAK_CLIENTS=16
UNIKMS_SOAK_ROUNDS=5`` (``docs/fuzzing.md`` has the command and the figures).
Each run prints its counts.
"""

from __future__ import annotations

import os
import random
import threading
import time
from pathlib import Path

import attrs
import pytest

import unikms
from tests.test_emulator_server import start_serve
from unikms.contract.targets import emulator_urls
from unikms.types import Dialect

SECONDS = float(os.environ.get("UNIKMS_SOAK_SECONDS", "2.5"))
CLIENTS = int(os.environ.get("UNIKMS_SOAK_CLIENTS", "8"))
ROUNDS = int(os.environ.get("UNIKMS_SOAK_ROUNDS", "2"))
#: the longest a client call may hang on a dead server before the thread gives up
CALL_TIMEOUT = 30.0


@attrs.define
class Acknowledged:
    """What the server acknowledged: keys per dialect, ciphertexts with their plaintexts."""

    keys: list[tuple[Dialect, str]] = attrs.field(factory=list)
    ciphertexts: list[tuple[Dialect, bytes, bytes]] = attrs.field(factory=list)
    failures: int = 0
    lock: threading.Lock = attrs.field(factory=threading.Lock)


def _urls(info: dict[str, str]) -> dict[Dialect, str]:
    key_file = Path(info["client_key_file"])
    password = key_file.with_name(f"clientKey_{info['client_key_id']}_Password.txt").read_text(
        "utf-8"
    )
    return emulator_urls(info["endpoint"], str(key_file), password.strip())


def _client(
    urls: dict[Dialect, str], stop: threading.Event, acked: Acknowledged, seed: int
) -> None:
    """One client: create a key, encrypt under it a few times, repeat until the server dies."""
    rng = random.Random(seed)
    kms = {dialect: unikms.connect(url) for dialect, url in urls.items()}
    try:
        while not stop.is_set():
            owner = rng.choice([Dialect.ALIBABA_CLASSIC, Dialect.TENCENT])
            key = kms[owner].create_key().key_id
            with acked.lock:
                acked.keys.append((owner, key))
            users = (
                [Dialect.ALIBABA_CLASSIC, Dialect.ALIBABA_INSTANCE]
                if owner is Dialect.ALIBABA_CLASSIC
                else [Dialect.TENCENT]
            )
            for _ in range(rng.randint(1, 6)):
                dialect = rng.choice(users)
                plaintext = rng.randbytes(rng.randint(1, 256))
                sealed = kms[dialect].encrypt(key, plaintext).ciphertext
                with acked.lock:
                    acked.ciphertexts.append((dialect, sealed, plaintext))
    except unikms.KmsError:  # the server was killed under this call: it was never acknowledged
        with acked.lock:
            acked.failures += 1
    finally:
        for client in kms.values():
            client.close()


def _verify(urls: dict[Dialect, str], acked: Acknowledged) -> tuple[int, int]:
    kms = {dialect: unikms.connect(url) for dialect, url in urls.items()}
    try:
        for dialect, key in acked.keys:
            assert kms[dialect].describe_key(key).key_id == key
        for dialect, sealed, plaintext in acked.ciphertexts:
            assert kms[dialect].decrypt(sealed).plaintext == plaintext
    finally:
        for client in kms.values():
            client.close()
    return len(acked.keys), len(acked.ciphertexts)


def test_kill_9_under_concurrent_clients_loses_nothing_acknowledged(tmp_path: Path) -> None:
    state = tmp_path / "soak.sqlite"
    acked = Acknowledged()
    proc, info = start_serve("--state", str(state))
    try:
        for round_ in range(ROUNDS):
            urls = _urls(info)
            stop = threading.Event()
            threads = [
                threading.Thread(target=_client, args=(urls, stop, acked, round_ * 1000 + i))
                for i in range(CLIENTS)
            ]
            before = len(acked.ciphertexts)
            for t in threads:
                t.start()
            time.sleep(SECONDS)
            proc.kill()  # SIGKILL, mid-load: the clients are still calling
            proc.wait(timeout=15)
            stop.set()
            for t in threads:
                t.join(timeout=CALL_TIMEOUT)
                assert not t.is_alive(), "a client hung on a dead server"
            assert len(acked.ciphertexts) > before, "no load reached the server"
            proc, info = start_serve("--state", str(state))
            keys, ciphertexts = _verify(_urls(info), acked)
            print(  # the figures (pytest -s shows them)
                f"soak round {round_ + 1}/{ROUNDS}: {CLIENTS} clients, {SECONDS:g} s, "
                f"{keys} of {keys} keys and {ciphertexts} of {ciphertexts} ciphertexts "
                f"recovered; {acked.failures} client calls cut off by the kills so far"
            )
    finally:
        proc.kill()
        proc.wait(timeout=15)


@pytest.mark.parametrize("dialect", [Dialect.ALIBABA_CLASSIC, Dialect.TENCENT])
def test_the_soak_check_would_see_a_lost_key(tmp_path: Path, dialect: Dialect) -> None:
    """The verification is not vacuous: a key the server never kept fails it."""
    proc, info = start_serve("--state", str(tmp_path / "s.sqlite"))
    try:
        urls = _urls(info)
        missing = (
            "key-hzz0000000000000000000"
            if dialect is Dialect.ALIBABA_CLASSIC
            else ("00000000-0000-11f1-0000-000000000000")
        )
        with pytest.raises(unikms.KeyNotFoundError):
            _verify(urls, Acknowledged(keys=[(dialect, missing)]))
    finally:
        proc.kill()
        proc.wait(timeout=15)
