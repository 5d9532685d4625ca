"""One conformance suite, written against the neutral API, run on every driver.

In the spirit of go-cloud's ``drivertest``: whatever provider sits behind the
client, these behaviours must hold. Where dialects differ by design (Tencent
reports no key versions, returns a cancelled deletion to Disabled, ...), the
difference is spelled out here once, in ``EXPECT``.
"""

from __future__ import annotations

import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import unikms
from tests.drivers import DRIVERS, Harness
from unikms import (
    DecryptionFailedError,
    Dialect,
    InvalidRequestError,
    KeyNotFoundError,
    KeyState,
    KeyUnavailableError,
    KmsError,
    LimitExceededError,
    UnsupportedByDialectError,
)

#: how the dialects differ by design
EXPECT = {
    Dialect.ALIBABA_CLASSIC: {"versions": True, "after_cancel": KeyState.ENABLED, "rotate_wait": 7},
    Dialect.ALIBABA_INSTANCE: {
        "versions": True,
        "after_cancel": KeyState.ENABLED,
        "rotate_wait": 7,
    },
    Dialect.TENCENT: {"versions": False, "after_cancel": KeyState.DISABLED, "rotate_wait": 0},
}


def new_key(h: Harness, alias: str | None = None) -> str:
    return h.client.create_key(alias=alias).key_id


# -- round trips ----------------------------------------------------------------------


@pytest.mark.parametrize("size", [1, 2, 100, 4096])
def test_round_trip(harness: Harness, size: int) -> None:
    kms = harness.client
    key = new_key(harness)
    plaintext = bytes(range(256)) * (size // 256) + bytes(range(size % 256))
    sealed = kms.encrypt(key, plaintext)
    assert sealed.key_id == key
    assert sealed.dialect is harness.dialect
    assert sealed.request_id
    if size >= 16:
        assert plaintext not in sealed.ciphertext
    opened = kms.decrypt(sealed.ciphertext)
    assert opened.plaintext == plaintext
    assert opened.key_id == key


def test_round_trip_at_the_limit_and_one_past(harness: Harness) -> None:
    kms = harness.client
    key = new_key(harness)
    limit = kms.max_plaintext(key)
    assert kms.decrypt(kms.encrypt(key, b"\x01" * limit).ciphertext).plaintext == b"\x01" * limit
    with pytest.raises(LimitExceededError) as err:
        kms.encrypt(key, b"\x01" * (limit + 1))
    assert err.value.field == "plaintext"
    assert err.value.size == limit + 1
    assert err.value.limit == limit
    assert err.value.dialect is harness.dialect
    assert str(limit) in str(err.value)


def test_two_encryptions_differ(harness: Harness) -> None:
    kms = harness.client
    key = new_key(harness)
    assert kms.encrypt(key, b"same").ciphertext != kms.encrypt(key, b"same").ciphertext


def test_keys_are_separate(harness: Harness) -> None:
    kms = harness.client
    a, b = new_key(harness), new_key(harness)
    assert kms.decrypt(kms.encrypt(a, b"x").ciphertext).key_id == a
    assert kms.decrypt(kms.encrypt(b, b"x").ciphertext).key_id == b


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    plaintext=st.binary(min_size=1, max_size=4096),
    context=st.dictionaries(st.text(min_size=1, max_size=12), st.text(max_size=20), max_size=4),
)
def test_round_trip_property(harness: Harness, plaintext: bytes, context: dict[str, str]) -> None:
    kms = harness.client
    key = kms.list_keys()[0] if kms.list_keys() else new_key(harness)
    sealed = kms.encrypt(key, plaintext, context=context)
    assert kms.decrypt(sealed.ciphertext, context=context).plaintext == plaintext


# -- encryption context -----------------------------------------------------------------


