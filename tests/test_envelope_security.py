"""Envelope decryption limits (``max_wrapped_keys``, ``allowed_keys``) and typed input errors.

A message's header is not authenticated until a data key opened it, so the wrapped keys a
decrypt hands to a KMS are chosen by whoever wrote the message. These tests pin down what a
crafted message can and cannot make the caller's credentials do, and that bad arguments
give an :class:`~unikms.InvalidRequestError` naming the field, never an ``AttributeError``
or ``TypeError``.
"""

from __future__ import annotations

import io
import math
import os
import threading
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

import unikms
from unikms import Dialect, InvalidRequestError, KmsClient
from unikms import envelope as env
from unikms.envelope import (
    DataKeyCache,
    KmsKey,
    MessageReader,
    MessageWriter,
    NoUsableKeyError,
    RawAesKey,
    TooManyWrappedKeysError,
)
from unikms.envelope.derive import derive, header_tag
from unikms.envelope.format import encode_header_body
from unikms.fake import FakeCloud

RAW = RawAesKey("test-raw-key", bytes(range(32)))


class DecryptCounter(KmsClient):
    """A client that counts the ciphertexts it is asked to decrypt."""

    def __init__(self, client: KmsClient) -> None:
        super().__init__(client.driver)
        self.decrypted: list[bytes] = []
        self._lock = threading.Lock()

    def decrypt(self, ciphertext: bytes, *args: object, **kw: object) -> unikms.DecryptResult:
        with self._lock:
            self.decrypted.append(ciphertext)
        return super().decrypt(ciphertext, *args, **kw)  # type: ignore[arg-type]


def counting(dialect: Dialect, cloud: FakeCloud | None = None) -> DecryptCounter:
    return DecryptCounter(KmsClient((cloud or FakeCloud()).service(dialect)))


def raw_keys(n: int) -> list[RawAesKey]:
    return [RawAesKey(f"raw-{i}", bytes([i]) * 32) for i in range(n)]


def crafted(wrapped: list[env.WrappedKey], context: dict[str, str] | None = None) -> bytes:
    """A message whose header carries ``wrapped`` and a commitment to an unrelated data key."""
    message_id = os.urandom(32)
    keys = derive(os.urandom(32), message_id)
    body = encode_header_body(
        frame_size=1024,
        message_id=message_id,
        context_block=env.format.encode_context(context),
        wrapped_keys=tuple(wrapped),
        commitment=keys.commitment,
    )
    return body + header_tag(AESGCM(keys.message_key), body)


# -- max_wrapped_keys ----------------------------------------------------------------------


def test_default_limit_refuses_more_than_16_wrapped_keys() -> None:
    assert env.DEFAULT_MAX_WRAPPED_KEYS == 16
    keys = raw_keys(17)
    sealed = env.encrypt(b"many", keys)  # encrypt still allows up to 255
    with pytest.raises(TooManyWrappedKeysError) as err:
        env.decrypt(sealed, [keys[0]])
    assert (err.value.count, err.value.limit) == (17, 16)
    assert "max_wrapped_keys" in str(err.value)
    assert isinstance(err.value, env.EnvelopeError)
    assert env.decrypt(sealed, [keys[0]], max_wrapped_keys=17) == b"many"
    assert env.decrypt(sealed, [keys[-1]], max_wrapped_keys=None) == b"many"
    assert env.decrypt(env.encrypt(b"16", keys[:16]), [keys[15]]) == b"16"
    with pytest.raises(TooManyWrappedKeysError):
        env.decrypt(env.encrypt(b"2", keys[:2]), [keys[0]], max_wrapped_keys=1)


