"""Neutral-API behaviour beyond the conformance suite: dialect features, strict
portability, moving ciphertexts between the Alibaba gateways, seeds, secrecy."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

import unikms
from unikms import (
    Dialect,
    DryRunPassed,
    KeyUnavailableError,
    KeyVersion,
    PortabilityError,
    UnsupportedByDialectError,
    WrongKeyTypeError,
)
from unikms.dialects.alibaba.common import transfer_sdk_advance_aad
from unikms.fake import FakeCloud
from unikms.types import KeySpec

ALL = [d.value for d in Dialect]


def client(dialect: str, cloud: FakeCloud | None = None, strict: bool = False) -> unikms.KmsClient:
    return unikms.KmsClient(
        (cloud or FakeCloud()).service(Dialect(dialect)), strict_portability=strict
    )


# -- features a dialect does not have ------------------------------------------------


@pytest.mark.parametrize(
    ("dialect", "kwargs"),
    [
        ("alibaba-classic", {"iv": b"\0" * 12}),
        ("alibaba-classic", {"aad": b"x"}),
        ("alibaba-classic", {"algorithm": "AES_GCM"}),
        ("alibaba-classic", {"version": KeyVersion.INITIAL}),
        ("tencent", {"padding": "PKCS7_PADDING"}),
        ("tencent", {"dry_run": True}),
        ("alibaba-instance", {"dry_run": True}),
    ],
)
def test_unsupported_options_are_refused_before_any_request(
    dialect: str, kwargs: dict[str, object]
) -> None:
    kms = client(dialect)
    key = kms.create_key().key_id
    with pytest.raises(UnsupportedByDialectError) as err:
        kms.encrypt(key, b"x", **kwargs)  # type: ignore[arg-type]
    assert err.value.field


def test_dry_run_on_classic() -> None:
    kms = client("alibaba-classic")
    key = kms.create_key().key_id
    with pytest.raises(DryRunPassed) as err:
        kms.encrypt(key, b"x", dry_run=True)
    assert err.value.code == "DryRunOperationError"
    kms.disable_key(key)
    with pytest.raises(KeyUnavailableError):
        kms.encrypt(key, b"x", dry_run=True)


# -- strict portability ----------------------------------------------------------------


@pytest.mark.parametrize("dialect", ["alibaba-classic", "alibaba-instance"])
def test_strict_portability(dialect: str) -> None:
    kms = client(dialect, strict=True)
    key = kms.create_key().key_id
    kms.encrypt(key, b"x" * 4096, context={"k": "v"})
    with pytest.raises(PortabilityError) as err:
        kms.encrypt(key, b"x" * 4097)
    # the first dialect by name with 4096 bytes: AWS (PlaintextType max), Tencent too
    assert err.value.other in (Dialect("aws"), Dialect.TENCENT)
    assert err.value.field == "plaintext"
    with pytest.raises(PortabilityError) as err:
        kms.encrypt(key, b"x", context={"k": "v" * 1020})
    assert err.value.field == "context" and err.value.other is Dialect.TENCENT
    # without strict mode the dialect's own, larger limits apply
    loose = client(dialect)
    k2 = loose.create_key().key_id
    loose.encrypt(k2, b"x" * 4097, context={"k": "v" * 1020})


def test_strict_on_the_smallest_dialect_is_its_own_limit() -> None:
    kms = client("tencent", strict=True)
    key = kms.create_key().key_id
    with pytest.raises(unikms.LimitExceededError) as err:
        kms.encrypt(key, b"x" * 4097)
    assert not isinstance(err.value, PortabilityError)


def test_strict_refuses_dialect_specific_options() -> None:
    kms = client("alibaba-instance", strict=True)
    key = kms.create_key().key_id
    with pytest.raises(PortabilityError):
        kms.encrypt(key, b"x", iv=b"\0" * 12)
    with pytest.raises(PortabilityError):
        kms.encrypt(key, b"x", version=KeyVersion.INITIAL)
    strict_classic = client("alibaba-classic", strict=True)
    info = strict_classic.create_key()
    with pytest.raises(PortabilityError):
        strict_classic.encrypt(str(info.arn), b"x")


@pytest.mark.parametrize(
    ("dialect", "alias", "other"),
    [
        ("alibaba-classic", "alias/team/orders", Dialect.TENCENT),
        ("alibaba-instance", "kms-orders", Dialect.TENCENT),
        ("alibaba-classic", "alias/" + "a" * 61, Dialect.TENCENT),
        ("tencent", "acs-orders", Dialect.ALIBABA_CLASSIC),
    ],
)
def test_strict_refuses_an_alias_another_dialect_cannot_hold(
    dialect: str, alias: str, other: Dialect
) -> None:
    relaxed = client(dialect)
    assert relaxed.create_key(alias=alias).aliases  # the dialect itself holds it
    kms = client(dialect, strict=True)
    key = kms.create_key().key_id
    for call, field in (
        (lambda: kms.create_key(alias=alias), "alias"),
        (lambda: kms.create_alias(alias, key), "alias"),
        (lambda: kms.encrypt("alias/" + alias.removeprefix("alias/"), b"x"), "key"),
    ):
        with pytest.raises(PortabilityError) as err:
            call()
        assert (err.value.field, err.value.other) == (field, other)
        assert other.value in err.value.message
    assert "alias/" + alias.removeprefix("alias/") not in kms.list_aliases()
    assert kms.create_key(alias="orders-1").aliases == ("alias/orders-1",)  # portable: fine


def test_connect_strict_option() -> None:
    assert unikms.connect("fake://tencent?strict=true").strict_portability
    with pytest.raises(unikms.InvalidRequestError):
        unikms.connect("fake://tencent?strict=maybe")


# -- the instance dialect --------------------------------------------------------------


def test_instance_initial_version_round_trip() -> None:
    cloud = FakeCloud()
    kms = client("alibaba-instance", cloud)
    key = kms.create_key().key_id
    first = kms.encrypt(key, b"v1", version=KeyVersion.INITIAL, context={"a": "b"})
    assert first.key_version_id is None  # Encrypt reports no version: none is invented
    assert first.iv is not None and len(first.iv) == 12
    cloud.clock.advance(days=7)
    kms.rotate_key(key)
    again = kms.encrypt(key, b"v1", version=KeyVersion.INITIAL)
    assert kms.decrypt(first.ciphertext, context={"a": "b"}).plaintext == b"v1"
    assert kms.decrypt(again.ciphertext).plaintext == b"v1"
    dk = kms.generate_data_key(key, version=KeyVersion.INITIAL)
    assert kms.decrypt(dk.ciphertext).plaintext == dk.plaintext


def test_instance_native_encrypt_blob_with_its_parts() -> None:
    """Existing data from the gateway's Encrypt: the blob, its IV and key come apart."""
    cloud = FakeCloud()
    kms = client("alibaba-instance", cloud)
    key = kms.create_key(hsm=True).key_id  # CBC: hardware keys
    native = cloud.service(Dialect.ALIBABA_INSTANCE).call(
        "Encrypt", {"KeyId": key, "Plaintext": b"legacy", "Algorithm": "AES_CBC"}
    )
    opened = kms.decrypt(
        native["CiphertextBlob"],
        key=key,
        iv=native["Iv"],
        algorithm="AES_CBC",
        padding="PKCS7_PADDING",
    )
    assert opened.plaintext == b"legacy"


