"""Every dialect's rules are complete and consistent (issue #12, "rules hygiene").

A situation without a row in a dialect's table used to surface as a raw
``KeyError`` the first time the fake met it; the rules now refuse to be built
incomplete, and these tests hold every dialect to every situation.
"""

from __future__ import annotations

import attrs
import pytest

import unikms
from unikms.dialects import operations_class, rules_for
from unikms.dialects.base import DialectOperations, DialectRules, Feature, Situation
from unikms.errors import (
    ERROR_KINDS,
    InvalidRequestError,
    KmsError,
    UnsupportedByDialectError,
)
from unikms.fake import FakeCloud
from unikms.native import NativeError
from unikms.types import Dialect, KeyState

ALL_PAIRS = [(d, s) for d in Dialect for s in Situation]


@pytest.mark.parametrize(("dialect", "situation"), ALL_PAIRS, ids=str)
def test_every_dialect_maps_every_situation(dialect: Dialect, situation: Situation) -> None:
    rules = rules_for(dialect)
    row = rules.situation(situation)
    assert rules.errors[row.code] is row
    assert row.kind in ERROR_KINDS
    native = rules.fail(situation, name="X", key="k")
    assert (native.code, native.http_status) == (row.code, row.http_status)
    assert isinstance(rules.neutral(native), KmsError)


@pytest.mark.parametrize("dialect", list(Dialect), ids=str)
def test_the_rules_name_only_codes_of_their_own_table(dialect: Dialect) -> None:
    rules = rules_for(dialect)
    assert set(rules.situations) == set(Situation)
    assert set(rules.situations.values()) <= set(rules.errors)
    assert rules.decrypt_failure_codes <= set(rules.errors)
    assert all(isinstance(f, Feature) for f in rules.features)


def test_incomplete_rules_are_refused_when_built() -> None:
    rules = rules_for(Dialect.TENCENT)
    partial = {s: c for s, c in rules.situations.items() if s is not Situation.KEY_ARCHIVED}
    with pytest.raises(ValueError, match="KEY_ARCHIVED has no code"):
        attrs.evolve(rules, situations=partial)
    wrong = {**rules.situations, Situation.INTERNAL: "NoSuchCode"}
    with pytest.raises(ValueError, match="'NoSuchCode', which is not in the error table"):
        attrs.evolve(rules, situations=wrong)
    with pytest.raises(ValueError, match="decrypt failure code 'Nope'"):
        attrs.evolve(rules, decrypt_failure_codes=frozenset({"Nope"}))
    assert isinstance(attrs.evolve(rules), DialectRules)


def test_situations_and_features_are_enums() -> None:
    assert str(Situation.KEY_ARCHIVED) == "key_archived" == Situation.KEY_ARCHIVED.value
    assert str(Feature.TAGS) == "tags"
    assert Situation("key_archived") is Situation.KEY_ARCHIVED
    with pytest.raises(AttributeError):
        Situation.KEY_ARCHIVD  # type: ignore[attr-defined]  # noqa: B018
    # a misspelt feature name given as a string is refused, never "not supported"
    with pytest.raises(ValueError):
        rules_for(Dialect.TENCENT).require("tagz", "tag_key")


def _seed(dialect_section: str, state: str) -> dict[str, object]:
    key_id = (
        "key-hzz0123456789abcdefgh"
        if dialect_section == "alibaba"
        else "7d1c4a2e-9b3f-11ef-8000-00756e696b99"
    )
    return {dialect_section: {"keys": [{"id": key_id, "state": state}]}}


def test_a_seed_cannot_mark_an_alibaba_key_archived() -> None:
    """Alibaba has no Archived state: the seed is refused (a typed error naming the
    field), where it used to load and make ``encrypt`` raise ``KeyError('key_archived')``."""
    cloud = FakeCloud()
    with pytest.raises(InvalidRequestError) as caught:
        cloud.load_seed(_seed("alibaba", KeyState.ARCHIVED.value))
    assert caught.value.field == "seed"
    assert "'state'" in str(caught.value) and "Archived" in str(caught.value)
    assert cloud.alibaba.all_keys() == []  # nothing was added


