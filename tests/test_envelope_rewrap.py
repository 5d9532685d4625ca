"""Rewrapping envelope messages: a new message (fresh message id, frames encrypted again)
under the same data key, with wrapping keys added and removed. Fakes only."""

from __future__ import annotations

import base64
import io
import itertools
import json
import os
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest

import unikms
from tests.drivers import DRIVERS
from tests.test_envelope import Parts, split
from unikms import Dialect, InvalidRequestError, KmsClient
from unikms import envelope as env
from unikms.cli import demo_seed_path, main
from unikms.envelope import (
    ContextMismatchError,
    FrameAuthenticationError,
    NoUsableKeyError,
    RawAesKey,
    TooManyWrappedKeysError,
    TruncatedMessageError,
)
from unikms.envelope.derive import derive
from unikms.fake import FakeCloud

FS = 1024
CTX = {"db": "orders"}
RAW = RawAesKey("break-glass", bytes(range(32)))


def pattern(n: int) -> bytes:
    return bytes(i % 251 for i in range(n))


def flip(data: bytes, index: int) -> bytes:
    b = bytearray(data)
    b[index] ^= 0x01
    return bytes(b)


class CountingClient(KmsClient):
    """Counts the KMS calls a rewrap makes."""

    def __init__(self, client: KmsClient) -> None:
        super().__init__(client.driver)
        self.calls: list[str] = []

    def generate_data_key(self, *args: object, **kw: object) -> unikms.DataKey:
        self.calls.append("generate_data_key")
        return super().generate_data_key(*args, **kw)  # type: ignore[arg-type]

    def encrypt(self, *args: object, **kw: object) -> unikms.EncryptResult:
        self.calls.append("encrypt")
        return super().encrypt(*args, **kw)  # type: ignore[arg-type]

    def decrypt(self, *args: object, **kw: object) -> unikms.DecryptResult:
        self.calls.append("decrypt")
        return super().decrypt(*args, **kw)  # type: ignore[arg-type]


def two_clouds() -> tuple[CountingClient, str, CountingClient, str]:
    ali = CountingClient(KmsClient(FakeCloud().service(Dialect.ALIBABA_CLASSIC)))
    ten = CountingClient(KmsClient(FakeCloud().service(Dialect.TENCENT)))
    return ali, ali.create_key().key_id, ten, ten.create_key().key_id


# -- the main case: an Alibaba-only message gets a Tencent wrapping -------------------------


def test_alibaba_only_message_gets_a_tencent_wrapping() -> None:
    ali, a_key, ten, t_key = two_clouds()
    data = pattern(5 * FS + 7)
    old = env.encrypt(data, [(ali, a_key)], context=CTX, frame_size=FS)
    with pytest.raises(NoUsableKeyError):
        env.decrypt(old, [ten], context=CTX)
    ali.calls.clear()

    new = env.rewrap(old, [ali], add=[(ten, t_key)], context=CTX)

    # cost: one decrypt to open the data key, one encrypt per added key, nothing else
    assert ali.calls == ["decrypt"] and ten.calls == ["encrypt"]
    assert env.decrypt(new, [ten], context=CTX) == data  # Tencent alone
    assert env.decrypt(new, [ali], context=CTX) == data
    assert env.decrypt(old, [ali], context=CTX) == data  # the original is untouched
    h_old, h_new = env.read_header(old), env.read_header(new)
    assert h_new.message_id != h_old.message_id
    assert h_new.commitment != h_old.commitment
    assert (h_new.frame_size, h_new.context) == (FS, CTX)
    # the kept wrapping is copied byte for byte; the added one comes after it
    assert h_new.wrapped_keys[0] == h_old.wrapped_keys[0]
    assert [(w.provider, w.key_id) for w in h_new.wrapped_keys] == [
        ("alibaba-classic", a_key),
        ("tencent", t_key),
    ]
    # every frame is new (new message key), and the header too
    assert new[-100:] != old[-100:] and data[:64] not in new


