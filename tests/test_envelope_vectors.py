"""The envelope test vectors (``tests/vectors/envelope-v1.json``), checked two ways.

1. unikms itself: each reproducible vector re-encrypts to the same bytes with the
   same injected randomness, every vector decrypts, every negative vector fails
   with the error it names.
2. ``reference_open`` below: a decoder written from ``docs/envelope.md`` alone,
   with nothing from ``unikms.envelope`` (only ``cryptography`` and the standard
   library), as another implementation would be. It opens every positive vector
   and refuses every negative one, which checks that the document says enough.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from unikms import Dialect, KmsClient
from unikms import envelope as env
from unikms.cli import demo_seed_path
from unikms.envelope import testing as envtest
from unikms.fake import FakeCloud

DOC = json.loads((Path(__file__).parent / "vectors" / "envelope-v1.json").read_text("utf-8"))
VECTORS = {v["name"]: v for v in DOC["vectors"]}
NEGATIVE = DOC["negative"]


def plaintext_of(v: dict[str, Any]) -> bytes:
    p = v["plaintext"]
    if "hex" in p:
        return bytes.fromhex(p["hex"])
    return bytes(i % 251 for i in range(p["length"]))


def raw_keys(v: dict[str, Any]) -> list[env.RawAesKey]:
    return [
        env.RawAesKey(k["name"], bytes.fromhex(k["key_hex"]))
        for k in v["wrapping_keys"]
        if k["provider"] == "raw-aes"
    ]


# -- a decoder from the document alone ---------------------------------------------------------


class Refused(Exception):
    pass


def reference_open(message: bytes, raw: dict[str, bytes], context: dict[str, str]) -> bytes:
    """Open a version 1 message with raw-aes keys (name -> 32 bytes), per docs/envelope.md."""
    pos = 0

    def take(n: int) -> bytes:
        nonlocal pos
        if pos + n > len(message):
            raise Refused("truncated")
        out = message[pos : pos + n]
        pos += n
        return out

    def u(n: int) -> int:
        return int.from_bytes(take(n), "big")

    if take(4) != b"UKEV" or u(1) != 1 or u(2) != 1:
        raise Refused("not version 1 suite 1")
    frame_size = u(4)
    if not 1 <= frame_size <= 1 << 24:
        raise Refused("frame size")
    message_id = take(32)
    ctx_block = take(u(2))
    entries = []
    p = 0
    while p < len(ctx_block):
        kl = int.from_bytes(ctx_block[p : p + 2], "big")
        k = ctx_block[p + 2 : p + 2 + kl]
        p += 2 + kl
        vl = int.from_bytes(ctx_block[p : p + 2], "big")
        val = ctx_block[p + 2 : p + 2 + vl]
        p += 2 + vl
        entries.append((k, val))
    if entries != sorted(entries) or len({k for k, _ in entries}) != len(entries):
        raise Refused("context not canonical")
    expected = sorted((k.encode(), val.encode()) for k, val in context.items())
    if entries != expected:
        raise Refused("context mismatch")
    wrapped = []
    for _ in range(u(1)):
        provider = take(u(1)).decode("ascii")
        key_id = take(u(2)).decode()
        take(u(2))  # key version id
        wrapped.append((provider, key_id, take(u(2))))
    commitment = take(32)
    body = message[:pos]
    tag = take(16)

    suite = (1).to_bytes(2, "big")

    def hkdf(ikm: bytes, label: bytes) -> bytes:
        return HKDF(hashes.SHA256(), 32, salt=message_id, info=suite + label).derive(ikm)

    message_key = None
    for provider, key_id, ct in wrapped:
        if provider != "raw-aes" or key_id not in raw:
            continue
        name = key_id.encode()
        aad = (
            b"UKEV-RAW-AES"
            + len(name).to_bytes(2, "big")
            + name
            + len(ctx_block).to_bytes(2, "big")
            + ctx_block
        )
        try:
            data_key = AESGCM(raw[key_id]).decrypt(ct[:12], ct[12:], aad)
        except Exception:
            continue
        if hmac.compare_digest(hkdf(data_key, b"UKEV-COMMITKEY"), commitment):
            message_key = hkdf(data_key, b"UKEV-DERIVEKEY")
            break
    if message_key is None:
        raise Refused("no key")
    aead = AESGCM(message_key)
    aead.decrypt(bytes(12), tag, body)  # raises InvalidTag
    out = bytearray()
    seq = 0
    while True:
        seq += 1
        kind, found = u(1), u(4)
        if kind not in (0, 1) or found != seq:
            raise Refused("frame kind or sequence")
        length = u(4) if kind == 1 else frame_size
        if length > frame_size:
            raise Refused("final frame too long")
        sealed = take(length + 16)
        nonce = bytes(8) + seq.to_bytes(4, "big")
        aad = message_id + bytes([kind]) + seq.to_bytes(4, "big") + length.to_bytes(8, "big")
        out += aead.decrypt(nonce, sealed, aad)
        if kind == 1:
            break
    if pos != len(message):
        raise Refused("trailing data")
    return bytes(out)


# -- positive vectors ----------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(VECTORS))
def test_vector_decrypts(name: str) -> None:
    v = VECTORS[name]
    message = bytes.fromhex(v["message_hex"])
    assert hashlib.sha256(message).hexdigest() == v["message_sha256"]
    data = plaintext_of(v)
    keys = raw_keys(v)
    assert env.decrypt(message, [keys[0]], context=v["context"]) == data
    raw = {k.name: k.key for k in keys}
    assert reference_open(message, raw, v["context"]) == data
    header = env.read_header(message)
    assert header.message_id.hex() == v["message_id_hex"]
    assert header.frame_size == v["frame_size"] and header.context == v["context"]
    derived = env.derive.derive(bytes.fromhex(v["data_key_hex"]), header.message_id)
    assert derived.message_key.hex() == v["intermediate"]["message_key_hex"]
    assert (
        derived.commitment.hex() == v["intermediate"]["commitment_hex"] == header.commitment.hex()
    )


@pytest.mark.parametrize("name", sorted(n for n, v in VECTORS.items() if v["reproducible"]))
def test_vector_reencrypts_to_the_same_bytes(name: str) -> None:
    v = VECTORS[name]
    rng = envtest.ScriptedRandom(bytes.fromhex(r) for r in v["random"])
    message = envtest.encrypt(
        plaintext_of(v),
        raw_keys(v),
        random=rng,
        context=v["context"] or None,
        frame_size=v["frame_size"],
    )
    assert rng.exhausted
    assert message.hex() == v["message_hex"]
    header_len = len(v["intermediate"]["header_hex"]) // 2
    assert message[:header_len].hex() == v["intermediate"]["header_hex"]


def test_kms_vector_opens_with_the_demo_seed_on_either_cloud() -> None:
    v = VECTORS["kms-wrapped"]
    message = bytes.fromhex(v["message_hex"])
    cloud = FakeCloud()
    cloud.load_seed(demo_seed_path())
    providers = [w.provider for w in env.read_header(message).wrapped_keys]
    assert providers == ["raw-aes", "alibaba-classic", "tencent"]
    for dialect in (Dialect.ALIBABA_CLASSIC, Dialect.TENCENT):
        client = KmsClient(cloud.service(dialect))
        reader = env.MessageReader(io.BytesIO(message), [client], context=v["context"])
        assert b"".join(reader) == plaintext_of(v)
        assert reader.opened_with.provider == dialect.value


def test_the_vector_set_covers_the_frame_boundaries() -> None:
    sizes = {len(plaintext_of(v)) - v["frame_size"] for v in VECTORS.values()}
    assert {-16, -15, -1, 0, 1} <= sizes
    assert len(NEGATIVE) >= 15


# -- negative vectors ----------------------------------------------------------------------


@pytest.mark.parametrize("case", NEGATIVE, ids=[c["name"] for c in NEGATIVE])
def test_negative_vector(case: dict[str, Any]) -> None:
    base = VECTORS[case["base"]]
    keys = raw_keys(case) if "wrapping_keys" in case else raw_keys(base)
    message = bytes.fromhex(case["message_hex"])
    error = getattr(env, case["error"])
    with pytest.raises(error) as err:
        env.decrypt(message, keys, context=case["context"])
    assert type(err.value).__name__ == case["error"]
    with pytest.raises(Exception):  # any refusal will do
        reference_open(message, {k.name: k.key for k in keys}, case["context"])
