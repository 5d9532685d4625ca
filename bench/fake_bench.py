"""The in-memory fake's 4 KB encrypt+decrypt rate beside bare ``AESGCM``, in one run.

Each round times ``--calls`` encrypt+decrypt pairs of the same 4 KB through the
neutral API on every ``fake://`` dialect (with and without an encryption
context), and the same number of bare ``AESGCM`` pairs. Rounds alternate all
sides so drift hits each alike; the figures are medians of the rounds.

Two bare baselines are printed, and a floor: the least a faithful fake call can
do in CPython (key lookup under a lock, state check, blob, request id, frozen
result; hand-inlined, no validation, no layers), to show what is reachable.
The bare baselines: The strict one (the target's yardstick) reuses
one ``AESGCM`` object and only draws a fresh 12-byte nonce per pair; the other
builds ``AESGCM(key)`` per operation, as code holding raw key material would.

The fake does more than the bare call, all of it real: key resolution, key
state and deletion-window checks under the store lock, the dialect's blob
layout, request ids, typed results. Alibaba classic and Tencent also pay for
Base64 that their formats require (classic encrypts the Base64 *text* of the
plaintext and hands it back on Decrypt; Tencent's ciphertext is Base64 text);
the figure shows which Base64 implementation was in use.

    python bench/fake_bench.py [--rounds 15] [--calls 2000]
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import sys
import threading
import time
from collections.abc import Callable

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

import unikms
from unikms import _base64
from unikms.types import DecryptResult, Dialect, EncryptResult, KeyState

PAYLOAD = os.urandom(4096)
CONTEXT = {"tenant": "42", "purpose": "bench"}
DIALECTS = ("alibaba-classic", "alibaba-instance", "tencent")


def bare_reused() -> Callable[[], None]:
    aead = AESGCM(os.urandom(32))

    def pair() -> None:
        nonce = os.urandom(12)
        sealed = aead.encrypt(nonce, PAYLOAD, None)
        if aead.decrypt(nonce, sealed, None) != PAYLOAD:
            raise AssertionError("bare round trip failed")

    return pair


def bare_per_call() -> Callable[[], None]:
    key = os.urandom(32)

    def pair() -> None:
        nonce = os.urandom(12)
        sealed = AESGCM(key).encrypt(nonce, PAYLOAD, None)
        if AESGCM(key).decrypt(nonce, sealed, None) != PAYLOAD:
            raise AssertionError("bare round trip failed")

    return pair


def floor() -> Callable[[], None]:
    """The least a faithful fake call can do in CPython, hand-inlined, as a yardstick.

    One key looked up under a lock, its state checked, a fresh IV, a blob with
    the version id, a request id and a frozen result per call; no validation,
    no dialect rules, no layers. Not a usable fake: a measure of the floor.
    """
    key_id = "key-hzz" + "f" * 18  # the Alibaba layout: 25 characters
    version_id = key_id + "-" + "v" * 10  # 36
    version_bytes = version_id.encode("ascii")
    aead = AESGCM(os.urandom(32))
    states = {key_id: KeyState.ENABLED}
    lock = threading.RLock()
    counter = itertools.count()
    dialect = Dialect.ALIBABA_INSTANCE
    iv_at = 3 + len(version_bytes)

    def encrypt(key: str, data: bytes) -> EncryptResult:
        request_id = f"0f1e2d3c-4b5a-4968-8776-{next(counter):012x}"
        with lock:
            if states.get(key) is not KeyState.ENABLED:
                raise KeyError(key)
            iv = os.urandom(12)
            blob = b"$\x00\x02" + version_bytes + iv + aead.encrypt(iv, data, None)
        return EncryptResult(blob, key, version_id, "AES_GCM", iv, request_id, dialect)

    def decrypt(blob: bytes) -> DecryptResult:
        request_id = f"0f1e2d3c-4b5a-4968-8776-{next(counter):012x}"
        with lock:
            if blob[3:iv_at] != version_bytes or states.get(key_id) is not KeyState.ENABLED:
                raise KeyError("version")
            data = aead.decrypt(blob[iv_at : iv_at + 12], blob[iv_at + 12 :], None)
        return DecryptResult(data, key_id, version_id, "AES_GCM", request_id, dialect)

    def pair() -> None:
        sealed = encrypt(key_id, PAYLOAD)
        if decrypt(sealed.ciphertext).plaintext != PAYLOAD:
            raise AssertionError("floor round trip failed")

    return pair


def fake(dialect: str, context: dict[str, str] | None) -> Callable[[], None]:
    kms = unikms.connect(f"fake://{dialect}")
    key = kms.create_key().key_id

    def pair() -> None:
        sealed = kms.encrypt(key, PAYLOAD, context=context)
        if kms.decrypt(sealed.ciphertext, context=context).plaintext != PAYLOAD:
            raise AssertionError(f"{dialect} round trip failed")

    return pair


def timed(fn: Callable[[], None], calls: int, *, stdlib_base64: bool = False) -> float:
    """Seconds per call over ``calls`` calls (optionally on the standard library's Base64)."""
    saved = _base64.encode, _base64.encode_bytes, _base64.decode
    if stdlib_base64:
        _base64.encode = _base64.std_encode
        _base64.encode_bytes = _base64.std_encode_bytes
        _base64.decode = _base64.std_decode
    try:
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        return (time.perf_counter() - start) / calls
    finally:
        _base64.encode, _base64.encode_bytes, _base64.decode = saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--calls", type=int, default=2000)
    args = parser.parse_args()

    sides: dict[str, Callable[[], None]] = {
        "bare AESGCM (object reused)": bare_reused(),
        "bare AESGCM (object per op)": bare_per_call(),
        "floor: a faithful call, hand-inlined": floor(),
    }
    for dialect in DIALECTS:
        sides[f"fake://{dialect}"] = fake(dialect, None)
        sides[f"fake://{dialect} + context"] = fake(dialect, CONTEXT)
    stdlib = set()
    if not _base64.IMPLEMENTATION.startswith("standard"):
        for dialect in ("alibaba-classic", "tencent"):  # the dialects that move Base64
            name = f"fake://{dialect}, stdlib Base64"
            sides[name] = fake(dialect, None)
            stdlib.add(name)
    for name, fn in sides.items():  # warm up: caches, first-call imports
        timed(fn, 200, stdlib_base64=name in stdlib)
    samples: dict[str, list[float]] = {name: [] for name in sides}
    for _ in range(args.rounds):
        for name, fn in sides.items():
            samples[name].append(timed(fn, args.calls, stdlib_base64=name in stdlib))
    median = {name: statistics.median(times) for name, times in samples.items()}
    strict = median["bare AESGCM (object reused)"]

    print(f"4 KB encrypt+decrypt pairs, {args.rounds} rounds x {args.calls} calls, medians")
    print(f"Python {sys.version.split()[0]}; Base64: {_base64.IMPLEMENTATION}")
    print(f"{'side':40} {'us/pair':>9} {'pairs/s':>10} {'rate vs strict bare':>20}")
    for name, seconds in median.items():
        print(f"{name:40} {seconds * 1e6:9.2f} {1 / seconds:10.0f} {strict / seconds:19.2f}x")
    print("target: the fake at >= 0.33x the strict bare rate")


if __name__ == "__main__":
    main()