def test_removing_the_alibaba_wrapping() -> None:
    ali, a_key, ten, t_key = two_clouds()
    data = pattern(3 * FS)
    old = env.encrypt(data, [(ali, a_key)], context=CTX, frame_size=FS)
    new = env.rewrap(old, [ali], add=[(ten, t_key)], remove=[a_key], context=CTX)
    assert [w.provider for w in env.read_header(new).wrapped_keys] == ["tencent"]
    assert env.decrypt(new, [ten], context=CTX) == data
    with pytest.raises(NoUsableKeyError) as err:
        env.decrypt(new, [ali], context=CTX)
    assert err.value.wrapped == (("tencent", t_key),)
    # removal affects the new copy only: the original still opens with Alibaba
    assert env.decrypt(old, [ali], context=CTX) == data
    # in two steps, and by (provider, key id) or (client, key id)
    both = env.rewrap(old, [ali], add=[(ten, t_key)], context=CTX)
    for spec in (("alibaba-classic", a_key), (ali, a_key), (Dialect.ALIBABA_CLASSIC, a_key)):
        only_ten = env.rewrap(both, [ten], remove=[spec], context=CTX)
        assert [w.key_id for w in env.read_header(only_ten).wrapped_keys] == [t_key]
        assert env.decrypt(only_ten, [ten], context=CTX) == data


def test_removing_the_last_key_is_refused_before_any_kms_call() -> None:
    ali, a_key, ten, _t_key = two_clouds()
    old = env.encrypt(b"x" * 3000, [(ali, a_key)], context=CTX, frame_size=FS)
    ali.calls.clear()
    with pytest.raises(InvalidRequestError) as err:
        env.rewrap(old, [ali], remove=[a_key], context=CTX)
    assert err.value.field == "remove" and "every wrapped key" in str(err.value)
    # a key the message does not carry: refused too (a typo must not look like a revocation)
    with pytest.raises(InvalidRequestError) as err:
        env.rewrap(old, [ali], remove=["key-not-there"], context=CTX)
    assert err.value.field == "remove" and "key-not-there" in str(err.value)
    with pytest.raises(InvalidRequestError) as err:
        env.rewrap(old, [ali], remove=[("tencent", a_key)], context=CTX)
    assert err.value.field == "remove"
    assert ali.calls == [] and ten.calls == []


def test_every_frame_is_encrypted_again_under_a_new_message_key() -> None:
    ali, a_key, _ten, _t_key = two_clouds()
    data = pattern(2 * FS + 1)
    old = env.encrypt(data, [(ali, a_key)], context=CTX, frame_size=FS)
    new = env.rewrap(old, [ali], add=[RAW], context=CTX)
    # a frame of the old message does not fit into the new one (another message id and key)
    p_old, p_new = split(old), split(new)
    assert len(p_old.frames) == len(p_new.frames) == 3
    for i in range(3):
        assert p_new.frames[i] != p_old.frames[i]
        frames = list(p_new.frames)
        frames[i] = p_old.frames[i]
        with pytest.raises(FrameAuthenticationError):
            env.decrypt(Parts(p_new.header, frames).join(), [RAW], context=CTX)
    # the data key is the same: both messages' commitments derive from one key
    k_old = env.read_header(old)
    k_new = env.read_header(new)
    data_key = ali.decrypt(k_old.wrapped_keys[0].ciphertext, context=CTX).plaintext
    assert derive(data_key, k_old.message_id).commitment == k_old.commitment
    assert derive(data_key, k_new.message_id).commitment == k_new.commitment


# -- failures leave nothing that looks like a message ---------------------------------------