def test_context_must_match(harness: Harness) -> None:
    kms = harness.client
    key = new_key(harness)
    ctx = {"tenant": "42", "purpose": "orders"}
    sealed = kms.encrypt(key, b"secret", context=ctx)
    reordered = dict(reversed(list(ctx.items())))
    assert kms.decrypt(sealed.ciphertext, context=reordered).plaintext == b"secret"
    native = unikms.dialects.rules_for(harness.dialect)
    for wrong in ({"tenant": "43", "purpose": "orders"}, {"tenant": "42"}, None):
        with pytest.raises(DecryptionFailedError) as err:
            kms.decrypt(sealed.ciphertext, context=wrong)
        assert err.value.dialect is harness.dialect
        assert err.value.code
        assert err.value.request_id
        # the provider's own code, status and text stay; the message says what to check
        row = native.errors[err.value.code]
        assert err.value.http_status == row.http_status
        assert err.value.native_message == row.native(None, name="CiphertextBlob").message
        assert repr(err.value.native_message) in str(err.value)
        for cause in ("damaged", "another key or account", "context", "differs"):
            assert cause in err.value.message
    plain = kms.encrypt(key, b"secret")
    with pytest.raises(DecryptionFailedError):
        kms.decrypt(plain.ciphertext, context={"tenant": "42"})


def test_unicode_context(harness: Harness) -> None:
    kms = harness.client
    key = new_key(harness)
    ctx = {"客户": "张三", "emoji": "🔐", "quote": 'a"b'}
    sealed = kms.encrypt(key, b"x", context=ctx)
    assert kms.decrypt(sealed.ciphertext, context=ctx).plaintext == b"x"


def test_context_too_large_for_the_dialect(harness: Harness) -> None:
    kms = harness.client
    key = new_key(harness)
    limit = (
        harness.client.driver.dialect
        and unikms.dialects.rules_for(harness.dialect).limits.max_context_chars
    )
    assert limit is not None
    with pytest.raises(LimitExceededError) as err:
        kms.encrypt(key, b"x", context={"k": "v" * limit})
    assert err.value.field == "context"
    assert err.value.limit == limit


@pytest.mark.parametrize(
    "bad",
    [{"k": 1}, {1: "v"}, {"": "v"}, ["k", "v"]],
    ids=["int-value", "int-key", "empty", "list"],
)
def test_context_must_be_str_to_str(harness: Harness, bad: object) -> None:
    with pytest.raises(InvalidRequestError) as err:
        harness.client.encrypt(new_key(harness), b"x", context=bad)  # type: ignore[arg-type]
    assert err.value.field == "context"


# -- key states -----------------------------------------------------------------------


def test_disabled_key(harness: Harness) -> None:
    kms = harness.client
    key = new_key(harness)
    sealed = kms.encrypt(key, b"x")
    kms.disable_key(key)
    assert kms.describe_key(key).state is KeyState.DISABLED
    with pytest.raises(KeyUnavailableError) as err:
        kms.encrypt(key, b"x")
    assert err.value.state is KeyState.DISABLED
    with pytest.raises(KeyUnavailableError):
        kms.decrypt(sealed.ciphertext)
    with pytest.raises(KeyUnavailableError):
        kms.generate_data_key(key)
    kms.enable_key(key)
    assert kms.decrypt(sealed.ciphertext).plaintext == b"x"


def test_pending_deletion_and_cancel(harness: Harness) -> None:
    kms = harness.client
    key = new_key(harness)
    sealed = kms.encrypt(key, b"x")
    kms.disable_key(key)  # Tencent requires it; Alibaba allows it
    kms.schedule_key_deletion(key, 7)
    info = kms.describe_key(key)
    assert info.state is KeyState.PENDING_DELETION
    with pytest.raises(KeyUnavailableError) as err:
        kms.encrypt(key, b"x")
    assert err.value.state is KeyState.PENDING_DELETION
    with pytest.raises(KeyUnavailableError):
        kms.decrypt(sealed.ciphertext)
    kms.cancel_key_deletion(key)
    state = kms.describe_key(key).state
    assert state is EXPECT[harness.dialect]["after_cancel"]
    kms.enable_key(key)
    assert kms.decrypt(sealed.ciphertext).plaintext == b"x"


