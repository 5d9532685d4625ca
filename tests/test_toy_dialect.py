"""A dialect registered from outside unikms runs everywhere a built-in one does.

``tests/toy_dialect.py`` declares ``toy-kms`` (rules, operations, account family,
fake, wire protocol, adapter, cassette codec, contract hooks); nothing in
``unikms/`` names it. Registered, it is served by the fake (``fake://toy-kms``),
routed by the emulator, reached through its adapter, recorded and replayed as a
cassette, run through a contract scenario, and taken into strict portability
and the envelope keyring.
"""

from __future__ import annotations

import json
import os
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest

import unikms
import unikms.dialects
from tests import toy_dialect
from unikms.contract.cassettes import cassette_vcr, operation
from unikms.contract.scenarios import run_scenario
from unikms.contract.targets import admin_post
from unikms.contract.transcript import diff_transcripts
from unikms.dialects import dialect_package, registered_dialect
from unikms.envelope import decrypt as envelope_decrypt
from unikms.envelope import encrypt as envelope_encrypt
from unikms.errors import DecryptionFailedError, PortabilityError
from unikms.fake import FakeCloud
from unikms.registry import register_scheme, schemes
from unikms.testing import Harness, fake_harness
from unikms.testing.conformance import ConformanceSuite
from unikms.types import Dialect


@pytest.fixture(scope="module", autouse=True)
def toy() -> Iterator[Dialect]:
    for name in [k for k in os.environ if k.lower().endswith("_proxy")]:
        os.environ.pop(name)
    if toy_dialect.NAME not in schemes():
        register_scheme(toy_dialect.NAME, toy_dialect.open_url)
    package = toy_dialect.make_package()
    with registered_dialect(package) as dialect:
        yield dialect


@pytest.fixture(scope="module")
def emulator(toy: Dialect) -> Iterator[unikms.emulator.Emulator]:
    from unikms.emulator import Emulator

    with Emulator() as emu:
        yield emu


def test_the_registry_knows_it(toy: Dialect) -> None:
    """Registered: iterated with the built-in dialects, its family a fake account."""
    assert toy in list(Dialect)
    assert Dialect.TOY_KMS is toy
    assert dialect_package("toy-kms").family is toy_dialect.FAMILY
    assert "toy" in FakeCloud().stores


def test_the_fake_round_trips_and_keeps_its_rules(toy: Dialect) -> None:
    kms = unikms.connect("fake://toy-kms")
    assert kms.dialect is toy
    key = kms.create_key(alias="alias/orders").key_id
    sealed = kms.encrypt("alias/orders", b"toy", context={"a": "1"})
    assert sealed.dialect is toy and sealed.key_id == key
    assert kms.decrypt(sealed.ciphertext, context={"a": "1"}).plaintext == b"toy"
    with pytest.raises(DecryptionFailedError):
        kms.decrypt(sealed.ciphertext, context={"a": "2"})
    assert kms.max_plaintext() == dialect_package(toy).rules.limits.max_plaintext


def test_a_seed_section_for_its_family(toy: Dialect) -> None:
    cloud = FakeCloud(toy_region="toy-region-2")
    cloud.load_seed({"toy": {"keys": [{"id": "7d1c4a2e-9b3f-11ef-8000-00756e696b99"}]}})
    assert [k.key_id for k in cloud.toy.all_keys()] == ["7d1c4a2e-9b3f-11ef-8000-00756e696b99"]
    assert cloud.toy.region == "toy-region-2"
    assert "toy" in cloud.to_seed()


def test_the_emulator_routes_it_and_the_adapter_speaks_it(
    emulator: unikms.emulator.Emulator, toy: Dialect
) -> None:
    with urllib.request.urlopen(f"http://{emulator.endpoint}/health") as answer:
        assert "toy-kms" in json.loads(answer.read())["protocols"]
    assert "toy-kms:" in emulator.banner()
    url = emulator.adapter_urls()["toy-kms"]
    kms = unikms.connect(url)
    assert type(kms.driver) is toy_dialect.ToyAdapter
    key = kms.create_key().key_id
    sealed = kms.encrypt(key, b"over the wire", context={"k": "v"})
    assert kms.decrypt(sealed.ciphertext, context={"k": "v"}).plaintext == b"over the wire"
    with pytest.raises(DecryptionFailedError):
        kms.decrypt(sealed.ciphertext, context={"k": "w"})
    # the emulator's fake and the in-process fake are one implementation
    assert emulator.cloud.toy.get(key) is not None
    # a wrong signature is the toy protocol's own refusal
    stranger = unikms.connect(url.replace("secret=toy-secret", "secret=wrong"))
    with pytest.raises(unikms.KmsError) as err:
        stranger.encrypt(key, b"x")
    assert err.value.code == "AuthFailure"