def test_a_tampered_frame_fails_and_writes_no_file(tmp_path: Path) -> None:
    ali, a_key, ten, t_key = two_clouds()
    data = pattern(6 * FS + 5)
    good = env.encrypt(data, [(ali, a_key)], context=CTX, frame_size=FS)
    bad = flip(good, len(good) - 3 * FS)  # inside a middle frame
    src, dst = tmp_path / "in.ukev", tmp_path / "out.ukev"
    src.write_bytes(bad)
    with pytest.raises(FrameAuthenticationError):
        env.rewrap_file(src, dst, [ali], add=[(ten, t_key)], context=CTX)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.ukev"]
    # an existing output is kept as it was
    dst.write_bytes(b"old")
    with pytest.raises(FrameAuthenticationError):
        env.rewrap_file(src, dst, [ali], add=[(ten, t_key)], context=CTX)
    assert dst.read_bytes() == b"old"
    with pytest.raises(FrameAuthenticationError):
        env.rewrap(bad, [ali], add=[RAW], context=CTX)
    # the stream form: what it wrote before the failure has no final frame, so no
    # decrypt mistakes it for a message
    out = io.BytesIO()
    with pytest.raises(FrameAuthenticationError) as err:
        env.rewrap_stream(io.BytesIO(bad), out, [ali], add=[RAW], context=CTX)
    assert err.value.frames_released >= 1
    partial = out.getvalue()
    assert partial[:4] == b"UKEV"
    with pytest.raises(TruncatedMessageError):
        env.decrypt(partial, [RAW], context=CTX)
    # a truncated input: the same
    out = io.BytesIO()
    with pytest.raises(TruncatedMessageError):
        env.rewrap_stream(io.BytesIO(good[:-40]), out, [ali], add=[RAW], context=CTX)
    with pytest.raises(TruncatedMessageError):
        env.decrypt(out.getvalue(), [RAW], context=CTX)


def test_key_and_context_failures_write_nothing(tmp_path: Path) -> None:
    ali, a_key, ten, t_key = two_clouds()
    old = env.encrypt(b"x" * 5000, [(ali, a_key)], context=CTX, frame_size=FS)
    out = io.BytesIO()
    with pytest.raises(ContextMismatchError):
        env.rewrap_stream(io.BytesIO(old), out, [ali], add=[(ten, t_key)], context={"db": "x"})
    with pytest.raises(NoUsableKeyError):
        env.rewrap_stream(io.BytesIO(old), out, [ten], add=[(ten, t_key)], context=CTX)
    with pytest.raises(unikms.KeyNotFoundError):  # an added key that does not exist
        env.rewrap_stream(io.BytesIO(old), out, [ali], add=[(ten, "alias/none")], context=CTX)
    assert out.getvalue() == b"" and ten.calls == ["encrypt"]


def test_file_rewrap_in_place_and_mode(tmp_path: Path) -> None:
    ali, a_key, ten, t_key = two_clouds()
    path = tmp_path / "m.ukev"
    data = pattern(4 * FS)
    path.write_bytes(env.encrypt(data, [(ali, a_key)], context=CTX, frame_size=FS))
    path.chmod(0o640)
    old_id = env.read_header(path.read_bytes()).message_id
    result = env.rewrap_file(path, path, [ali], add=[(ten, t_key)], remove=[a_key], context=CTX)
    assert (path.stat().st_mode & 0o777) == 0o640  # replaced in place, its mode kept
    assert result.header.message_id != old_id and result.original.message_id == old_id
    assert result.opened_with.key_id == a_key and result.plaintext_bytes == len(data)
    assert env.read_header(path.read_bytes()) == result.header
    assert env.decrypt(path.read_bytes(), [ten], context=CTX) == data
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.ukev"]


# -- streaming in bounded memory -------------------------------------------------------------


def test_streaming_rewrap_holds_a_few_frames() -> None:
    class Sink(io.RawIOBase):
        def __init__(self) -> None:
            self.n = 0

        def writable(self) -> bool:
            return True

        def write(self, b: bytes) -> int:  # type: ignore[override]
            self.n += len(b)
            return len(b)

    size = 4 * 1024 * 1024 + 3
    sealed = env.encrypt(os.urandom(size), [RAW])
    other = RawAesKey("other", bytes(32))
    env.rewrap(env.encrypt(b"w" * 200_000, [RAW]), [RAW], add=[other])  # warm up
    src = io.BytesIO(sealed)
    sink = Sink()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        result = env.rewrap_stream(src, sink, [RAW], add=[other])
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    assert result.plaintext_bytes == size
    assert sink.n == len(sealed) + (1 + 7) + (2 + 5) + 2 + (2 + 60)  # one more raw wrapped key
    assert peak < 8 * env.DEFAULT_FRAME_SIZE, peak  # well under the 4 MB message