def test_deleted_after_the_window(harness: Harness) -> None:
    kms = harness.client
    key = new_key(harness, alias="alias/doomed")
    sealed = kms.encrypt(key, b"x")
    kms.disable_key(key)
    kms.schedule_key_deletion(key, 7)
    harness.advance_clock(8)
    with pytest.raises(KeyNotFoundError):
        kms.describe_key(key)
    with pytest.raises(DecryptionFailedError) as err:
        kms.decrypt(sealed.ciphertext)
    if isinstance(err.value, unikms.CiphertextKeyNotFoundError):
        assert "deleted" in err.value.message and err.value.native_message
    else:
        assert "context" in err.value.message
    assert key not in kms.list_keys()
    assert "alias/doomed" not in kms.list_aliases()


@pytest.mark.parametrize("days", [0, 6, 367])
def test_deletion_window_out_of_range(harness: Harness, days: int) -> None:
    kms = harness.client
    key = new_key(harness)
    kms.disable_key(key)
    with pytest.raises(InvalidRequestError):
        kms.schedule_key_deletion(key, days)
    assert kms.describe_key(key).state is KeyState.DISABLED


def test_pending_import_key(harness: Harness) -> None:
    kms = harness.client
    info = kms.create_key(external=True)
    assert info.state is KeyState.PENDING_IMPORT
    with pytest.raises(KeyUnavailableError):
        kms.encrypt(info.key_id, b"x")


def test_enable_refused_while_pending_deletion(harness: Harness) -> None:
    kms = harness.client
    key = new_key(harness)
    kms.disable_key(key)
    kms.schedule_key_deletion(key, 10)
    with pytest.raises(KeyUnavailableError):
        kms.enable_key(key)


def test_archive(harness: Harness) -> None:
    kms = harness.client
    key = new_key(harness)
    sealed = kms.encrypt(key, b"x")
    if harness.dialect is not Dialect.TENCENT:
        with pytest.raises(UnsupportedByDialectError):
            kms.archive_key(key)
        return
    kms.archive_key(key)
    assert kms.describe_key(key).state is KeyState.ARCHIVED
    with pytest.raises(KeyUnavailableError) as err:
        kms.encrypt(key, b"x")
    assert err.value.state is KeyState.ARCHIVED
    assert kms.decrypt(sealed.ciphertext).plaintext == b"x"  # archived keys still decrypt
    assert key not in kms.list_keys()
    kms.cancel_key_archive(key)
    assert kms.describe_key(key).state is KeyState.ENABLED


# -- rotation -------------------------------------------------------------------------


def test_rotation(harness: Harness) -> None:
    kms = harness.client
    key = new_key(harness)
    before = kms.encrypt(key, b"old", context={"c": "1"})
    harness.advance_clock(EXPECT[harness.dialect]["rotate_wait"])
    new_version = kms.rotate_key(key)
    after = kms.encrypt(key, b"new", context={"c": "1"})
    assert kms.decrypt(before.ciphertext, context={"c": "1"}).plaintext == b"old"
    assert kms.decrypt(after.ciphertext, context={"c": "1"}).plaintext == b"new"
    info = kms.describe_key(key)
    if EXPECT[harness.dialect]["versions"]:
        assert new_version is not None
        assert before.key_version_id != after.key_version_id
        assert after.key_version_id == new_version == info.primary_version_id
        assert [v.version_id for v in info.versions] == [before.key_version_id, new_version]
        assert kms.decrypt(before.ciphertext, context={"c": "1"}).key_version_id == (
            before.key_version_id
        )
    else:
        assert new_version is None
        assert before.key_version_id is None and after.key_version_id is None


def test_rotation_too_soon(harness: Harness) -> None:
    kms = harness.client
    key = new_key(harness)
    harness.advance_clock(EXPECT[harness.dialect]["rotate_wait"])
    kms.rotate_key(key)
    with pytest.raises(InvalidRequestError):
        kms.rotate_key(key)


# -- names ----------------------------------------------------------------------------


def test_alias_resolution(harness: Harness) -> None:
    kms = harness.client
    key = new_key(harness, alias="alias/orders")
    sealed = kms.encrypt("alias/orders", b"x")
    assert sealed.key_id == key
    assert kms.describe_key("alias/orders").key_id == key
    assert kms.list_aliases()["alias/orders"] == key
    assert "alias/orders" in kms.describe_key(key).aliases
    assert kms.generate_data_key("alias/orders").key_id == key
    with pytest.raises(KeyNotFoundError):
        kms.encrypt("alias/nothing-here", b"x")