@pytest.mark.parametrize(("algorithm", "padding"), [("AES_CBC", None), ("AES_ECB", "NO_PADDING")])
def test_instance_explicit_algorithms_neutrally(algorithm: str, padding: str | None) -> None:
    kms = client("alibaba-instance")
    key = kms.create_key(hsm=True).key_id
    assert kms.describe_key(key).native["ProtectionLevel"] == "HSM"
    sealed = kms.encrypt(
        key, b"16 bytes exactly", algorithm=algorithm, padding=padding, version=KeyVersion.INITIAL
    )
    assert sealed.algorithm == algorithm
    assert kms.decrypt(sealed.ciphertext).plaintext == b"16 bytes exactly"
    with pytest.raises(unikms.UnsupportedByDialectError):  # no AdvanceEncrypt for HSM keys
        kms.encrypt(key, b"x", algorithm=algorithm, padding=padding)
    software = kms.create_key().key_id
    with pytest.raises(unikms.InvalidRequestError):  # software keys: GCM only
        kms.encrypt(
            software, b"x", algorithm=algorithm, padding=padding, version=KeyVersion.INITIAL
        )


def test_hsm_keys_are_alibaba_only() -> None:
    assert client("alibaba-classic").create_key(hsm=True).native["ProtectionLevel"] == "HSM"
    with pytest.raises(unikms.UnsupportedByDialectError) as info:
        client("tencent").create_key(hsm=True)
    assert info.value.field == "hsm_keys"
    strict = unikms.connect("fake://alibaba-classic", strict="true")
    with pytest.raises(unikms.PortabilityError):
        strict.create_key(hsm=True)
    with pytest.raises(unikms.InvalidRequestError) as bad:
        client("alibaba-classic").create_key(hsm="yes")  # type: ignore[arg-type]
    assert bad.value.field == "hsm"


