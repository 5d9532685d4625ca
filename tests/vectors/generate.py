"""Regenerate ``envelope-v1.json``: ``.venv/bin/python tests/vectors/generate.py``.

Every positive vector is made with injected randomness (fixed data key, raw-key
IVs and message id; see ``unikms.envelope.testing``), so rerunning this writes
the same bytes, except the one vector wrapped by the fake KMS (``reproducible:
false``), whose KMS ciphertexts carry the fake's random IVs.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import Any

from unikms.envelope import RawAesKey, read_header
from unikms.envelope import testing as envtest
from unikms.envelope.derive import derive
from unikms.envelope.format import parse_header

HERE = Path(__file__).parent
OUT = HERE / "envelope-v1.json"


def h(label: str, n: int) -> bytes:
    """Fixed 'random' bytes for the vectors: SHA-256 of a label, cut to n."""
    return hashlib.sha256(f"unikms envelope vector: {label}".encode()).digest()[:n]


RAW_1 = RawAesKey("vector-key-1", h("raw key 1", 32))
RAW_2 = RawAesKey("vector-key-2", h("raw key 2", 32))
RAW_KEYS = {k.name: k for k in (RAW_1, RAW_2)}


def pattern(n: int) -> bytes:
    return bytes(i % 251 for i in range(n))


def plaintext_doc(data: bytes) -> dict[str, Any]:
    if len(data) > 1024:
        assert data == pattern(len(data))
        return {"pattern": "byte i is i mod 251", "length": len(data)}
    return {"hex": data.hex()}


def positive(
    name: str,
    description: str,
    data: bytes,
    keys: list[RawAesKey],
    *,
    frame_size: int,
    context: dict[str, str] | None = None,
) -> dict[str, Any]:
    data_key = h(f"{name} data key", 32)
    ivs = [h(f"{name} iv {i}", 12) for i in range(len(keys))]
    message_id = h(f"{name} message id", 32)
    random = [data_key, *ivs, message_id]
    rng = envtest.ScriptedRandom(random)
    message = envtest.encrypt(data, keys, random=rng, context=context, frame_size=frame_size)
    assert rng.exhausted
    _, body, tag = parse_header(io.BytesIO(message).read)
    derived = derive(data_key, message_id)
    header = read_header(message)
    return {
        "name": name,
        "description": description,
        "reproducible": True,
        "frame_size": frame_size,
        "context": context or {},
        "wrapping_keys": [
            {"provider": "raw-aes", "name": k.name, "key_hex": k.key.hex()} for k in keys
        ],
        "random": [r.hex() for r in random],
        "data_key_hex": data_key.hex(),
        "message_id_hex": message_id.hex(),
        "plaintext": plaintext_doc(data),
        "intermediate": {
            "message_key_hex": derived.message_key.hex(),
            "commitment_hex": derived.commitment.hex(),
            "header_hex": (body + tag).hex(),
            "header_tag_hex": tag.hex(),
            "wrapped_keys_hex": [wk.ciphertext.hex() for wk in header.wrapped_keys],
            "frames": _count_frames(message, len(body) + len(tag), frame_size),
        },
        "message_hex": message.hex(),
        "message_sha256": hashlib.sha256(message).hexdigest(),
    }


def _count_frames(message: bytes, pos: int, frame_size: int) -> int:
    n = 0
    while pos < len(message):
        n += 1
        if message[pos] == 0:
            pos += 5 + frame_size + 16
        else:
            pos += 9 + int.from_bytes(message[pos + 5 : pos + 9], "big") + 16
    return n


def kms_vector() -> dict[str, Any]:
    """A message whose data key is wrapped by the fake Alibaba classic and Tencent
    KMS loaded with the public demo seed (``unikms/data/demo-seed.json``)."""
    from unikms import Dialect, KmsClient
    from unikms.cli import demo_seed_path
    from unikms.envelope import KmsKey
    from unikms.fake import FakeCloud

    cloud = FakeCloud()
    cloud.load_seed(demo_seed_path())
    ali = KmsClient(cloud.service(Dialect.ALIBABA_CLASSIC))
    ten = KmsClient(cloud.service(Dialect.TENCENT))
    name = "kms-wrapped"
    data_key = h(f"{name} data key", 32)
    message_id = h(f"{name} message id", 32)
    context = {"purpose": "interop"}
    # the raw key makes the data key (so it is fixed); both KMS keys wrap it too
    rng = envtest.ScriptedRandom([data_key, h(f"{name} iv 0", 12), message_id])
    data = pattern(40)
    message = envtest.encrypt(
        data,
        [RAW_1, KmsKey(ali, "alias/demo"), KmsKey(ten, "alias/demo")],
        random=rng,
        context=context,
        frame_size=16,
    )
    derived = derive(data_key, message_id)
    return {
        "name": name,
        "description": "wrapped under a raw key, the demo Alibaba classic key and the demo "
        "Tencent key of the public demo seed; the KMS ciphertexts are the fake's (random IVs), "
        "so this vector checks decryption only",
        "reproducible": False,
        "frame_size": 16,
        "context": context,
        "wrapping_keys": [
            {"provider": "raw-aes", "name": RAW_1.name, "key_hex": RAW_1.key.hex()},
            {
                "provider": "alibaba-classic",
                "seed": "unikms/data/demo-seed.json",
                "key": "alias/demo",
            },
            {"provider": "tencent", "seed": "unikms/data/demo-seed.json", "key": "alias/demo"},
        ],
        "data_key_hex": data_key.hex(),
        "message_id_hex": message_id.hex(),
        "plaintext": plaintext_doc(data),
        "intermediate": {
            "message_key_hex": derived.message_key.hex(),
            "commitment_hex": derived.commitment.hex(),
        },
        "message_hex": message.hex(),
        "message_sha256": hashlib.sha256(message).hexdigest(),
    }


def negatives(base: dict[str, Any]) -> list[dict[str, Any]]:
    """Tampered forms of a positive vector, each with the error it must raise."""
    message = bytes.fromhex(base["message_hex"])
    hlen = len(bytes.fromhex(base["intermediate"]["header_hex"]))
    fs = base["frame_size"]
    frame = 5 + fs + 16
    header, frames_blob = message[:hlen], message[hlen:]
    n_regular = base["intermediate"]["frames"] - 1
    regular = [frames_blob[i * frame : (i + 1) * frame] for i in range(n_regular)]
    final = frames_blob[n_regular * frame :]

    def flip(data: bytes, i: int) -> str:
        b = bytearray(data)
        b[i] ^= 0x01
        return bytes(b).hex()

    cases = [
        ("empty", "no bytes at all", b"".hex(), "TruncatedMessageError"),
        ("bad-magic", "first byte changed", flip(message, 0), "MalformedMessageError"),
        ("version-2", "version byte set to 2", (message[:4] + b"\x02" + message[5:]).hex(),
         "UnsupportedFormatError"),
        ("suite-2", "suite set to 0x0002", (message[:5] + b"\x00\x02" + message[7:]).hex(),
         "UnsupportedFormatError"),
        ("header-cut", "message cut inside the header", message[: hlen - 5].hex(),
         "TruncatedMessageError"),
        ("frame-size-changed", "frame size 16 -> 17 (tag no longer verifies)",
         (message[:7] + (fs + 1).to_bytes(4, "big") + message[11:]).hex(),
         "HeaderAuthenticationError"),
        ("message-id-flipped", "a message id bit flipped (commitment mismatch)", flip(message, 11),
         "KeyCommitmentError"),
        ("commitment-flipped", "a commitment bit flipped", flip(message, hlen - 17),
         "KeyCommitmentError"),
        ("header-tag-flipped", "a header tag bit flipped", flip(message, hlen - 1),
         "HeaderAuthenticationError"),
        ("final-frame-dropped", "the final frame removed", (header + b"".join(regular)).hex(),
         "TruncatedMessageError"),
        ("frame-dropped", "frame 2 removed",
         (header + regular[0] + b"".join(regular[2:]) + final).hex(), "FrameSequenceError"),
        ("frames-swapped", "frames 1 and 2 swapped",
         (header + regular[1] + regular[0] + b"".join(regular[2:]) + final).hex(),
         "FrameSequenceError"),
        ("frames-swapped-renumbered", "frames 1 and 2 swapped, sequence numbers rewritten",
         (header + regular[1][:1] + b"\x00\x00\x00\x01" + regular[1][5:]
          + regular[0][:1] + b"\x00\x00\x00\x02" + regular[0][5:]
          + b"".join(regular[2:]) + final).hex(),
         "FrameAuthenticationError"),
        ("frame-flipped", "a ciphertext bit of frame 1 flipped", flip(message, hlen + 10),
         "FrameAuthenticationError"),
        ("final-tag-flipped", "the last byte (final frame tag) flipped",
         flip(message, len(message) - 1), "FrameAuthenticationError"),
        ("regular-as-final", "frame 1 relabelled final, the rest dropped",
         (header + b"\x01" + regular[0][1:5] + fs.to_bytes(4, "big") + regular[0][5:]).hex(),
         "FrameAuthenticationError"),
        ("trailing-byte", "one byte after the final frame", (message + b"\x00").hex(),
         "TrailingDataError"),
    ]  # fmt: skip
    out = [
        {"name": f"{base['name']}/{n}", "base": base["name"], "description": d,
         "message_hex": m, "context": base["context"], "error": e}
        for n, d, m, e in cases
    ]  # fmt: skip
    out.append(
        {
            "name": f"{base['name']}/wrong-context",
            "base": base["name"],
            "description": "the right message, opened with another context",
            "message_hex": base["message_hex"],
            "context": {**base["context"], "tenant": "43"},
            "error": "ContextMismatchError",
        }
    )
    out.append(
        {
            "name": f"{base['name']}/wrong-key",
            "base": base["name"],
            "description": "opened with a raw key of the right name and the wrong bytes",
            "message_hex": base["message_hex"],
            "context": base["context"],
            "wrapping_keys": [
                {"provider": "raw-aes", "name": RAW_1.name, "key_hex": h("wrong", 32).hex()}
            ],
            "error": "NoUsableKeyError",
        }
    )
    return out


def main() -> None:
    unicode_ctx = {"tenant": "42", "名前": "値", "emoji": "\U0001f510", "a": ""}
    vectors = [
        positive("empty", "no plaintext: one empty final frame", b"", [RAW_1], frame_size=16),
        positive("one-byte", "1 byte", b"\x2a", [RAW_1], frame_size=16,
                 context={"purpose": "test"}),
        positive("frame-minus-one", "15 bytes, frame 16", pattern(15), [RAW_1], frame_size=16),
        positive("frame", "16 bytes, frame 16: the final frame is full", pattern(16), [RAW_1],
                 frame_size=16),
        positive("frame-plus-one", "17 bytes: a regular frame and a 1-byte final frame",
                 pattern(17), [RAW_1], frame_size=16),
        positive("multi-frame", "100 bytes in 7 frames, a context with non-ASCII names",
                 pattern(100), [RAW_1], frame_size=16, context=unicode_ctx),
        positive("two-raw-keys", "two wrapped copies of the data key", pattern(40),
                 [RAW_1, RAW_2], frame_size=32, context={"copy": "two"}),
        positive("default-frame", "70000 bytes at the default frame size (65536)",
                 pattern(70000), [RAW_2], frame_size=65536),
    ]  # fmt: skip
    doc = {
        "format": "unikms envelope message, version 1, suite 0x0001",
        "spec": "docs/envelope.md",
        "notes": [
            "random lists the values the encryptor drew, in order: the data key (the first "
            "wrapping key is a raw key), one 12-byte IV per raw wrapping key, the message id",
            "a plaintext given as a pattern is bytes(i % 251 for i in range(length))",
            "negative vectors open with the base vector's wrapping keys unless they list "
            "their own, and the context they list; error names the unikms error class",
        ],
        "vectors": [*vectors, kms_vector()],
        "negative": negatives(vectors[5]),
    }
    OUT.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({len(doc['vectors'])} vectors, {len(doc['negative'])} negative)")


if __name__ == "__main__":
    main()