@pytest.mark.parametrize("spelling", ["orders", "alias/orders"])
def test_one_alias_spelling_on_every_dialect(harness: Harness, spelling: str) -> None:
    """The README's snippet: a bare name means alias/<name>; every result reports
    alias/<name>, and alias/<name> names the key, whatever the dialect lowers it to."""
    kms = harness.client
    info = kms.create_key(alias=spelling)
    assert info.aliases == ("alias/orders",)
    assert kms.list_aliases() == {"alias/orders": info.key_id}
    assert kms.encrypt("alias/orders", b"x").key_id == info.key_id
    other = new_key(harness)
    kms.create_alias(spelling.replace("orders", "billing"), other)
    assert kms.list_aliases()["alias/billing"] == other
    assert "alias/billing" in kms.describe_key("alias/billing").aliases
    assert kms.generate_data_key("alias/billing").key_id == other


@pytest.mark.parametrize(
    ("alias", "refused_by"),
    [
        ("alias/acs-ours", {Dialect.ALIBABA_CLASSIC, Dialect.ALIBABA_INSTANCE}),  # reserved
        ("alias/team/orders", {Dialect.TENCENT}),  # no / on Tencent
        ("kms-orders", {Dialect.TENCENT}),  # reserved on Tencent
        ("alias/" + "a" * 61, {Dialect.TENCENT}),  # 1-60 on Tencent
        ("_orders", {Dialect.TENCENT}),  # a letter or digit first on Tencent
        ("alias/" + "a" * 256, set(Dialect)),
        ("alias/sp ace", set(Dialect)),
    ],
)
def test_alias_rules_per_dialect(harness: Harness, alias: str, refused_by: set[Dialect]) -> None:
    kms = harness.client
    if harness.dialect in refused_by:
        with pytest.raises(InvalidRequestError) as err:
            kms.create_key(alias=alias)
        assert err.value.field == "alias"
        assert err.value.dialect is harness.dialect
        assert kms.list_keys() == []  # refused before any request
    else:
        assert kms.create_key(alias=alias).aliases == ("alias/" + alias.removeprefix("alias/"),)


def test_duplicate_alias(harness: Harness) -> None:
    kms = harness.client
    new_key(harness, alias="alias/taken")
    other = new_key(harness)
    with pytest.raises(unikms.AlreadyExistsError):
        kms.create_alias("alias/taken", other)


def test_arn_resolution(harness: Harness) -> None:
    kms = harness.client
    info = kms.create_key()
    if harness.dialect is not Dialect.ALIBABA_CLASSIC:
        assert info.arn is None or harness.dialect is Dialect.ALIBABA_INSTANCE
        return
    assert info.arn and info.arn.endswith(info.key_id)
    assert kms.encrypt(info.arn, b"x").key_id == info.key_id
    foreign = info.arn.replace(":1234567890123456:", ":999:")
    with pytest.raises(KeyNotFoundError):
        kms.encrypt(foreign, b"x")


def test_unknown_key(harness: Harness) -> None:
    kms = harness.client
    with pytest.raises(KeyNotFoundError) as err:
        kms.encrypt("00000000-0000-1000-8000-000000000000", b"x")
    assert err.value.dialect is harness.dialect
    assert err.value.code
    assert err.value.http_status is not None
    assert err.value.request_id


def test_list_keys(harness: Harness) -> None:
    kms = harness.client
    keys = {new_key(harness) for _ in range(3)}
    assert keys <= set(kms.list_keys())


# -- tampering ------------------------------------------------------------------------


def _flip_first(b: bytes) -> bytes:
    return bytes([b[0] ^ 0x01]) + b[1:]


def _drop_second(b: bytes) -> bytes:
    return b[:1] + b[2:]


def _change_last(b: bytes) -> bytes:
    return b[:-1] + bytes([b[-1] ^ 0x01])


