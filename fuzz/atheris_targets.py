"""Coverage-guided (atheris / libFuzzer) harnesses over the suite's fuzz oracles.

The oracles are the suite's own (``tests/test_fuzz_decrypt.py``,
``tests/test_fuzz_envelope.py``, ``tests/test_fuzz_emulator.py``), so a failure
here is a failure there. The fake's keys live in this process only, so a corpus
of ciphertexts could not outlive it: each input is instead a *change* applied to
a valid ciphertext or message made at start-up (byte 0 picks the target, byte 1
the kind of change, the rest is its argument), and an all-zero input is the
original (every dialect's ciphertexts, AWS's included). For the emulator, the input
is the body of a correctly signed Tencent, gateway, Alibaba classic or AWS request.

Run from the repository root, after ``pip install -e '.[test,fuzz]'``::

    python -m fuzz.atheris_targets decrypt -max_total_time=600
    python -m fuzz.atheris_targets envelope -max_total_time=600
    python -m fuzz.atheris_targets emulator -max_total_time=600

Any libFuzzer flag may follow (``-runs=N``, ``-jobs=2``, a corpus directory).
A failing input is written as ``crash-<sha1>``; run the harness with that file
as its only argument to replay it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import atheris

with atheris.instrument_imports(include=["unikms"]):  # coverage of every part the oracles use
    pass

from tests import test_fuzz_decrypt as decrypt_oracle
from tests import test_fuzz_emulator as emulator_oracle
from tests import test_fuzz_envelope as envelope_oracle
from unikms.envelope.errors import EnvelopeError


def apply_change(original: bytes, data: bytes) -> bytes:
    """``data[0]`` is the kind of change, the rest its argument; all zeros change nothing."""
    if len(data) < 1:
        return original
    kind, arg = data[0] % 5, data[1:]
    if kind == 0:  # xor the argument over the start (zeros: the original)
        head = bytes(a ^ b for a, b in zip(original, arg, strict=False))
        return head + original[len(head) :]
    if kind == 1:  # xor over the end
        cut = max(0, len(original) - len(arg))
        tail = bytes(a ^ b for a, b in zip(original[cut:], arg, strict=False))
        return original[:cut] + tail
    if kind == 2:  # cut to a length
        n = int.from_bytes(arg[:2].ljust(2, b"\0"), "big")
        return original[: len(original) - n % (len(original) + 1)]
    if kind == 3:  # append
        return original + arg
    return arg  # anything at all


def decrypt_target() -> Callable[[bytes], None]:
    targets = [decrypt_oracle.sealed_targets()[n] for n in decrypt_oracle.TARGETS]

    def one(data: bytes) -> None:
        if not data:
            return
        sealed = targets[data[0] % len(targets)]
        blob = sealed.ciphertext
        raw = blob if isinstance(blob, bytes) else blob.encode("latin-1")
        changed = apply_change(raw, data[1:])
        mutant = changed if isinstance(blob, bytes) else changed.decode("latin-1")
        decrypt_oracle.check_decrypt(sealed, mutant)

    return one


def envelope_target() -> Callable[[bytes], None]:
    sealed = envelope_oracle.sealed()
    original = sealed.messages[0]

    def one(data: bytes) -> None:
        blob = apply_change(original.blob, data)
        try:
            opened = envelope_oracle.envelope.decrypt(
                blob, list(sealed.clients), context=envelope_oracle.CONTEXT
            )
        except EnvelopeError:
            return
        assert blob == original.blob and opened == original.plaintext, "a mutant opened"

    return one


def emulator_target() -> Callable[[bytes], None]:
    served = emulator_oracle.served()
    ten = emulator_oracle.TENCENT_ACTIONS
    ali = emulator_oracle.ALIBABA_ACTIONS
    aws = emulator_oracle.AWS_ACTIONS
    apis = sorted(emulator_oracle.MESSAGES)

    def one(data: bytes) -> None:
        if len(data) < 2:
            return
        which, pick, body = data[0] % 4, data[1], data[2:]
        if which == 0:  # a signed Tencent TC3 request with this JSON (or not) body
            action = ten[pick % len(ten)]
            headers = emulator_oracle.tc3(action, body)
            answer, routed = emulator_oracle.call("POST", b"", headers, body)
        elif which == 1:  # a signed instance gateway request with this protobuf body
            api = apis[pick % len(apis)]
            headers = emulator_oracle.gateway(api, body)
            answer, routed = emulator_oracle.call("POST", b"", headers, body)
        elif which == 3:  # a SigV4-signed AWS JSON 1.1 request with this body
            headers = emulator_oracle.sigv4(f"TrentService.{aws[pick % len(aws)]}", body)
            answer, routed = emulator_oracle.call("POST", b"", headers, body)
        else:  # a signed Alibaba classic request with this form body
            action = ali[pick % len(ali)]
            query, headers = emulator_oracle.acs3(action, {}, body)
            headers.append((b"content-type", b"application/x-www-form-urlencoded"))
            answer, routed = emulator_oracle.call("POST", query, headers, body)
        emulator_oracle.check_answer(answer, routed)

    del served
    return one


TARGETS = {"decrypt": decrypt_target, "envelope": envelope_target, "emulator": emulator_target}


def main(argv: list[str]) -> None:
    if len(argv) < 2 or argv[1] not in TARGETS:
        sys.exit(f"usage: python -m fuzz.atheris_targets {{{','.join(TARGETS)}}} [libFuzzer flags]")
    one = TARGETS[argv[1]]()
    atheris.Setup([argv[0], *argv[2:]], one)
    atheris.Fuzz()


if __name__ == "__main__":
    main(sys.argv)