def test_the_limit_is_checked_before_any_kms_call() -> None:
    cloud = FakeCloud()
    client = counting(Dialect.TENCENT, cloud)
    keys = [client.create_key().key_id for _ in range(17)]
    sealed = env.encrypt(b"x", [(client, k) for k in keys])
    client.decrypted.clear()
    for call in (
        lambda: env.decrypt(sealed, [client]),
        lambda: env.decrypt_stream(io.BytesIO(sealed), io.BytesIO(), [client]),
        lambda: MessageReader(io.BytesIO(sealed), [client]),
    ):
        with pytest.raises(TooManyWrappedKeysError):
            call()
    assert client.decrypted == []
    assert env.decrypt(sealed, [client], max_wrapped_keys=255) == b"x"


def test_the_limit_applies_as_soon_as_the_count_is_read() -> None:
    sealed = env.encrypt(b"x", [RAW])
    header = env.read_header(sealed)
    count_at = 4 + 1 + 2 + 4 + 32 + 2 + len(env.format.encode_context(header.context))
    assert sealed[count_at] == 1
    # 200 wrapped keys announced, none present: refused without reading further
    forged = sealed[:count_at] + bytes([200])
    with pytest.raises(TooManyWrappedKeysError) as err:
        env.decrypt(forged, [RAW])
    assert err.value.count == 200
    with pytest.raises(env.TruncatedMessageError):
        env.decrypt(forged, [RAW], max_wrapped_keys=None)


@pytest.mark.parametrize("limit", [0, -1, 256, True, 1.5, "16"])
def test_bad_max_wrapped_keys(limit: object) -> None:
    sealed = env.encrypt(b"x", [RAW])
    with pytest.raises(InvalidRequestError) as err:
        env.decrypt(sealed, [RAW], max_wrapped_keys=limit)  # type: ignore[arg-type]
    assert err.value.field == "max_wrapped_keys"


# -- what a crafted message can make a KMS do -----------------------------------------------


def test_errors_do_not_reveal_what_a_foreign_ciphertext_opens_to() -> None:
    """A message carrying the caller's own KMS ciphertext of some secret as a wrapped key:
    the decrypt fails, and nothing about the secret (not even its length) is reported."""
    victim = counting(Dialect.TENCENT)
    key = victim.create_key().key_id
    secret = b"hunter2-pw"  # 10 bytes
    blob = victim.encrypt(key, secret).ciphertext
    message = crafted([env.WrappedKey("tencent", key, None, blob)])
    with pytest.raises(NoUsableKeyError) as err:
        env.decrypt(message, [victim])
    text = str(err.value) + "".join(a.describe() for a in err.value.attempts)
    assert "did not open to a 32-byte data key" in text
    assert "10" not in text.replace(key, "") and "opened to 10" not in text
    # a 32-byte secret opens but fails the commitment: nothing about it is said either
    secret32 = os.urandom(32)
    blob32 = victim.encrypt(key, secret32).ciphertext
    with pytest.raises(env.KeyCommitmentError) as cerr:
        env.decrypt(crafted([env.WrappedKey("tencent", key, None, blob32)]), [victim])
    assert "does not match the message's key commitment" in str(cerr.value)
    assert secret32.hex() not in str(cerr.value)


def test_allowed_keys_keep_foreign_ciphertexts_away_from_the_kms() -> None:
    victim = counting(Dialect.TENCENT)
    mine, theirs = victim.create_key().key_id, victim.create_key().key_id
    blob = victim.encrypt(theirs, b"payroll db password").ciphertext
    message = crafted([env.WrappedKey("tencent", theirs, None, blob)])
    victim.decrypted.clear()
    with pytest.raises(NoUsableKeyError) as err:
        env.decrypt(message, [victim], allowed_keys=[mine])
    assert victim.decrypted == []
    assert err.value.attempts == ()
    assert "not in allowed_keys" in str(err.value) and theirs in str(err.value)
    # the header's key id is not to be trusted either: a ciphertext of `theirs` labelled
    # `mine` reaches the KMS, which decrypts by the ciphertext, but it cannot pass the
    # commitment, and the error says nothing of what it opened to
    relabelled = crafted([env.WrappedKey("tencent", mine, None, blob)])
    with pytest.raises(NoUsableKeyError) as err2:
        env.decrypt(relabelled, [victim], allowed_keys=[mine])
    assert "19" not in str(err2.value).replace(mine, "")