@pytest.mark.parametrize("tamper", [_flip_first, _drop_second, _change_last])
def test_tampered_ciphertext(harness: Harness, tamper: object) -> None:
    kms = harness.client
    key = new_key(harness)
    sealed = kms.encrypt(key, b"attack at dawn")
    bad = tamper(sealed.ciphertext)  # type: ignore[operator]
    with pytest.raises(DecryptionFailedError) as err:
        kms.decrypt(bad)
    assert err.value.dialect is harness.dialect
    assert "attack" not in str(err.value)


def test_garbage_and_empty_ciphertext(harness: Harness) -> None:
    kms = harness.client
    with pytest.raises(DecryptionFailedError):
        kms.decrypt(b"\x00" * 80)
    with pytest.raises(InvalidRequestError) as err:
        kms.decrypt(b"")
    assert err.value.field == "ciphertext"


# -- data keys ------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 16, 32, 1024])
def test_generate_data_key(harness: Harness, n: int) -> None:
    kms = harness.client
    key = new_key(harness)
    dk = kms.generate_data_key(key, number_of_bytes=n, context={"f": "x"})
    assert len(dk.plaintext) == n
    assert dk.key_id == key
    assert kms.decrypt(dk.ciphertext, context={"f": "x"}).plaintext == dk.plaintext
    assert repr(dk.plaintext) not in repr(dk)


@pytest.mark.parametrize("n", [0, 1025, -1])
def test_generate_data_key_size_out_of_range(harness: Harness, n: int) -> None:
    with pytest.raises(InvalidRequestError) as err:
        harness.client.generate_data_key(new_key(harness), number_of_bytes=n)
    assert err.value.field == "number_of_bytes"


# -- bad input ------------------------------------------------------------------------


def test_bad_input_is_typed_and_named(harness: Harness) -> None:
    kms = harness.client
    key = new_key(harness)
    with pytest.raises(InvalidRequestError) as err:
        kms.encrypt(key, "text")  # type: ignore[arg-type]
    assert err.value.field == "plaintext"
    with pytest.raises(InvalidRequestError) as err:
        kms.encrypt(key, b"")
    assert err.value.field == "plaintext"
    with pytest.raises(InvalidRequestError) as err:
        kms.encrypt("", b"x")
    assert err.value.field == "key"
    with pytest.raises(InvalidRequestError) as err:
        kms.decrypt(123)  # type: ignore[arg-type]
    assert err.value.field == "ciphertext"


def test_bad_enum_values_are_typed(harness: Harness) -> None:
    with pytest.raises(InvalidRequestError) as err:
        harness.client.create_key(spec="AES_512")  # type: ignore[arg-type]
    assert err.value.field == "spec" and "AES_256" in str(err.value)
    with pytest.raises(InvalidRequestError) as err:
        harness.client.encrypt(new_key(harness), b"x", version="newest")  # type: ignore[arg-type]
    assert err.value.field == "version"


def test_errors_keep_what_the_provider_said(harness: Harness) -> None:
    kms = harness.client
    key = new_key(harness)
    kms.disable_key(key)
    with pytest.raises(KmsError) as err:
        kms.encrypt(key, b"x")
    e = err.value
    assert (e.dialect, bool(e.code), bool(e.request_id)) == (harness.dialect, True, True)
    assert isinstance(e.http_status, int)
    assert e.code in str(e)


def test_closed_client(harness: Harness) -> None:
    kms = harness.client
    key = new_key(harness)
    kms.close()
    with pytest.raises(InvalidRequestError):
        kms.encrypt(key, b"x")


def test_concurrent_use(harness: Harness) -> None:
    kms = harness.client
    key = new_key(harness)
    failures: list[BaseException] = []

    def work(i: int) -> None:
        try:
            for j in range(20):
                data = f"{i}-{j}".encode()
                assert kms.decrypt(kms.encrypt(key, data).ciphertext).plaintext == data
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures


def test_every_driver_is_listed() -> None:
    assert {f"fake-{d.value}" for d in Dialect} <= set(DRIVERS)


