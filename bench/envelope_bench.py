"""Envelope encryption throughput and memory, in one run.

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python bench/envelope_bench.py            # 256 MB, a minute or two on 2 cores
    .venv/bin/python bench/envelope_bench.py --mb 64    # quicker

Prints MB/s (1 MB = 10^6 bytes) to encrypt and to decrypt one stream of
``--mb`` MiB through:

* unikms envelope (``encrypt_stream`` / ``decrypt_stream``, default 64 KiB
  frames, data key from the fake Alibaba classic KMS);
* bare ``AESGCM`` over 1 MiB chunks (counter nonces, no framing): the ceiling;
* aws-encryption-sdk (raw AES keyring, its default 4 KiB frames, and once with
  64 KiB frames like unikms), on the same bytes;

then the peak memory of unikms streaming 64 MiB and 256 MiB, each measured in a
fresh subprocess (``tracemalloc`` peak of Python allocations and ``ru_maxrss``).
Every contender reads from the same in-memory source (a random 1 MiB block,
repeated) and writes to a sink that counts and drops bytes, so what is timed
is the crypto and the framing, not a disk or the page faults of keeping 256 MiB.
Each decrypt reads a message made beforehand (untimed) from memory.
Benchmarks are not tests: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

import unikms
from unikms import envelope
from unikms.envelope.format import DEFAULT_FRAME_SIZE

MiB = 1024 * 1024
BLOCK = os.urandom(MiB)


class Source(io.RawIOBase):
    """``size`` bytes: a random 1 MiB block, repeated. Reads return fresh bytes."""

    def __init__(self, size: int) -> None:
        self.left = size
        self.pos = 0

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        n = self.left if n < 0 else min(n, self.left)
        if n <= 0:
            return b""
        self.left -= n
        end = self.pos + n
        if end <= MiB:
            out = BLOCK[self.pos : end]
            self.pos = end % MiB
            return out
        parts = []
        while n:
            take = min(n, MiB - self.pos)
            parts.append(BLOCK[self.pos : self.pos + take])
            self.pos = (self.pos + take) % MiB
            n -= take
        return b"".join(parts)


class Sink(io.RawIOBase):
    def __init__(self) -> None:
        self.count = 0

    def writable(self) -> bool:
        return True

    def write(self, b: bytes) -> int:  # type: ignore[override]
        self.count += len(b)
        return len(b)


class Collect(io.RawIOBase):
    """A sink that keeps what it is given (no copies), to decrypt it afterwards."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, b: bytes) -> int:  # type: ignore[override]
        self.chunks.append(b)
        return len(b)

    def value(self) -> bytes:
        return b"".join(self.chunks)


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def rate(size: int, seconds: float) -> float:
    return size / seconds / 1e6


# -- contenders -----------------------------------------------------------------------------


def unikms_run(size: int, target: envelope.KmsKey) -> tuple[float, float, int]:
    enc = timed(lambda: envelope.encrypt_stream(Source(size), Sink(), [target]))
    sealed = Collect()  # untimed: the message to decrypt
    envelope.encrypt_stream(Source(size), sealed, [target])
    message = sealed.value()
    sealed.chunks.clear()
    sink = Sink()
    dec = timed(lambda: envelope.decrypt_stream(io.BytesIO(message), sink, [target.client]))
    assert sink.count == size
    return enc, dec, len(message)


def bare_run(size: int) -> tuple[float, float]:
    aead = AESGCM(os.urandom(32))

    def encrypt(sink: Callable[[bytes], object]) -> None:
        src = Source(size)
        seq = 0
        while chunk := src.read(MiB):
            seq += 1
            sink(aead.encrypt(seq.to_bytes(12, "big"), chunk, None))

    chunks: list[bytes] = []

    def decrypt() -> None:
        sink = Sink()
        for seq, chunk in enumerate(chunks, 1):
            sink.write(aead.decrypt(seq.to_bytes(12, "big"), chunk, None))
        assert sink.count == size

    enc = timed(lambda: encrypt(Sink().write))
    encrypt(chunks.append)  # untimed: the chunks to decrypt
    dec = timed(decrypt)
    return enc, dec


def aws_keyring() -> object:
    from aws_cryptographic_material_providers.mpl import AwsCryptographicMaterialProviders
    from aws_cryptographic_material_providers.mpl.config import MaterialProvidersConfig
    from aws_cryptographic_material_providers.mpl.models import (
        AesWrappingAlg,
        CreateRawAesKeyringInput,
    )

    mpl = AwsCryptographicMaterialProviders(config=MaterialProvidersConfig())
    return mpl.create_raw_aes_keyring(
        input=CreateRawAesKeyringInput(
            key_namespace="bench",
            key_name="raw-aes",
            wrapping_key=os.urandom(32),
            wrapping_alg=AesWrappingAlg.ALG_AES256_GCM_IV12_TAG16,
        )
    )


def aws_run(size: int, frame_length: int | None) -> tuple[float, float]:
    import aws_encryption_sdk
    from aws_encryption_sdk import CommitmentPolicy

    client = aws_encryption_sdk.EncryptionSDKClient(
        commitment_policy=CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT
    )
    keyring = aws_keyring()
    sealed = Collect()
    extra = {} if frame_length is None else {"frame_length": frame_length}

    def encrypt(sink: io.RawIOBase) -> None:
        with client.stream(mode="e", source=Source(size), keyring=keyring, **extra) as stream:
            for chunk in stream:
                sink.write(chunk)

    def decrypt() -> None:
        sink = Sink()
        source = io.BytesIO(sealed.value())
        sealed.chunks.clear()
        with client.stream(mode="d", source=source, keyring=keyring) as stream:
            for chunk in stream:
                sink.write(chunk)
        assert sink.count == size

    enc = timed(lambda: encrypt(Sink()))
    encrypt(sealed)  # untimed: the message to decrypt
    return enc, timed(decrypt)


