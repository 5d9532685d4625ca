"""Tink on unikms keys (``unikms.tink``, ``docs/tink.md``).

Tink's own ``KmsEnvelopeAead``, KMS key templates and keyset encryption, driven
through every driver :func:`unikms.testing.drivers` builds: each registered
dialect's fake and each adapter through the emulator. No dialect is named.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

tink = pytest.importorskip("tink")

from tink import _kms_clients, aead  # noqa: E402 -- after the importorskip

import unikms  # noqa: E402
from tests.drivers import DRIVERS, Harness, shared_emulator  # noqa: E402
from unikms.contract.targets import emulator_urls  # noqa: E402
from unikms.dialects import dialect_packages  # noqa: E402
from unikms.tink import (  # noqa: E402
    UnikmsAead,
    UnikmsKmsClient,
    encryption_context,
    key_uri,
    parse_key_uri,
    register,
)

aead.register()

FAKE_DIALECTS = [p.name for p in dialect_packages() if p.service is not None]
RECORD = b"a record of any size, " * 5000  # 110 kB: far over every dialect's limit


@pytest.fixture(params=sorted(DRIVERS))
def harness(request: pytest.FixtureRequest) -> Harness:
    return DRIVERS[request.param]()


@pytest.fixture
def tink_registry() -> Iterator[None]:
    """Tink's KMS client list is global: empty for the test (a client another test or a
    doc page registered would answer first), as it was afterwards."""
    saved = list(_kms_clients._kms_clients)
    _kms_clients._kms_clients.clear()
    try:
        yield
    finally:
        _kms_clients._kms_clients[:] = saved


def _envelope(remote: aead.Aead) -> aead.Aead:
    return aead.KmsEnvelopeAead(aead.aead_key_templates.AES256_GCM, remote)


def test_envelope_round_trips_on_every_driver(harness: Harness) -> None:
    key = harness.client.create_key().key_id
    envelope = _envelope(UnikmsAead(harness.client, key))
    sealed = envelope.encrypt(RECORD, b"row 7")
    assert envelope.decrypt(sealed, b"row 7") == RECORD
    # a fresh AEAD (another process, say) over the same key opens it too
    assert _envelope(UnikmsAead(harness.client, key)).decrypt(sealed, b"row 7") == RECORD
    with pytest.raises(tink.TinkError):
        envelope.decrypt(sealed, b"row 8")  # wrong associated data
    damaged = bytearray(sealed)
    damaged[10] ^= 1  # inside the wrapped data key
    with pytest.raises(tink.TinkError):
        envelope.decrypt(bytes(damaged), b"row 7")


def test_associated_data_is_the_context_tink_aws_uses(harness: Harness) -> None:
    """The remote AEAD's associated data is ``{"associatedData": hex}`` on the wire: the
    ciphertext opens with the neutral client given that context, and with no other."""
    key = harness.client.create_key().key_id
    remote = UnikmsAead(harness.client, key)
    sealed = remote.encrypt(b"data key", b"\x00tenant 42\xff")
    context = {"associatedData": "0074656e616e74203432ff"}
    assert encryption_context(b"\x00tenant 42\xff") == context
    assert harness.client.decrypt(sealed, context=context).plaintext == b"data key"
    with pytest.raises(unikms.DecryptionFailedError):
        harness.client.decrypt(sealed)
    for wrong in (b"", b"\x00tenant 43\xff"):
        with pytest.raises(tink.TinkError) as caught:
            remote.decrypt(sealed, wrong)
        assert isinstance(caught.value.__cause__, unikms.DecryptionFailedError)
    # no associated data: no context at all (what Tink's AWS client sends)
    bare = remote.encrypt(b"data key", b"")
    assert harness.client.decrypt(bare).plaintext == b"data key"


def test_keyset_encryption_on_every_driver(harness: Harness) -> None:
    key = harness.client.create_key().key_id
    remote = UnikmsAead(harness.client, key)
    handle = tink.new_keyset_handle(aead.aead_key_templates.AES128_GCM)
    stored = tink.json_proto_keyset_format.serialize_encrypted(handle, remote, b"keyset A")
    assert "encryptedKeyset" in stored
    again = tink.json_proto_keyset_format.parse_encrypted(stored, remote, b"keyset A")
    sealed = handle.primitive(aead.Aead).encrypt(b"hello", b"")
    assert again.primitive(aead.Aead).decrypt(sealed, b"") == b"hello"
    with pytest.raises(tink.TinkError):
        tink.json_proto_keyset_format.parse_encrypted(stored, remote, b"keyset B")


def test_another_keys_aead_refuses_the_ciphertext(harness: Harness) -> None:
    """As Tink's AWS client passes ``KeyId`` to Decrypt: an AEAD opens its own key's only."""
    mine = harness.client.create_key(alias="alias/tink-mine").key_id
    theirs = harness.client.create_key().key_id
    sealed = UnikmsAead(harness.client, "alias/tink-mine").encrypt(b"data key", b"ad")
    assert UnikmsAead(harness.client, mine).decrypt(sealed, b"ad") == b"data key"
    assert UnikmsAead(harness.client, "alias/tink-mine").decrypt(sealed, b"ad") == b"data key"
    with pytest.raises(tink.TinkError, match="belongs to the key"):
        UnikmsAead(harness.client, theirs).decrypt(sealed, b"ad")


def test_errors_are_tink_errors() -> None:
    kms = unikms.connect(f"fake://{FAKE_DIALECTS[0]}")
    key = kms.create_key().key_id
    with pytest.raises(tink.TinkError) as caught:
        UnikmsAead(kms, key).encrypt(b"", b"")  # no dialect encrypts nothing
    assert isinstance(caught.value.__cause__, unikms.InvalidRequestError)
    with pytest.raises(tink.TinkError) as caught:
        UnikmsAead(kms, "alias/nowhere").encrypt(b"x", b"")
    assert isinstance(caught.value.__cause__, unikms.KeyNotFoundError)
    with pytest.raises(ValueError, match="needs a key"):
        UnikmsAead(kms, "")


@pytest.mark.parametrize("dialect", FAKE_DIALECTS)
def test_key_templates_find_the_registered_client_on_every_fake(
    dialect: str, tink_registry: None
) -> None:
    """Tink's KMS key templates name a key URI; the registered client serves it."""
    url = f"fake://{dialect}"
    kms = unikms.connect(url)
    kms.create_key(alias="alias/kek")
    uri = key_uri(url, "alias/kek")
    register(clients={url: kms})
    template = aead.aead_key_templates.create_kms_envelope_aead_key_template(
        uri, aead.aead_key_templates.AES128_GCM
    )
    primitive = tink.new_keyset_handle(template).primitive(aead.Aead)
    sealed = primitive.encrypt(RECORD, b"ad")
    assert primitive.decrypt(sealed, b"ad") == RECORD
    with pytest.raises(tink.TinkError):
        primitive.decrypt(sealed, b"other")
    direct = tink.new_keyset_handle(aead.aead_key_templates.create_kms_aead_key_template(uri))
    direct_aead = direct.primitive(aead.Aead)
    assert direct_aead.decrypt(direct_aead.encrypt(b"small", b"ad"), b"ad") == b"small"