def test_allowed_keys_choose_which_wrapped_keys_are_tried() -> None:
    ali_cloud, ten_cloud = FakeCloud(), FakeCloud()
    ali, ten = counting(Dialect.ALIBABA_CLASSIC, ali_cloud), counting(Dialect.TENCENT, ten_cloud)
    a_key, t_key = ali.create_key().key_id, ten.create_key().key_id
    sealed = env.encrypt(b"dr", [(ali, a_key), (ten, t_key)], context={"c": "1"})
    ctx = {"c": "1"}
    for allowed in (
        [t_key],
        [("tencent", t_key)],
        [(Dialect.TENCENT, t_key)],
        [(ten, t_key)],
        (ten, t_key),
        KmsKey(ten, t_key),
        [KmsKey(ten, t_key), "unrelated-key-id"],
        {t_key},
    ):
        ali.decrypted.clear()
        reader = MessageReader(io.BytesIO(sealed), [ali, ten], context=ctx, allowed_keys=allowed)
        assert b"".join(reader) == b"dr"
        assert reader.opened_with.key_id == t_key
        assert ali.decrypted == []
    # the provider must match: an Alibaba key id allowed for Tencent only is not tried
    ali.decrypted.clear()
    with pytest.raises(NoUsableKeyError):
        env.decrypt(sealed, [ali], context=ctx, allowed_keys=[("tencent", a_key)])
    assert ali.decrypted == []
    # no allow-list: as before, any key of the client's dialect
    assert env.decrypt(sealed, [ali], context=ctx) == b"dr"


def test_allowed_keys_follow_the_classic_to_instance_compatibility() -> None:
    cloud = FakeCloud()
    classic = KmsClient(cloud.service(Dialect.ALIBABA_CLASSIC))
    instance = counting(Dialect.ALIBABA_INSTANCE, cloud)
    key = classic.create_key().key_id
    sealed = env.encrypt(b"gw", [(classic, key)])
    for allowed in ([(Dialect.ALIBABA_INSTANCE, key)], [("alibaba-classic", key)], [key]):
        assert env.decrypt(sealed, [instance], allowed_keys=allowed) == b"gw"
    instance.decrypted.clear()
    with pytest.raises(NoUsableKeyError):
        env.decrypt(sealed, [instance], allowed_keys=[("tencent", key)])
    assert instance.decrypted == []


def test_raw_key_openers_are_not_filtered() -> None:
    sealed = env.encrypt(b"offline", [RAW])
    assert env.decrypt(sealed, [RAW], allowed_keys=["some-kms-key"]) == b"offline"


def test_decrypt_file_takes_the_limits(tmp_path: Path) -> None:
    keys = raw_keys(17)
    src, out = tmp_path / "sealed", tmp_path / "out"
    src.write_bytes(env.encrypt(b"file", keys))
    with pytest.raises(TooManyWrappedKeysError):
        env.decrypt_file(src, out, [keys[0]])
    assert not out.exists()
    env.decrypt_file(src, out, [keys[0]], max_wrapped_keys=17, allowed_keys=["x"])
    assert out.read_bytes() == b"file"


@pytest.mark.parametrize(
    "allowed",
    [
        "key-id",
        b"key-id",
        [],
        [123],
        [""],
        [("tencent", "")],
        [("tencent",)],
        [(object(), "k")],
        [("", "k")],
        ["alias/backup"],
        [("tencent", "alias/backup")],
        {"tencent": "k"},
        5,
    ],
)
def test_bad_allowed_keys(allowed: object) -> None:
    sealed = env.encrypt(b"x", [RAW])
    with pytest.raises(InvalidRequestError) as err:
        env.decrypt(sealed, [RAW], allowed_keys=allowed)  # type: ignore[arg-type]
    assert err.value.field == "allowed_keys"