# -- memory, in a child process ---------------------------------------------------------------


def peak_rss_kib() -> int:
    """This process's peak resident set (VmHWM; ``ru_maxrss`` where there is no /proc).

    ``ru_maxrss`` alone would do on a fresh process, but Linux carries it over
    ``exec`` from the parent, so a child would report the parent's peak.
    """
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def memory_child(mib: int) -> None:
    """Stream ``mib`` MiB through unikms (encrypt to a temp file, decrypt it) and report."""
    size = mib * MiB
    kms = unikms.connect("fake://alibaba-classic")
    target = envelope.KmsKey(kms, kms.create_key().key_id)
    with tempfile.TemporaryFile() as spool:
        envelope.encrypt_stream(Source(MiB), io.BytesIO(), [target])  # warm up
        rss_before = peak_rss_kib()
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        envelope.encrypt_stream(Source(size), spool, [target])
        enc_peak = tracemalloc.get_traced_memory()[1] - base
        spool.seek(0)
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        sink = Sink()
        envelope.decrypt_stream(spool, sink, [kms])
        dec_peak = tracemalloc.get_traced_memory()[1] - base
        tracemalloc.stop()
        assert sink.count == size
    rss_after = peak_rss_kib()
    print(
        json.dumps(
            {
                "mib": mib,
                "encrypt_peak": enc_peak,
                "decrypt_peak": dec_peak,
                "maxrss_kib_before": rss_before,
                "maxrss_kib_after": rss_after,
            }
        )
    )


def memory(mib: int) -> dict[str, int]:
    out = subprocess.run(
        [sys.executable, __file__, "--memory-child", str(mib)],
        capture_output=True,
        check=True,
        text=True,
    )
    result: dict[str, int] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


# -- main -----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=int, default=256, help="stream size in MiB (default 256)")
    parser.add_argument("--memory-child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--no-aws", action="store_true", help="skip aws-encryption-sdk")
    args = parser.parse_args()
    if args.memory_child:
        memory_child(args.memory_child)
        return

    size = args.mb * MiB
    # memory first, while this process is still small
    mem_results = [memory(mib) for mib in (64, 256)]
    print(f"unikms envelope benchmark: {args.mb} MiB stream, Python {sys.version.split()[0]}, "
          f"{os.cpu_count()} CPUs")  # fmt: skip
    kms = unikms.connect("fake://alibaba-classic")
    target = envelope.KmsKey(kms, kms.create_key().key_id)
    unikms_run(8 * MiB, target)  # warm up
    rows: list[tuple[str, float, float]] = []

    enc, dec, message_size = unikms_run(size, target)
    overhead = message_size - size
    rows.append((f"unikms envelope ({DEFAULT_FRAME_SIZE // 1024} KiB frames)", enc, dec))
    enc, dec = bare_run(size)
    rows.append(("bare AESGCM, 1 MiB chunks", enc, dec))
    if not args.no_aws:
        try:
            enc, dec = aws_run(size, None)
            rows.append(("aws-encryption-sdk (raw AES keyring, 4 KiB frames)", enc, dec))
            enc, dec = aws_run(size, DEFAULT_FRAME_SIZE)
            rows.append(("aws-encryption-sdk (raw AES keyring, 64 KiB frames)", enc, dec))
        except ImportError as err:
            print(f"(aws-encryption-sdk skipped: {err}; pip install -e '.[bench]')")

    print()
    print(f"{'':55} {'encrypt MB/s':>13} {'decrypt MB/s':>13}")
    for name, enc, dec in rows:
        print(f"{name:55} {rate(size, enc):13.0f} {rate(size, dec):13.0f}")
    print(f"\nunikms message overhead: {overhead} bytes ({overhead / size:.4%})")

    uni = rows[0]
    bare = rows[1]
    print("\ntargets:")
    for label, i in (("encrypt", 1), ("decrypt", 2)):
        ratio = bare[i] / uni[i]
        print(f"  {label}: unikms / bare AESGCM = {ratio:.2f} (target >= 0.5)")
    if len(rows) > 2:
        aws = rows[2]
        for label, i in (("encrypt", 1), ("decrypt", 2)):
            print(
                f"  {label}: unikms / aws-encryption-sdk = {aws[i] / uni[i]:.1f}x (target >= 10x)"
            )

    print("\npeak memory of unikms streaming (fresh subprocess each):")
    results = mem_results
    for r in results:
        print(
            f"  {r['mib']:4d} MiB: tracemalloc peak encrypt {r['encrypt_peak'] / MiB:.2f} MiB, "
            f"decrypt {r['decrypt_peak'] / MiB:.2f} MiB; max RSS {r['maxrss_kib_after'] / 1024:.1f}"
            f" MiB (after imports and set-up: {r['maxrss_kib_before'] / 1024:.1f} MiB)"
        )
    small, big = results
    grow = max(big["encrypt_peak"], big["decrypt_peak"]) / max(
        small["encrypt_peak"], small["decrypt_peak"]
    )
    print(f"  256 MiB peak / 64 MiB peak = {grow:.2f} (flat: ~1.0)")


if __name__ == "__main__":
    main()