def test_a_seed_may_mark_a_tencent_key_archived() -> None:
    cloud = FakeCloud()
    cloud.load_seed(_seed("tencent", "Archived"))
    assert [k.state for k in cloud.tencent.all_keys()] == [KeyState.ARCHIVED]


@pytest.mark.parametrize("dialect", [Dialect.ALIBABA_CLASSIC, Dialect.ALIBABA_INSTANCE], ids=str)
def test_an_archived_alibaba_key_fails_typed_not_with_a_key_error(dialect: Dialect) -> None:
    """Should an Alibaba key reach Archived anyway (a store edited by hand), the fake
    answers with the dialect's own code, never a raw ``KeyError``."""
    kms = unikms.connect(f"fake://{dialect.value}")
    key = kms.create_key().key_id
    service = kms.driver
    stored = service.store.get(key)  # type: ignore[attr-defined]
    stored.state = KeyState.ARCHIVED
    with pytest.raises(KmsError) as caught:
        kms.encrypt(key, b"x")
    assert not isinstance(caught.value, KeyError)
    assert caught.value.code == rules_for(dialect).situation(Situation.KEY_ARCHIVED).code


# -- DialectOperations: the calls every dialect has are abstract -----------------------------
REQUIRED_OPERATIONS = frozenset(
    {
        "encrypt",
        "decrypt",
        "generate_data_key",
        "create_key",
        "describe_key",
        "list_keys",
        "create_alias",
        "list_aliases",
        "enable_key",
        "disable_key",
        "schedule_key_deletion",
        "cancel_key_deletion",
        "update_key_description",
    }
)


def test_the_calls_every_dialect_has_are_abstract() -> None:
    assert DialectOperations.__abstractmethods__ == REQUIRED_OPERATIONS


@pytest.mark.parametrize("dialect", list(Dialect), ids=str)
def test_every_dialect_implements_every_required_call(dialect: Dialect) -> None:
    assert not operations_class(dialect).__abstractmethods__


def test_a_dialect_missing_a_required_call_cannot_be_instantiated() -> None:
    base = operations_class(Dialect.TENCENT)
    # a new dialect written from scratch that forgot ``decrypt``
    members = {name: getattr(base, name) for name in REQUIRED_OPERATIONS - {"decrypt"}}
    Partial = type("Partial", (DialectOperations,), {"rules": base.rules, **members})
    with pytest.raises(TypeError, match="decrypt"):
        Partial(FakeCloud().service(Dialect.TENCENT))
    # with it, the class instantiates; the feature-gated calls stay optional
    Complete = type("Complete", (Partial,), {"decrypt": base.decrypt})
    ops = Complete(FakeCloud().service(Dialect.TENCENT))
    with pytest.raises(UnsupportedByDialectError):
        ops.tag_key("k", {"a": "b"})


# -- each rule written once, in the dialect's rules -------------------------------------------
@pytest.mark.parametrize("dialect", list(Dialect), ids=str)
def test_the_fake_reads_the_data_key_range_from_the_rules(dialect: Dialect) -> None:
    low, high = rules_for(dialect).limits.data_key_bytes
    kms = unikms.connect(f"fake://{dialect.value}")
    key = kms.create_key().key_id
    assert len(
        kms.driver.call("GenerateDataKey", {"KeyId": key, "NumberOfBytes": high})["Plaintext"]
    )
    for size in (low - 1, high + 1):
        with pytest.raises(NativeError) as caught:
            kms.driver.call("GenerateDataKey", {"KeyId": key, "NumberOfBytes": size})
        assert caught.value.code == rules_for(dialect).situation(Situation.INVALID_PARAMETER).code


def test_tencent_rules_the_fake_reads() -> None:
    from unikms.dialects.tencent import fake, rules

    assert fake.SEPARATOR is rules.BLOB_SEPARATOR == "-k-"
    assert fake.TencentService(fake.new_tencent_store()).min_rotation_hours == (
        rules.MIN_ROTATION_HOURS
    )
    assert rules.description_size("é") == 2  # bytes, the unit of MAX_DESCRIPTION_BYTES