def test_a_contract_scenario_agrees_between_fake_and_adapter(
    emulator: unikms.emulator.Emulator, toy: Dialect
) -> None:
    for name in ("round_trip", "key_states", "unknown_key"):
        fake = run_scenario(name, unikms.connect("fake://toy-kms")).to_json()
        wire = run_scenario(name, unikms.connect(emulator.adapter_urls()["toy-kms"])).to_json()
        assert diff_transcripts(fake, wire, names=("fake", "adapter")) == "", name


def test_a_cassette_records_and_replays(
    emulator: unikms.emulator.Emulator, toy: Dialect, tmp_path: Path
) -> None:
    url = emulator.adapter_urls()["toy-kms"]
    with cassette_vcr(tmp_path, record_mode="all").use_cassette("toy.yaml") as cassette:
        kms = unikms.connect(url)
        key = kms.create_key().key_id
        sealed = kms.encrypt(key, b"recorded")
    labels = [operation(r) for r in cassette.requests]
    assert labels[0] == "toy:CreateKey" and labels[-1] == "toy:Encrypt", labels
    text = (tmp_path / "toy.yaml").read_text()
    assert "toy-secret" not in text and "<scrubbed>" in text
    with cassette_vcr(tmp_path, record_mode="none").use_cassette("toy.yaml"):
        replayed = unikms.connect(url.replace(emulator.endpoint, "127.0.0.1:9"))
        assert replayed.create_key().key_id == key
        assert replayed.encrypt(key, b"recorded").ciphertext == sealed.ciphertext


def test_strict_portability_counts_it(toy: Dialect) -> None:
    kms = unikms.connect("fake://alibaba-classic", strict="true")
    key = kms.create_key().key_id
    limit = min(r.limits.max_plaintext for r in (dialect_package(d).rules for d in Dialect))
    with pytest.raises(PortabilityError):
        kms.encrypt(key, b"x" * (limit + 1))


def test_an_envelope_wrapped_under_it_and_tencent_opens_with_either(toy: Dialect) -> None:
    toy_kms = unikms.connect("fake://toy-kms")
    tencent = unikms.connect("fake://tencent")
    keys = [(toy_kms, toy_kms.create_key().key_id), (tencent, tencent.create_key().key_id)]
    message = envelope_encrypt(b"data" * 1000, keys, context={"app": "toy"})
    for client in (toy_kms, tencent):
        assert envelope_decrypt(message, [client], context={"app": "toy"}) == b"data" * 1000


def test_registering_twice_is_refused_and_leaving_forgets_it(toy: Dialect) -> None:
    with pytest.raises(ValueError, match="already registered"):
        unikms.dialects.register_dialect(toy_dialect.make_package())
    other = attrs.evolve(dialect_package(toy), name="toy-two")
    with pytest.raises(ValueError, match="carries the rules"):
        unikms.dialects.register_dialect(other)
    unikms.dialects.unregister_dialect("toy-two")
    assert "toy-two" not in [d.value for d in Dialect]


class TestToyConformance(ConformanceSuite):
    """The shipped conformance suite, on the toy's fake and on its adapter through the
    emulator, as a third party's CI would run it (``docs/testing-drivers.md``)."""

    @pytest.fixture(params=["fake", "adapter"])
    def harness(
        self,
        request: pytest.FixtureRequest,
        toy: Dialect,
        emulator: unikms.emulator.Emulator,
    ) -> Harness:
        if request.param == "fake":
            return fake_harness(toy.value)
        endpoint = emulator.endpoint
        admin_post(endpoint, "/_unikms/reset", {})
        return Harness(
            name="adapter-toy-kms",
            dialect=toy,
            client=unikms.connect(emulator.adapter_urls()[toy.value]),
            advance_clock=lambda days: admin_post(
                endpoint, "/_unikms/clock", {"advance_days": days}
            ),
        )