def test_frame_size_is_kept_or_changed() -> None:
    for size in (0, 1, FS - 1, FS, FS + 1, 3 * FS, 3 * FS + 500):
        data = pattern(size)
        old = env.encrypt(data, [RAW], frame_size=FS)
        same = env.rewrap(old, [RAW])
        assert env.read_header(same).frame_size == FS and len(same) == len(old)
        assert env.decrypt(same, [RAW]) == data
        for fs in (1, 100, 3000):
            changed = env.rewrap(old, [RAW], frame_size=fs)
            assert env.read_header(changed).frame_size == fs
            assert env.decrypt(changed, [RAW]) == data
            # writer rules hold: only an empty message ends in an empty final frame
            expected = env.encrypt(data, [RAW], frame_size=fs)
            assert len(changed) == len(expected)


# -- the open side's limits ------------------------------------------------------------------


def test_allowed_keys_and_max_wrapped_keys_are_honoured() -> None:
    ali, a_key, _ten, _t_key = two_clouds()
    old = env.encrypt(b"y" * 3000, [(ali, a_key)], context=CTX, frame_size=FS)
    ali.calls.clear()
    with pytest.raises(NoUsableKeyError) as err:
        env.rewrap(old, [ali], add=[RAW], context=CTX, allowed_keys=["someone-else"])
    assert "not in allowed_keys" in str(err.value) and ali.calls == []
    new = env.rewrap(old, [ali], add=[RAW], context=CTX, allowed_keys=[("alibaba-classic", a_key)])
    assert env.decrypt(new, [RAW], context=CTX) == b"y" * 3000
    with pytest.raises(InvalidRequestError) as bad:
        env.rewrap(old, [ali], context=CTX, allowed_keys=["alias/x"])
    assert bad.value.field == "allowed_keys"

    raws = [RawAesKey(f"k{i}", os.urandom(32)) for i in range(17)]
    many = env.encrypt(b"z", raws)
    with pytest.raises(TooManyWrappedKeysError):
        env.rewrap(many, [raws[0]], remove=["k1"])
    fewer = env.rewrap(many, [raws[0]], remove=["k1"], max_wrapped_keys=17)
    assert len(env.read_header(fewer).wrapped_keys) == 16
    assert env.decrypt(fewer, [raws[16]]) == b"z"
    with pytest.raises(InvalidRequestError) as bad:
        env.rewrap(many, [raws[0]], max_wrapped_keys=0)
    assert bad.value.field == "max_wrapped_keys"


def test_raw_aes_key_add_and_kept_raw_wrappings() -> None:
    ali, a_key, _, _ = two_clouds()
    data = pattern(2 * FS + 9)
    old = env.encrypt(data, [(ali, a_key)], context=CTX, frame_size=FS)
    with_raw = env.rewrap(old, [ali], add=[RAW], context=CTX)
    assert env.decrypt(with_raw, [RAW], context=CTX) == data
    assert env.read_header(with_raw).wrapped_keys[1].provider == "raw-aes"
    # the raw wrapping is bound to the context, not the message id: it survives a rewrap
    only_raw = env.rewrap(with_raw, [RAW], remove=[("raw-aes", RAW.name)], context=CTX)
    with pytest.raises(InvalidRequestError):
        env.rewrap(only_raw, [RAW], remove=[RAW.name], context=CTX)
    moved = env.rewrap(with_raw, [RAW], remove=[a_key], context=CTX)
    assert env.read_header(moved).wrapped_keys == (env.read_header(with_raw).wrapped_keys[1],)
    assert env.decrypt(moved, [RAW], context=CTX) == data
    with pytest.raises(NoUsableKeyError):
        env.decrypt(moved, [ali], context=CTX)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"add": "tencent#key"}, "add"),
        ({"add": [("not a client", "k")]}, "add"),
        ({"add": [object()]}, "add"),
        ({"add": 5}, "add"),
        ({"remove": "key-id"}, "remove"),
        ({"remove": ["alias/backup"]}, "remove"),
        ({"remove": [("", "k")]}, "remove"),
        ({"remove": [3]}, "remove"),
        ({"remove": [""]}, "remove"),
        ({"frame_size": 0}, "frame_size"),
        ({"frame_size": True}, "frame_size"),
        ({"context": ["a"]}, "context"),
        ({"allowed_keys": "k"}, "allowed_keys"),
    ],
)
def test_bad_arguments_name_their_field(kwargs: dict[str, object], field: str) -> None:
    old = env.encrypt(b"x", [RAW])
    with pytest.raises(InvalidRequestError) as err:
        env.rewrap(old, [RAW], **kwargs)  # type: ignore[arg-type]
    assert err.value.field == field


