"""Bad input anywhere in the public API gets a typed error naming the field, and loses nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import unikms
import unikms.driver
from unikms.fake import FakeCloud
from unikms.types import Dialect, KeySpec


def field_of(call: object) -> str | None:
    with pytest.raises(unikms.InvalidRequestError) as err:
        call()  # type: ignore[operator]
    return err.value.field


@pytest.mark.parametrize("dialect", [d.value for d in Dialect])
def test_client_arguments(dialect: str) -> None:
    kms = unikms.connect(f"fake://{dialect}")
    key = kms.create_key().key_id
    assert field_of(lambda: kms.encrypt(key, b"x", context={"a": "\ud800"})) == "context"
    assert field_of(lambda: kms.create_key(description=3)) == "description"  # type: ignore[arg-type]
    assert field_of(lambda: kms.create_key(alias=3)) == "alias"  # type: ignore[arg-type]
    assert field_of(lambda: kms.max_plaintext(5)) == "key"  # type: ignore[arg-type]
    if dialect == "alibaba-instance":
        assert field_of(lambda: kms.encrypt(key, b"x", algorithm=5)) == "algorithm"  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("dialect", "alias"),
    [
        ("alibaba-classic", "alias/bad name"),
        ("alibaba-classic", "alias/nl\n"),
        ("tencent", "bad name"),
        ("tencent", "nl\n"),
    ],
)
def test_a_bad_alias_leaves_no_key_behind(dialect: str, alias: str) -> None:
    kms = unikms.connect(f"fake://{dialect}")
    assert field_of(lambda: kms.create_key(alias=alias)) == "alias"
    assert kms.list_keys() == []


def test_a_taken_alias_does_not_orphan_the_new_key() -> None:
    kms = unikms.connect("fake://alibaba-classic")
    kms.create_key(alias="alias/taken")
    with pytest.raises(unikms.AlreadyExistsError):
        kms.create_key(alias="alias/taken")
    states = {kms.describe_key(k).state for k in kms.list_keys()}
    assert states == {unikms.KeyState.ENABLED, unikms.KeyState.PENDING_DELETION}


def test_tencent_cannot_create_what_it_has_no_usage_for() -> None:
    kms = unikms.connect("fake://tencent")
    for spec in (KeySpec.SM4, KeySpec.EC_P256K, KeySpec.RSA_3072, KeySpec.AES_128):
        with pytest.raises(unikms.UnsupportedByDialectError) as err:
            kms.create_key(spec=spec)
        assert err.value.field == "spec"
    # ECC keys only sign (ASYMMETRIC_SIGN_VERIFY_ECC): without a usage EC_P256 signs
    assert kms.create_key(spec=KeySpec.EC_P256).usage is unikms.KeyUsage.SIGN_VERIFY


def test_the_gateway_has_no_generate_data_key_without_plaintext() -> None:
    svc = FakeCloud().service(Dialect.ALIBABA_INSTANCE)
    with pytest.raises(unikms.driver.NativeError) as err:
        svc.call("GenerateDataKeyWithoutPlaintext", {"KeyId": "x"})
    assert err.value.code == "InvalidApiName"


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"primary": "nope"}, "primary"),
        ({"versions": [{"material": "AAAA"}]}, "material"),
        ({"versions": [{"material": "not base64!"}]}, "entry 1"),
        ({"spec": "AES_512"}, "entry 1"),
        ({"protection_level": "QUANTUM"}, "protection_level"),
    ],
)
def test_bad_seeds_are_refused_whole(
    change: dict[str, object], needle: str, tmp_path: Path
) -> None:
    good = {"id": "key-hzzgoodgoodgoodgood0001", "aliases": ["alias/good"]}
    bad = {"id": "key-hzzbadbadbadbadbadba001", **change}
    seed = {"alibaba": {"keys": [good, bad]}}
    cloud = FakeCloud()
    with pytest.raises(unikms.InvalidRequestError) as err:
        cloud.load_seed(seed)
    assert err.value.field == "seed" and needle in str(err.value)
    assert cloud.alibaba.to_dict()["keys"] == []  # nothing half-applied
    path = tmp_path / "seed.json"
    path.write_text(json.dumps(seed))
    with pytest.raises(unikms.InvalidRequestError):
        unikms.connect(f"fake://alibaba-classic?seed={path}")


def test_seed_times_without_a_zone_are_utc() -> None:
    cloud = FakeCloud()
    cloud.load_seed(
        {
            "tencent": {
                "keys": [
                    {
                        "id": "7d1c4a2e-9b3f-11ef-8000-00756e696b02",
                        "created": "2030-01-01T00:00:00",
                        "state": "PendingDeletion",
                        "deletion_date": "2031-01-01T00:00:00",
                    }
                ]
            }
        }
    )
    kms = unikms.KmsClient(cloud.service(Dialect.TENCENT))
    info = kms.describe_key("7d1c4a2e-9b3f-11ef-8000-00756e696b02")
    assert info.created_at is not None and info.created_at.tzinfo is not None
    assert kms.create_key().key_id  # the store still works after loading naive times


@pytest.mark.parametrize(
    "url",
    [
        "fake://tencent?throttle=-1",
        "fake://tencent?throttle=nan",
        "fake://tencent?seed=/does/not/exist.json",
        "tencent-kms://ap-guangzhou?secret_id=a&secret_key=b&request_method=PUT",
        "tencent-kms://ap-guangzhou?secret_id=a&secret_key=b&sign_method=MD5",
        "tencent-kms://ap-guangzhou?secret_id=a&secret_key=b&endpoint=http://[::1",
        "alibaba-kms://cn-hangzhou?access_key_id=a&access_key_secret=b&retries=inf",
        "alibaba-kms://cn-hangzhou?access_key_id=a&access_key_secret=b&read_timeout=nan",
        "alibaba-kms-instance://h?client_key_content=notjson&password=x",
        "alibaba-kms-instance://h?client_key_id=K&private_key=garbage",
        "alibaba-kms-instance://h?client_key_file=/nope&password_file=/nope",
    ],
)
def test_bad_urls_are_typed(url: str) -> None:
    assert field_of(lambda: unikms.connect(url))


def test_connect_takes_a_real_bool_for_strict() -> None:
    assert unikms.connect("fake://tencent", strict=True).strict_portability  # type: ignore[arg-type]


def test_a_tencent_transport_error_quotes_no_request() -> None:
    """The SDK's network error quotes the URL, which on GET holds the plaintext and (v1) the
    SecretId, Token and Signature: the adapter's error must not."""
    kms = unikms.connect(
        "tencent-kms://ap-guangzhou?endpoint=http://127.0.0.1:9&request_method=GET"
        "&sign_method=HmacSHA1&retries=1&read_timeout=1",
        secret_id="SECRET-ID-VALUE",
        secret_key="k",
        token="TOKEN-VALUE",
    )
    with pytest.raises(unikms.TransportError) as err:
        kms.encrypt("7d1c4a2e-9b3f-11ef-8000-00756e696b02", b"PLAINTEXT-VALUE")
    text = str(err.value) + repr(err.value)
    for secret in ("SECRET-ID-VALUE", "TOKEN-VALUE", "Signature", "UExBSU5URVhULVZBTFVF"):
        assert secret not in text