# -- typed errors for bad input ----------------------------------------------------------


@pytest.mark.parametrize(
    "key", [32, 16, "0" * 32, [0] * 32, None, bytes(16), bytes(33), bytearray(31), 3.0]
)
def test_raw_aes_key_takes_only_32_bytes(key: object) -> None:
    with pytest.raises(InvalidRequestError) as err:
        RawAesKey("k", key)  # type: ignore[arg-type]
    assert err.value.field == "key"


def test_raw_aes_key_accepts_bytes_like() -> None:
    for key in (bytes(range(32)), bytearray(range(32)), memoryview(bytes(range(32)))):
        k = RawAesKey("test-raw-key", key)  # type: ignore[arg-type]
        assert type(k.key) is bytes and k.key == RAW.key
        assert env.decrypt(env.encrypt(b"x", [k]), [RAW]) == b"x"


@pytest.mark.parametrize("name", ["", None, 5, "\ud800", "n" * 65536])
def test_raw_aes_key_names(name: object) -> None:
    with pytest.raises(InvalidRequestError) as err:
        RawAesKey(name, bytes(32))  # type: ignore[arg-type]
    assert err.value.field == "name"


@pytest.mark.parametrize("source", ["UKEV", 5, None, object(), io.StringIO("UKEV")])
def test_read_header_bad_source(source: object) -> None:
    with pytest.raises(InvalidRequestError) as err:
        env.read_header(source)  # type: ignore[arg-type]
    assert err.value.field == "source"


def test_read_header_takes_bytes_like_and_streams() -> None:
    sealed = env.encrypt(b"x", [RAW])
    expected = env.read_header(sealed)
    for source in (bytearray(sealed), memoryview(sealed), io.BytesIO(sealed)):
        assert env.read_header(source) == expected


@pytest.mark.parametrize("data", ["text", 5, None, [1, 2], object()])
def test_message_writer_write_takes_bytes_only(data: object) -> None:
    out = io.BytesIO()
    w = MessageWriter(out, [RAW])
    with pytest.raises(InvalidRequestError) as err:
        w.write(data)  # type: ignore[arg-type]
    assert err.value.field == "data"
    w.close()
    assert env.decrypt(out.getvalue(), [RAW]) == b""


def test_message_writer_takes_any_bytes_like() -> None:
    out = io.BytesIO()
    with MessageWriter(out, [RAW], frame_size=4) as w:
        w.write(b"ab")
        w.write(bytearray(b"cd"))
        w.write(memoryview(b"e_f_g_")[::2])  # not contiguous
        w.write(memoryview(b"hijk").cast("B", (2, 2)))  # 2-d
    assert env.decrypt(out.getvalue(), [RAW]) == b"abcdefghijk"


class TextSource:
    def read(self, n: int = -1) -> str:
        return "text"


@pytest.mark.parametrize("src", [object(), "path/to/file", io.StringIO("abc"), TextSource()])
def test_bad_sources(src: object) -> None:
    with pytest.raises(InvalidRequestError) as err:
        env.encrypt_stream(src, io.BytesIO(), [RAW])  # type: ignore[arg-type]
    assert err.value.field == "src"
    with pytest.raises(InvalidRequestError) as err:
        env.decrypt_stream(src, io.BytesIO(), [RAW])  # type: ignore[arg-type]
    assert err.value.field == "src"
    with pytest.raises(InvalidRequestError) as err:
        MessageReader(src, [RAW])  # type: ignore[arg-type]
    assert err.value.field == "src"