@pytest.mark.parametrize("dialect", sorted(d.value for d in emulator_urls("h:1", "k", "p")))
def test_key_uri_opens_each_adapter_through_the_emulator(dialect: str, tink_registry: None) -> None:
    """A key URI holding the adapter's URL: the client connects to it itself."""
    harness = DRIVERS[f"adapter-{dialect}"]()  # resets the shared emulator
    harness.client.create_key(alias="alias/kek")
    emu = shared_emulator()
    assert emu.client_key is not None
    url = emulator_urls(emu.endpoint, str(emu.client_key.path), emu.client_key.password)[
        harness.dialect
    ]
    uri = key_uri(url, "alias/kek")
    assert parse_key_uri(uri) == (url, "alias/kek")
    client = register(uri)
    assert client.does_support(uri)
    assert not client.does_support(key_uri(url, "alias/other"))
    template = aead.aead_key_templates.create_kms_envelope_aead_key_template(
        uri, aead.aead_key_templates.AES256_GCM
    )
    primitive = tink.new_keyset_handle(template).primitive(aead.Aead)
    sealed = primitive.encrypt(RECORD, b"ad")
    assert primitive.decrypt(sealed, b"ad") == RECORD
    # the data key Tink wrapped (a 4-byte length, then the KMS ciphertext) is an ordinary
    # ciphertext of the key: Tink wraps data keys with empty associated data, so no context
    wrapped = sealed[4 : 4 + int.from_bytes(sealed[:4], "big")]
    assert len(harness.client.decrypt(wrapped).plaintext) == 34  # AesGcmKey: 2 + 32 bytes


def test_key_uris() -> None:
    assert key_uri("fake://tencent", "alias/a#b") == "unikms+fake://tencent#alias/a%23b"
    assert parse_key_uri("unikms+fake://tencent#alias/a%23b") == ("fake://tencent", "alias/a#b")
    arn = "acs:kms:cn-hangzhou:1234:key/abc"
    assert parse_key_uri(key_uri("alibaba-kms://cn-hangzhou", arn))[1] == arn
    for bad in ("aws-kms://arn:aws:kms:x", "unikms+fake://tencent", "unikms+tencent#k", "unikms+"):
        with pytest.raises(tink.TinkError):
            parse_key_uri(bad)
        assert not UnikmsKmsClient().does_support(bad)
    with pytest.raises(ValueError, match="fragment"):
        key_uri("fake://tencent#k", "k")
    bound = UnikmsKmsClient("unikms+fake://tencent#k1")
    with pytest.raises(tink.TinkError, match="bound to"):
        bound.get_aead("unikms+fake://tencent#k2")
    with pytest.raises(tink.TinkError, match="does not support"):
        UnikmsKmsClient().get_aead("aws-kms://arn:aws:kms:us-east-1:1:key/x")
    with pytest.raises(tink.TinkError, match="cannot open"):
        UnikmsKmsClient().get_aead("unikms+nosuchscheme://x#k")