LONE = "\udc80"  # a lone surrogate: a str Python holds but UTF-8 cannot carry


@pytest.mark.parametrize("dialect", [d.value for d in Dialect])
def test_lone_surrogates_are_refused_naming_the_field(dialect: str) -> None:
    """Every string a call sends is checked before any request: a lone surrogate
    in a key, alias, algorithm, padding or description is a typed error, never a
    UnicodeEncodeError from deep inside a dialect."""
    from unikms import envelope

    kms = unikms.connect(f"fake://{dialect}")
    key = kms.create_key().key_id
    bad_key = "key-" + LONE
    calls = {
        "encrypt": (lambda: kms.encrypt(bad_key, b"x"), "key"),
        "encrypt, alias": (lambda: kms.encrypt("alias/" + LONE, b"x"), "key"),
        "decrypt key=": (lambda: kms.decrypt(b"blob", key=bad_key), "key"),
        "generate_data_key": (lambda: kms.generate_data_key(bad_key), "key"),
        "max_plaintext": (lambda: kms.max_plaintext(bad_key), "key"),
        "describe_key": (lambda: kms.describe_key(bad_key), "key"),
        "create_key alias": (lambda: kms.create_key(alias="orders" + LONE), "alias"),
        "create_key description": (lambda: kms.create_key(description="d" + LONE), "description"),
        "create_alias": (lambda: kms.create_alias("a" + LONE, key), "alias"),
        "envelope.encrypt": (lambda: envelope.encrypt(b"data", [(kms, bad_key)]), "key"),
    }
    if dialect == "alibaba-instance":
        calls["encrypt algorithm"] = (lambda: kms.encrypt(key, b"x", algorithm=LONE), "algorithm")
        calls["encrypt padding"] = (lambda: kms.encrypt(key, b"x", padding=LONE), "padding")
        calls["decrypt algorithm"] = (
            lambda: kms.decrypt(b"blob", key=key, algorithm=LONE),
            "algorithm",
        )
    for name, (call, field) in calls.items():
        with pytest.raises(unikms.InvalidRequestError) as err:
            call()
        assert err.value.field == field, name
        assert err.value.dialect is Dialect(dialect), name
        assert "surrogate" in err.value.message, name
    assert kms.list_keys() == [key]  # nothing was created on the way


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("region", object()),
        ("account", 12),
        ("cloud", ["shared"]),
        ("throttle", object()),
        ("throttle", -2),
    ],
)
def test_fake_url_options_of_the_wrong_type_are_typed(option: str, value: object) -> None:
    with pytest.raises(unikms.InvalidRequestError) as err:
        unikms.connect("fake://tencent", **{option: value})  # type: ignore[arg-type]
    assert err.value.field == option
    assert type(value).__name__ in err.value.message or repr(value) in err.value.message


def test_fake_seed_option_says_which_types_it_takes(tmp_path: Path) -> None:
    for bad in (b"seed.json", 3):
        with pytest.raises(unikms.InvalidRequestError) as err:
            unikms.connect("fake://tencent", seed=bad)  # type: ignore[arg-type]
        assert err.value.field == "seed"
        for accepted in ("str", "os.PathLike", "dict"):
            assert accepted in err.value.message
    seed = {"tencent": {"keys": [{"id": "7d1c4a2e-9b3f-11ef-8000-00756e696b03"}]}}
    path = tmp_path / "seed.json"
    path.write_text(json.dumps(seed))
    for good in (seed, path, str(path)):
        kms = unikms.connect("fake://tencent", seed=good)  # type: ignore[arg-type]
        assert kms.list_keys() == ["7d1c4a2e-9b3f-11ef-8000-00756e696b03"]


def test_fake_throttle_takes_a_number_or_a_bool() -> None:
    kms = unikms.connect("fake://tencent", throttle=1)  # type: ignore[arg-type]
    key = kms.create_key().key_id
    kms.encrypt(key, b"x")
    with pytest.raises(unikms.ThrottledError):
        kms.encrypt(key, b"x")
    assert unikms.connect("fake://tencent", throttle=False).create_key()  # type: ignore[arg-type]