def test_instance_raw_aad_and_transfer_sdk_interop() -> None:
    kms = client("alibaba-instance")
    key = kms.create_key().key_id
    aad = transfer_sdk_advance_aad({"tenant": "42"})
    sealed = kms.encrypt(key, b"x", aad=aad)
    assert kms.decrypt(sealed.ciphertext, aad=aad).plaintext == b"x"
    # a context binds what the transfer SDK's Advance path sends for it (dialects.md 1.7)
    assert kms.decrypt(sealed.ciphertext, context={"tenant": "42"}).plaintext == b"x"
    with_context = kms.encrypt(key, b"y", context={"tenant": "42"})
    assert kms.decrypt(with_context.ciphertext, aad=aad).plaintext == b"y"
    with pytest.raises(unikms.DecryptionFailedError):
        kms.decrypt(sealed.ciphertext, context={"tenant": "43"})
    with pytest.raises(unikms.InvalidRequestError):
        kms.encrypt(key, b"x", aad=aad, context={"a": "b"})


def test_instance_asymmetric_key_is_the_wrong_type() -> None:
    kms = client("alibaba-instance")
    key = kms.create_key(spec=KeySpec.RSA_2048).key_id
    with pytest.raises(WrongKeyTypeError) as err:
        kms.encrypt(key, b"x")
    assert err.value.code == "Forbidden.OnlySymmetricKeySupported"


def test_instance_rsa_encryption_neutrally() -> None:
    """RSA keys encrypt through the gateway's Encrypt (initial version), not AdvanceEncrypt."""
    kms = client("alibaba-instance")
    key = kms.create_key(spec=KeySpec.RSA_2048).key_id
    sealed = kms.encrypt(key, b"a small secret", version=KeyVersion.INITIAL)
    assert (sealed.algorithm, sealed.iv) == ("RSAES_OAEP_SHA_256", None)
    opened = kms.decrypt(sealed.ciphertext)
    assert (opened.plaintext, opened.key_id, opened.algorithm) == (
        b"a small secret",
        key,
        "RSAES_OAEP_SHA_256",
    )
    with pytest.raises(unikms.InvalidRequestError):  # more than OAEP takes with 2048 bits
        kms.encrypt(key, b"x" * 191, version=KeyVersion.INITIAL)


def test_sm4_keys() -> None:
    for dialect in ("alibaba-classic", "alibaba-instance"):
        kms = client(dialect)
        key = kms.create_key(spec=KeySpec.SM4).key_id
        assert kms.describe_key(key).spec is KeySpec.SM4
        sealed = kms.encrypt(key, b"sm4 data", context={"a": "b"})
        assert kms.decrypt(sealed.ciphertext, context={"a": "b"}).plaintext == b"sm4 data"


# -- one ciphertext, two Alibaba gateways ----------------------------------------------


def test_ciphertexts_move_between_the_alibaba_gateways() -> None:
    cloud = FakeCloud()
    classic, instance = client("alibaba-classic", cloud), client("alibaba-instance", cloud)
    key = classic.create_key(alias="alias/shared").key_id
    ctx = {"tenant": "42", "zone": "b"}
    from_classic = classic.encrypt("alias/shared", b"\x00binary\xff", context=ctx)
    from_instance = instance.encrypt("alias/shared", b"\x00binary\xff", context=ctx)
    assert instance.decrypt(from_classic.ciphertext, context=ctx).plaintext == b"\x00binary\xff"
    assert instance.decrypt(from_instance.ciphertext, context=ctx).key_id == key
    # the other way the classic API could not hand back raw bytes: refused, named
    with pytest.raises(UnsupportedByDialectError) as err:
        classic.decrypt(from_instance.ciphertext, context=ctx)
    assert err.value.field == "ciphertext"
    dk = classic.generate_data_key(key, context=ctx)
    assert instance.decrypt(dk.ciphertext, context=ctx).plaintext == dk.plaintext


def test_shared_cloud_through_connect() -> None:
    a = unikms.connect("fake://alibaba-classic?cloud=test-shared")
    b = unikms.connect("fake://alibaba-instance?cloud=test-shared")
    key = a.create_key().key_id
    assert b.describe_key(key).key_id == key