@pytest.mark.parametrize("dst", [object(), "out.ukev", io.StringIO(), None])
def test_bad_sinks(dst: object) -> None:
    sealed = env.encrypt(b"x", [RAW])
    for call in (
        lambda: env.encrypt_stream(io.BytesIO(b"x"), dst, [RAW]),  # type: ignore[arg-type]
        lambda: env.decrypt_stream(io.BytesIO(sealed), dst, [RAW]),  # type: ignore[arg-type]
        lambda: MessageWriter(dst, [RAW]),  # type: ignore[arg-type]
    ):
        with pytest.raises(InvalidRequestError) as err:
            call()
        assert err.value.field == "dst"


def test_bad_progress_and_cache() -> None:
    sealed = env.encrypt(b"x", [RAW])
    with pytest.raises(InvalidRequestError) as err:
        env.encrypt_stream(io.BytesIO(b"x"), io.BytesIO(), [RAW], progress=5)  # type: ignore[arg-type]
    assert err.value.field == "progress"
    with pytest.raises(InvalidRequestError) as err:
        env.decrypt_stream(io.BytesIO(sealed), io.BytesIO(), [RAW], progress="x")  # type: ignore[arg-type]
    assert err.value.field == "progress"
    with pytest.raises(InvalidRequestError) as err:
        env.encrypt(b"x", [RAW], cache={"max_age": 1})  # type: ignore[arg-type]
    assert err.value.field == "cache"


def test_bad_paths(tmp_path: Path) -> None:
    (tmp_path / "in").write_bytes(b"x")
    (tmp_path / "sealed").write_bytes(env.encrypt(b"x", [RAW]))
    for bad in (None, 3, b"in", ""):
        with pytest.raises(InvalidRequestError) as err:
            env.encrypt_file(bad, tmp_path / "out", [RAW])  # type: ignore[arg-type]
        assert err.value.field == "src"
        with pytest.raises(InvalidRequestError) as err:
            env.encrypt_file(tmp_path / "in", bad, [RAW])  # type: ignore[arg-type]
        assert err.value.field == "dst"
        with pytest.raises(InvalidRequestError) as err:
            env.decrypt_file(tmp_path / "sealed", bad, [RAW])  # type: ignore[arg-type]
        assert err.value.field == "dst"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "sealed"]


def test_non_contiguous_buffers() -> None:
    data = bytes(range(200))
    sealed = env.encrypt(memoryview(data)[::2], [RAW], frame_size=16)
    assert env.decrypt(sealed, [RAW]) == data[::2]
    doubled = bytes(b for b in sealed for _ in range(2))
    assert env.decrypt(memoryview(doubled)[::2], [RAW]) == data[::2]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"max_age": math.nan}, "max_age"),
        ({"max_age": math.inf}, "max_age"),
        ({"max_age": -math.inf}, "max_age"),
        ({"max_age": 10**400}, "max_age"),
        ({"max_age": "60"}, "max_age"),
        ({"max_age": None}, "max_age"),
        ({"max_age": 0.0}, "max_age"),
        ({"max_age": 1, "max_messages": math.inf}, "max_messages"),
        ({"max_age": 1, "max_messages": 10.0}, "max_messages"),
        ({"max_age": 1, "max_messages": True}, "max_messages"),
        ({"max_age": 1, "max_bytes": math.nan}, "max_bytes"),
        ({"max_age": 1, "max_bytes": -5}, "max_bytes"),
        ({"max_age": 1, "max_bytes": "1k"}, "max_bytes"),
        ({"max_age": 1, "capacity": None}, "capacity"),
        ({"max_age": 1, "capacity": 2.0}, "capacity"),
        ({"max_age": 1, "clock": 5}, "clock"),
    ],
)
def test_cache_limits_must_be_finite_and_positive(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidRequestError) as err:
        DataKeyCache(**kwargs)  # type: ignore[arg-type]
    assert err.value.field == field


def test_cache_accepts_fractional_ages_and_big_integers() -> None:
    cache = DataKeyCache(max_age=0.5, max_messages=10**30, max_bytes=1 << 70)
    assert cache.max_age == 0.5
    assert DataKeyCache(max_age=10**6).max_age == 1e6