def test_bad_sources_and_sinks() -> None:
    old = env.encrypt(b"x", [RAW])
    with pytest.raises(InvalidRequestError) as err:
        env.rewrap("text", [RAW])  # type: ignore[arg-type]
    assert err.value.field == "blob"
    with pytest.raises(InvalidRequestError) as err:
        env.rewrap_stream(io.BytesIO(old), io.StringIO(), [RAW])  # type: ignore[arg-type]
    assert err.value.field == "dst"
    with pytest.raises(InvalidRequestError) as err:
        env.rewrap_stream(io.StringIO(), io.BytesIO(), [RAW])  # type: ignore[arg-type]
    assert err.value.field == "src"
    with pytest.raises(InvalidRequestError) as err:
        env.rewrap(old, ["fake://tencent"])  # type: ignore[list-item]
    assert err.value.field == "clients"


def test_no_secrets_in_results_or_errors() -> None:
    ali, a_key, _, _ = two_clouds()
    plaintext = b"TOP-SECRET-PLAINTEXT-" * 200
    old = env.encrypt(plaintext, [(ali, a_key)], context=CTX, frame_size=FS)
    wk = env.read_header(old).wrapped_keys[0]
    data_key = ali.decrypt(wk.ciphertext, context=CTX).plaintext
    out = io.BytesIO()
    result = env.rewrap_stream(io.BytesIO(old), out, [ali], add=[RAW], context=CTX)
    texts = [repr(result), str(result)]
    for broken in (
        lambda: env.rewrap(flip(old, len(old) - 5), [ali], add=[RAW], context=CTX),
        lambda: env.rewrap(old, [ali], remove=[a_key], context=CTX),
        lambda: env.rewrap(old, [ali], context={"db": "TOP-SECRET"}),
    ):
        with pytest.raises(unikms.KmsError) as err:
            broken()
        texts += [str(err.value), repr(err.value)]
    blob = "\n".join(texts)
    for secret in (data_key, RAW.key, plaintext[:21]):
        for needle in (secret.hex(), base64.b64encode(secret).decode(), repr(secret)[2:-1][:40]):
            assert needle not in blob


# -- every pair of fake dialects -------------------------------------------------------------

FAKES = sorted(name for name in DRIVERS if name.startswith("fake-"))


@pytest.mark.parametrize(("first", "second"), list(itertools.permutations(FAKES, 2)))
def test_rewrap_between_every_pair_of_fake_dialects(first: str, second: str) -> None:
    ha, hb = DRIVERS[first](), DRIVERS[second]()
    try:
        ka, kb = ha.client.create_key().key_id, hb.client.create_key().key_id
        data = pattern(3 * FS + 11)
        old = env.encrypt(data, [(ha.client, ka)], context=CTX, frame_size=FS)
        new = env.rewrap(old, [ha.client], add=[(hb.client, kb)], remove=[ka], context=CTX)
        h = env.read_header(new)
        assert [(w.provider, w.key_id) for w in h.wrapped_keys] == [(hb.dialect.value, kb)]
        assert h.message_id != env.read_header(old).message_id
        assert env.decrypt(new, [hb.client], context=CTX) == data
        with pytest.raises(NoUsableKeyError):
            env.decrypt(new, [ha.client], context=CTX)
        assert env.decrypt(old, [ha.client], context=CTX) == data
    finally:
        ha.client.close()
        hb.client.close()


# -- command line ----------------------------------------------------------------------------

SEED = demo_seed_path()
ALI = f"fake://alibaba-classic?seed={SEED}"
TEN = f"fake://tencent?seed={SEED}"
UNIKMS = [sys.executable, "-m", "unikms.cli"]