# -- seeds, options ----------------------------------------------------------------------


def test_seed_round_trip(tmp_path: Path) -> None:
    cloud = FakeCloud()
    classic, tc = client("alibaba-classic", cloud), client("tencent", cloud)
    key = classic.create_key(alias="alias/seeded").key_id
    tkey = tc.create_key(alias="seeded").key_id
    sealed = classic.encrypt("alias/seeded", b"kept", context={"a": "1"})
    tsealed = tc.encrypt(tkey, b"kept too")
    hsm = classic.create_key(hsm=True).key_id
    classic.disable_key(key)
    path = tmp_path / "seed.json"
    path.write_text(json.dumps(cloud.to_seed()))

    restored = unikms.connect(f"fake://alibaba-classic?seed={path}")
    assert restored.describe_key("alias/seeded").state is unikms.KeyState.DISABLED
    assert restored.describe_key(hsm).native["ProtectionLevel"] == "HSM"
    assert restored.describe_key(key).native["ProtectionLevel"] == "SOFTWARE"
    restored.enable_key(key)
    assert restored.decrypt(sealed.ciphertext, context={"a": "1"}).plaintext == b"kept"
    trestored = unikms.connect(f"fake://tencent?seed={path}")
    assert trestored.decrypt(tsealed.ciphertext).plaintext == b"kept too"
    assert trestored.describe_key("alias/seeded").key_id == tkey


def test_demo_seed_has_history() -> None:
    from unikms.cli import default_url

    kms = unikms.connect(default_url())
    info = kms.describe_key("alias/demo")
    assert len(info.versions) == 2 and info.primary_version_id == info.versions[1].version_id
    assert kms.encrypt("alias/demo", b"x").key_version_id == info.primary_version_id


@pytest.mark.parametrize(
    "url",
    ["fake://nope", "fake://tencent?colour=blue", "nope://x", "fake://tencent?throttle=fast", 42],
)
def test_bad_urls(url: str) -> None:
    with pytest.raises(unikms.InvalidRequestError):
        unikms.connect(url)


def test_connect_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UNIKMS_URL", "fake://tencent?region=ap-shanghai")
    assert unikms.connect().dialect is Dialect.TENCENT


@pytest.mark.parametrize("environ", [None, "", "   "])
def test_connect_without_a_url_says_what_to_set(
    monkeypatch: pytest.MonkeyPatch, environ: str | None
) -> None:
    """No silent in-memory fake: its keys (and so the data under them) vanish at exit."""
    from unikms import aio

    if environ is None:
        monkeypatch.delenv("UNIKMS_URL", raising=False)
    else:
        monkeypatch.setenv("UNIKMS_URL", environ)
    for call in (unikms.connect, aio.connect, lambda: unikms.connect("")):
        with pytest.raises(unikms.ConfigurationError) as err:
            call()
        assert isinstance(err.value, unikms.InvalidRequestError)
        assert err.value.field == "url"
        for hint in ("unikms.connect(url)", "UNIKMS_URL", "fake://alibaba-classic"):
            assert hint in err.value.message


def test_throttled_error() -> None:
    kms = unikms.connect("fake://alibaba-classic?throttle=2")
    key = kms.create_key().key_id
    kms.encrypt(key, b"x")
    kms.encrypt(key, b"x")
    with pytest.raises(unikms.ThrottledError) as err:
        kms.encrypt(key, b"x")
    assert (err.value.code, err.value.http_status) == ("Rejected.Throttling", 429)


# -- secrets stay secret -----------------------------------------------------------------


def test_no_secret_in_reprs_errors_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="unikms")
    secret = b"TOP-SECRET-PLAINTEXT"
    for dialect in ALL:
        kms = client(dialect)
        key = kms.create_key().key_id
        sealed = kms.encrypt(key, secret, context={"c": "d"})
        opened = kms.decrypt(sealed.ciphertext, context={"c": "d"})
        dk = kms.generate_data_key(key)
        texts = [repr(opened), str(opened), repr(dk), str(dk)]
        try:
            kms.decrypt(sealed.ciphertext, context={"c": "e"})
        except unikms.KmsError as err:
            texts += [str(err), repr(err)]
        for text in texts:
            assert "TOP-SECRET" not in text
            assert repr(dk.plaintext) not in text
    assert "TOP-SECRET" not in caplog.text
    assert "redacted" in repr(opened)