def test_one_client_shared_by_threads(harness: Harness) -> None:
    """A client may be shared across threads: 8 threads x 25 round trips, every result right."""
    from concurrent.futures import ThreadPoolExecutor

    kms = harness.client
    key = kms.create_key().key_id

    def worker(n: int) -> list[bool]:
        out = []
        for i in range(25):
            data = f"thread {n} message {i}".encode()
            context = {"thread": str(n)}
            sealed = kms.encrypt(key, data, context=context)
            out.append(kms.decrypt(sealed.ciphertext, context=context).plaintext == data)
        return out

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = [ok for chunk in pool.map(worker, range(8)) for ok in chunk]
    assert len(results) == 200 and all(results)


# -- re-encryption, random bytes, descriptions, aliases, rotation policy, tags --------

HAS = {
    "re_encrypt": {Dialect.ALIBABA_CLASSIC, Dialect.TENCENT},
    "random": {Dialect.TENCENT, Dialect.ALIBABA_INSTANCE},
    "movable_aliases": {Dialect.ALIBABA_CLASSIC, Dialect.ALIBABA_INSTANCE},
    "tags": {Dialect.ALIBABA_CLASSIC, Dialect.ALIBABA_INSTANCE},
}


def test_re_encrypt(harness: Harness) -> None:
    kms = harness.client
    source, destination = new_key(harness), new_key(harness)
    sealed = kms.encrypt(source, b"card 4111", context={"user": "7"})
    if harness.dialect not in HAS["re_encrypt"]:
        with pytest.raises(UnsupportedByDialectError):
            kms.re_encrypt(sealed.ciphertext, destination, source_context={"user": "7"})
        return
    moved = kms.re_encrypt(
        sealed.ciphertext, destination, source_context={"user": "7"}, context={"user": "8"}
    )
    assert moved.key_id == destination and moved.dialect is harness.dialect
    assert moved.ciphertext != sealed.ciphertext
    opened = kms.decrypt(moved.ciphertext, context={"user": "8"})
    assert (opened.plaintext, opened.key_id) == (b"card 4111", destination)
    with pytest.raises(DecryptionFailedError):
        kms.decrypt(moved.ciphertext, context={"user": "7"})
    with pytest.raises(DecryptionFailedError):  # the source context must match
        kms.re_encrypt(sealed.ciphertext, destination, source_context={"user": "9"})
    missing = (
        "00000000-0000-1000-8000-000000000000"
        if harness.dialect is Dialect.TENCENT
        else "key-hzz000000000000000000"
    )
    with pytest.raises(KeyNotFoundError) as missing_err:
        kms.re_encrypt(sealed.ciphertext, missing, source_context={"user": "7"})
    assert not isinstance(missing_err.value, DecryptionFailedError)
    kms.disable_key(destination)
    with pytest.raises(KeyUnavailableError) as err:  # a disabled key is not encrypted to
        kms.re_encrypt(sealed.ciphertext, destination, source_context={"user": "7"})
    assert err.value.state is KeyState.DISABLED


def test_re_encrypt_checks_before_any_request(harness: Harness) -> None:
    kms = harness.client
    if harness.dialect not in HAS["re_encrypt"]:
        return
    key = new_key(harness)
    with pytest.raises(InvalidRequestError) as err:
        kms.re_encrypt(b"", key)
    assert err.value.field == "ciphertext"
    with pytest.raises(InvalidRequestError) as err:
        kms.re_encrypt(b"x", "")
    assert err.value.field == "destination_key"
    with pytest.raises(InvalidRequestError) as err:
        kms.re_encrypt(b"x", key, context={"a": 1})  # type: ignore[dict-item]
    assert err.value.field == "context"


def test_generate_random(harness: Harness) -> None:
    kms = harness.client
    if harness.dialect not in HAS["random"]:
        with pytest.raises(UnsupportedByDialectError):
            kms.generate_random(16)
        return
    first, second = kms.generate_random(32), kms.generate_random(32)
    assert len(first) == 32 and first != second
    assert len(kms.generate_random(1024)) == 1024
    for bad in (0, 1025, True, "16"):
        with pytest.raises(InvalidRequestError, match="1 to 1024") as err:
            kms.generate_random(bad)  # type: ignore[arg-type]
        assert err.value.field == "number_of_bytes"