def run(args: list[str], data: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    environ = {k: v for k, v in os.environ.items() if k != "UNIKMS_URL"}
    return subprocess.run(UNIKMS + args, input=data, capture_output=True, check=False, env=environ)


def wrapped(path: Path) -> list[tuple[str, str]]:
    doc = json.loads(run(["inspect", "-i", str(path)]).stdout)
    return [(w["provider"], w["key_id"]) for w in doc["wrapped_keys"]]


def test_cli_round_trip(tmp_path: Path) -> None:
    data = os.urandom(200_000)
    src, old, new, out = (tmp_path / n for n in ("in", "old.ukev", "new.ukev", "out"))
    src.write_bytes(data)
    assert (
        main(["seal", "-i", str(src), "-o", str(old), "-c", "app=db", "-k", f"{ALI}#alias/demo"])
        == 0
    )
    ((_, a_id),) = wrapped(old)
    args = ["rewrap", "-i", str(old), "-o", str(new), "-c", "app=db", "--url", ALI]
    assert main([*args, "--add", f"{TEN}#alias/demo", "--remove", a_id, "-q"]) == 0
    assert [p for p, _ in wrapped(new)] == ["tencent"]
    assert (new.stat().st_mode & 0o777) == 0o600
    assert main(["open", "--url", TEN, "-c", "app=db", "-i", str(new), "-o", str(out)]) == 0
    assert out.read_bytes() == data
    r = run(["open", "--url", ALI, "-c", "app=db", "-i", str(new)])
    assert r.returncode == 1 and b"NoUsableKeyError" in r.stderr
    # through a pipe, a bare --add KEY on the one --url, and a raw key added
    key = tmp_path / "raw"
    key.write_bytes(os.urandom(32))
    ((_, t_id),) = wrapped(new)
    dup = run(["rewrap", "--url", TEN, "-c", "app=db", "--add", "alias/demo"], new.read_bytes())
    assert dup.returncode == 1 and b"already carries" in dup.stderr  # one wrapping per key
    piped = run(
        ["rewrap", "--url", TEN, "-c", "app=db", "--remove", t_id, "--add", "alias/demo",
         "--add-raw-key", f"bg={key}"],
        new.read_bytes(),
    )  # fmt: skip
    assert piped.returncode == 0, piped.stderr
    opened = run(["open", "--raw-key", f"bg={key}", "-c", "app=db"], piped.stdout)
    assert (opened.returncode, opened.stdout) == (0, data), opened.stderr
    # and the raw key opens for a further rewrap
    again = run(
        ["rewrap", "--raw-key", f"bg={key}", "-c", "app=db", "--remove", "bg"], piped.stdout
    )
    assert again.returncode == 0, again.stderr
    assert run(["open", "--url", TEN, "-c", "app=db"], again.stdout).stdout == data


def test_cli_failures(tmp_path: Path) -> None:
    data = os.urandom(50_000)
    sealed = run(["seal", "--frame-size", "1024", "-c", "a=b"], data).stdout
    out = tmp_path / "out"
    bad = flip(sealed, len(sealed) - 3000)
    r = run(["rewrap", "-c", "a=b", "--add-raw-key", "x=/nonexistent", "-o", str(out)], bad)
    assert r.returncode != 0
    raw = tmp_path / "raw"
    raw.write_bytes(os.urandom(32))
    r = run(["rewrap", "-c", "a=b", "--add-raw-key", f"x={raw}", "-o", str(out)], bad)
    assert r.returncode == 1 and b"FrameAuthenticationError" in r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["raw"]
    r = run(["rewrap", "-c", "a=b", "--add-raw-key", f"x={raw}"], bad)
    assert r.returncode == 1 and b"no final frame" in r.stderr
    r = run(["rewrap", "-c", "a=b", "--remove", "key-hzzunikmsdemo00000001"], sealed)
    assert r.returncode == 1 and b"every wrapped key" in r.stderr and r.stdout == b""
    assert b"no final frame" not in r.stderr
    r = run(
        ["rewrap", "-c", "a=b", "--allow-key", "someone-else", "--add-raw-key", f"x={raw}"], sealed
    )
    assert r.returncode == 1 and b"not in allowed_keys" in r.stderr
    r = run(["rewrap", "-c", "a=b", "--max-wrapped-keys", "0"], sealed)
    assert r.returncode == 2
    r = run(["rewrap", "--url", ALI, "--url", TEN, "--add", "alias/demo", "-c", "a=b"], sealed)
    assert r.returncode != 0 and b"URL#KEY" in r.stderr