def test_update_key_description(harness: Harness) -> None:
    kms = harness.client
    key = new_key(harness)
    kms.update_key_description(key, "orders, 2026 — ünïcode")
    assert kms.describe_key(key).description == "orders, 2026 — ünïcode"
    kms.update_key_description(key, "")
    assert kms.describe_key(key).description == ""
    limit = 1024 if harness.dialect is Dialect.TENCENT else 8192
    with pytest.raises(LimitExceededError) as err:
        kms.update_key_description(key, "é" * (limit // 2 + 1) if limit == 1024 else "a" * 8193)
    assert (err.value.field, err.value.limit) == ("description", limit)


def test_update_and_delete_alias(harness: Harness) -> None:
    kms = harness.client
    first = new_key(harness, alias="alias/moving")
    second = new_key(harness)
    if harness.dialect not in HAS["movable_aliases"]:
        for call in (
            lambda: kms.update_alias("alias/moving", second),
            lambda: kms.delete_alias("alias/moving"),
        ):
            with pytest.raises(UnsupportedByDialectError):
                call()
        return
    kms.update_alias("alias/moving", second)
    assert kms.list_aliases()["alias/moving"] == second
    assert kms.encrypt("alias/moving", b"x").key_id == second
    kms.delete_alias("moving")
    assert "alias/moving" not in kms.list_aliases()
    assert kms.describe_key(first).key_id == first  # the keys stay
    with pytest.raises(KeyNotFoundError):
        kms.delete_alias("alias/moving")
    with pytest.raises(KeyNotFoundError):
        kms.update_alias("alias/moving", second)


def test_rotation_policy(harness: Harness) -> None:
    kms = harness.client
    key = new_key(harness)
    kms.set_rotation_policy(key, enabled=True, period_days=30)
    native = kms.describe_key(key).native
    if harness.dialect is Dialect.TENCENT:
        assert (native["KeyRotationEnabled"], native["RotateDays"]) == (True, 30)
    else:
        assert (native["AutomaticRotation"], native["RotationInterval"]) == ("Enabled", "2592000s")
    kms.set_rotation_policy(key, enabled=False)
    native = kms.describe_key(key).native
    assert native.get("KeyRotationEnabled", native.get("AutomaticRotation")) in (False, "Disabled")
    for bad in (6, 366, None, True):
        with pytest.raises(InvalidRequestError) as err:
            kms.set_rotation_policy(key, enabled=True, period_days=bad)  # type: ignore[arg-type]
        assert err.value.field == "period_days"
    kms.disable_key(key)
    with pytest.raises(KmsError):  # only an Enabled key takes a rotation policy
        kms.set_rotation_policy(key, enabled=True, period_days=30)


def test_tags(harness: Harness) -> None:
    kms = harness.client
    key = new_key(harness)
    if harness.dialect not in HAS["tags"]:
        with pytest.raises(UnsupportedByDialectError):
            kms.tag_key(key, {"team": "payments"})
        return
    kms.tag_key(key, {"team": "payments", "env": "prod"})
    kms.tag_key(key, {"env": "staging"})
    assert kms.list_key_tags(key) == {"env": "staging", "team": "payments"}
    kms.untag_key(key, ["env", "absent"])
    assert kms.list_key_tags(key) == {"team": "payments"}
    for bad in ({"acs:x": "v"}, {"": "v"}, {"k": "a" * 129}, {}):
        with pytest.raises(InvalidRequestError) as err:
            kms.tag_key(key, bad)
        assert err.value.field == "tags"


def test_new_calls_in_strict_mode(harness: Harness) -> None:
    strict = unikms.KmsClient(harness.client.driver, strict_portability=True)
    key = new_key(harness)
    for call in (
        lambda: strict.generate_random(8),
        lambda: strict.delete_alias("alias/x"),
        lambda: strict.tag_key(key, {"a": "b"}),
        lambda: strict.re_encrypt(b"x", key),
    ):
        with pytest.raises((unikms.PortabilityError, UnsupportedByDialectError)):
            call()
    with pytest.raises((unikms.PortabilityError, LimitExceededError)) as err:
        strict.update_key_description(key, "a" * 1025)
    assert err.value.field == "description"
