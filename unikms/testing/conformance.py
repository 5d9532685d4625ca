"""The conformance suite: one set of tests, written against the neutral API, that
every driver of every dialect must pass (go-cloud's ``drivertest``, fsspec's
``fsspec.tests.abstract``).

Subclass :class:`ConformanceSuite` in a test module (its name must start with
``Test``) and give it a ``harness`` fixture that returns a
:class:`~unikms.testing.Harness` for your driver; ``docs/testing-drivers.md``
shows one. No test names a dialect: where dialects differ by design, a test
reads what the dialect's package declares (``rules.features``, ``rules.limits``,
``rotation_min_days``, ``rotation_needs_policy``, ``state_after_cancel_deletion``, the
alias rules of its operations). A test that cannot apply skips, naming the missing feature.

Needs pytest; the property test also needs hypothesis (skipped without it). The
``testing`` extra installs both.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from unikms.client import KmsClient
from unikms.dialects import operations_class
from unikms.dialects.base import Feature, neutral_alias
from unikms.errors import (
    AlreadyExistsError,
    CiphertextKeyNotFoundError,
    DecryptionFailedError,
    InvalidRequestError,
    KeyNotFoundError,
    KeyUnavailableError,
    KmsError,
    LimitExceededError,
    PortabilityError,
    RotationPolicyRequiredError,
    UnsupportedByDialectError,
    WrongKeyTypeError,
)
from unikms.testing.harness import Harness
from unikms.types import AsymmetricAlgorithm, KeySpec, KeyState, KeyUsage, SigningAlgorithm

__all__ = ["ConformanceSuite", "new_key", "rotatable_key"]


def new_key(h: Harness, alias: str | None = None) -> str:
    """A new key of the harness's client."""
    return h.client.create_key(alias=alias).key_id


#: the signing keys the asymmetric section tries, each with an algorithm ``cryptography``
#: verifies (SM2DSA it cannot: the interop proof would have nothing to check with)
_SIGNING = [
    (KeySpec.EC_P256, SigningAlgorithm.ECDSA_SHA_256),
    (KeySpec.EC_P256K, SigningAlgorithm.ECDSA_SHA_256),
    (KeySpec.RSA_2048, SigningAlgorithm.RSA_PSS_SHA_256),
    (KeySpec.RSA_2048, SigningAlgorithm.RSA_PKCS1_SHA_256),
]
_OAEP = [AsymmetricAlgorithm.RSAES_OAEP_SHA_256, AsymmetricAlgorithm.RSAES_OAEP_SHA_1]


def _signing_key(harness: Harness, spec: KeySpec, algorithm: SigningAlgorithm) -> str:
    """A new signing key of ``spec``, or a skip naming what the dialect lacks."""
    _require(harness, Feature.ASYMMETRIC_SIGN, "sign")
    if algorithm not in operations_class(harness.dialect).signing_algorithms.get(spec, ()):
        pytest.skip(f"the {harness.dialect.value} dialect has no {spec.value} {algorithm} keys")
    return harness.client.create_key(spec=spec, usage=KeyUsage.SIGN_VERIFY).key_id


def _encryption_key(harness: Harness, algorithm: AsymmetricAlgorithm) -> str:
    _require(harness, Feature.ASYMMETRIC_ENCRYPT, "encrypt_asymmetric")
    table = operations_class(harness.dialect).encryption_algorithms
    if algorithm not in table.get(KeySpec.RSA_2048, ()):
        pytest.skip(f"the {harness.dialect.value} dialect has no RSA_2048 {algorithm} keys")
    return harness.client.create_key(spec=KeySpec.RSA_2048, usage=KeyUsage.ENCRYPT_DECRYPT).key_id


def _require(harness: Harness, feature: str, what: str) -> None:
    if not harness.has(feature):
        pytest.skip(f"{what}: the {harness.dialect.value} dialect does not declare {feature!r}")


def _advance(harness: Harness, days: float) -> None:
    if harness.advance_clock is None:
        pytest.skip(f"{harness.name} cannot move its clock (Harness.advance_clock is None)")
    if days:
        harness.advance_clock(days)


def rotatable_key(h: Harness) -> str:
    """A new key ``rotate_key`` may rotate: where the dialect declares
    ``rotation_needs_policy`` (Tencent), its automatic rotation is turned on first
    (365 days, the longest period every dialect takes)."""
    key = new_key(h)
    if h.rules.rotation_needs_policy:
        h.client.set_rotation_policy(key, enabled=True, period_days=365)
    return key


def _flip_first(b: bytes) -> bytes:
    return bytes([b[0] ^ 0x01]) + b[1:]


def _drop_second(b: bytes) -> bytes:
    return b[:1] + b[2:]


def _change_last(b: bytes) -> bytes:
    return b[:-1] + bytes([b[-1] ^ 0x01])


class ConformanceSuite:
    """Every conformance test, as methods taking a ``harness`` fixture.

    Not collected by itself (its name does not start with ``Test``): subclass it.
    """

    # -- round trips ---------------------------------------------------------

    @pytest.mark.parametrize("size", [1, 2, 100, 4096])
    def test_round_trip(self, harness: Harness, size: int) -> None:
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

    def test_round_trip_at_the_limit_and_one_past(self, harness: Harness) -> None:
        kms = harness.client
        key = new_key(harness)
        limit = kms.max_plaintext(key)
        assert (
            kms.decrypt(kms.encrypt(key, b"\x01" * limit).ciphertext).plaintext == b"\x01" * limit
        )
        with pytest.raises(LimitExceededError) as err:
            kms.encrypt(key, b"\x01" * (limit + 1))
        assert err.value.field == "plaintext"
        assert err.value.size == limit + 1
        assert err.value.limit == limit
        assert err.value.dialect is harness.dialect
        assert str(limit) in str(err.value)

    def test_two_encryptions_differ(self, harness: Harness) -> None:
        kms = harness.client
        key = new_key(harness)
        assert kms.encrypt(key, b"same").ciphertext != kms.encrypt(key, b"same").ciphertext

    def test_keys_are_separate(self, harness: Harness) -> None:
        kms = harness.client
        a, b = new_key(harness), new_key(harness)
        assert kms.decrypt(kms.encrypt(a, b"x").ciphertext).key_id == a
        assert kms.decrypt(kms.encrypt(b, b"x").ciphertext).key_id == b

    def test_round_trip_property(self, harness: Harness) -> None:
        pytest.importorskip("hypothesis", reason="the property test needs hypothesis")
        from hypothesis import given, settings
        from hypothesis import strategies as st

        kms = harness.client
        key = new_key(harness)

        @settings(max_examples=25, deadline=None)
        @given(
            plaintext=st.binary(min_size=1, max_size=4096),
            context=st.dictionaries(
                st.text(min_size=1, max_size=12), st.text(max_size=20), max_size=4
            ),
        )
        def round_trip(plaintext: bytes, context: dict[str, str]) -> None:
            sealed = kms.encrypt(key, plaintext, context=context)
            assert kms.decrypt(sealed.ciphertext, context=context).plaintext == plaintext

        round_trip()

    # -- encryption context --------------------------------------------------

    def test_context_must_match(self, harness: Harness) -> None:
        kms = harness.client
        key = new_key(harness)
        ctx = {"tenant": "42", "purpose": "orders"}
        sealed = kms.encrypt(key, b"secret", context=ctx)
        reordered = dict(reversed(list(ctx.items())))
        assert kms.decrypt(sealed.ciphertext, context=reordered).plaintext == b"secret"
        native = harness.rules
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

    def test_unicode_context(self, harness: Harness) -> None:
        kms = harness.client
        key = new_key(harness)
        ctx = {"客户": "张三", "emoji": "🔐", "quote": 'a"b'}
        sealed = kms.encrypt(key, b"x", context=ctx)
        assert kms.decrypt(sealed.ciphertext, context=ctx).plaintext == b"x"

    def test_context_at_the_declared_limit_and_one_past(self, harness: Harness) -> None:
        """The declared ``limits.max_context_chars`` is where refusal starts: a context
        whose JSON (``{"k":"v..."}``, 8 characters around the value) is exactly that long
        encrypts, one character more is refused, naming the limit. Whether the declared
        figure is the documented one is for the dialect's own tests (``tests/``)."""
        limit = harness.rules.limits.max_context_chars
        if limit is None:
            pytest.skip(f"the {harness.dialect.value} dialect declares no context limit")
        kms = harness.client
        key = new_key(harness)
        at_limit = {"k": "v" * (limit - 8)}
        sealed = kms.encrypt(key, b"x", context=at_limit)
        assert kms.decrypt(sealed.ciphertext, context=at_limit).plaintext == b"x"
        with pytest.raises(LimitExceededError) as err:
            kms.encrypt(key, b"x", context={"k": "v" * (limit - 7)})
        assert err.value.field == "context"
        assert err.value.limit == limit
        assert err.value.dialect is harness.dialect

    @pytest.mark.parametrize(
        "bad",
        [{"k": 1}, {1: "v"}, {"": "v"}, ["k", "v"]],
        ids=["int-value", "int-key", "empty", "list"],
    )
    def test_context_must_be_str_to_str(self, harness: Harness, bad: object) -> None:
        with pytest.raises(InvalidRequestError) as err:
            harness.client.encrypt(new_key(harness), b"x", context=bad)  # type: ignore[arg-type]
        assert err.value.field == "context"

    # -- key states ----------------------------------------------------------

    def test_disabled_key(self, harness: Harness) -> None:
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

    def test_pending_deletion_and_cancel(self, harness: Harness) -> None:
        kms = harness.client
        key = new_key(harness)
        sealed = kms.encrypt(key, b"x")
        kms.disable_key(key)  # some dialects require it; all allow it
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
        assert state is harness.rules.state_after_cancel_deletion
        kms.enable_key(key)
        assert kms.decrypt(sealed.ciphertext).plaintext == b"x"

    def test_deleted_after_the_window(self, harness: Harness) -> None:
        kms = harness.client
        key = new_key(harness, alias="alias/doomed")
        sealed = kms.encrypt(key, b"x")
        kms.disable_key(key)
        kms.schedule_key_deletion(key, 7)
        _advance(harness, 8)
        with pytest.raises(KeyNotFoundError):
            kms.describe_key(key)
        with pytest.raises(DecryptionFailedError) as err:
            kms.decrypt(sealed.ciphertext)
        if isinstance(err.value, CiphertextKeyNotFoundError):
            assert "deleted" in err.value.message and err.value.native_message
        else:
            assert "context" in err.value.message
        assert key not in kms.list_keys()
        assert "alias/doomed" not in kms.list_aliases()

    @pytest.mark.parametrize("days", [0, 6, 367])
    def test_deletion_window_out_of_range(self, harness: Harness, days: int) -> None:
        kms = harness.client
        key = new_key(harness)
        kms.disable_key(key)
        with pytest.raises(InvalidRequestError):
            kms.schedule_key_deletion(key, days)
        assert kms.describe_key(key).state is KeyState.DISABLED

    def test_pending_import_key(self, harness: Harness) -> None:
        kms = harness.client
        info = kms.create_key(external=True)
        assert info.state is KeyState.PENDING_IMPORT
        with pytest.raises(KeyUnavailableError):
            kms.encrypt(info.key_id, b"x")

    def test_enable_refused_while_pending_deletion(self, harness: Harness) -> None:
        kms = harness.client
        key = new_key(harness)
        kms.disable_key(key)
        kms.schedule_key_deletion(key, 10)
        with pytest.raises(KeyUnavailableError):
            kms.enable_key(key)

    def test_archive(self, harness: Harness) -> None:
        kms = harness.client
        key = new_key(harness)
        sealed = kms.encrypt(key, b"x")
        if not harness.has(Feature.ARCHIVE):  # refused before any request
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

    # -- rotation ------------------------------------------------------------

    def test_rotation(self, harness: Harness) -> None:
        _require(harness, Feature.ROTATION, "rotate_key")
        kms = harness.client
        key = rotatable_key(harness)
        before = kms.encrypt(key, b"old", context={"c": "1"})
        _advance(harness, harness.rules.rotation_min_days)
        new_version = kms.rotate_key(key)
        after = kms.encrypt(key, b"new", context={"c": "1"})
        assert kms.decrypt(before.ciphertext, context={"c": "1"}).plaintext == b"old"
        assert kms.decrypt(after.ciphertext, context={"c": "1"}).plaintext == b"new"
        info = kms.describe_key(key)
        if harness.has(Feature.KEY_VERSIONS):
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

    def test_rotation_too_soon(self, harness: Harness) -> None:
        _require(harness, Feature.ROTATION, "rotate_key")
        if not harness.rules.rotation_min_days:
            pytest.skip(f"the {harness.dialect.value} dialect declares no rotation_min_days")
        kms = harness.client
        key = rotatable_key(harness)
        _advance(harness, harness.rules.rotation_min_days)
        kms.rotate_key(key)
        with pytest.raises(InvalidRequestError) as err:
            kms.rotate_key(key)
        assert not isinstance(err.value, RotationPolicyRequiredError)

    def test_rotation_without_policy(self, harness: Harness) -> None:
        """Where the dialect declares ``rotation_needs_policy``, ``rotate_key`` on a key
        whose automatic rotation is off raises :class:`RotationPolicyRequiredError`
        (an ``InvalidRequestError``, ``field="key"``) and leaves the policy off; once
        ``set_rotation_policy`` turns it on, the same call works. Elsewhere a fresh key
        rotates without a policy."""
        _require(harness, Feature.ROTATION, "rotate_key")
        kms = harness.client
        key = new_key(harness)
        _advance(harness, harness.rules.rotation_min_days)
        if not harness.rules.rotation_needs_policy:
            kms.rotate_key(key)
            return
        for _ in range(2):  # the refusal does not turn the policy on: it refuses again
            with pytest.raises(RotationPolicyRequiredError) as err:
                kms.rotate_key(key)
            assert isinstance(err.value, InvalidRequestError)
            assert err.value.field == "key"
            assert "set_rotation_policy" in err.value.message
            assert err.value.code  # the provider's own code is kept
        kms.set_rotation_policy(key, enabled=True, period_days=365)
        kms.rotate_key(key)

    # -- names ---------------------------------------------------------------

    def test_alias_resolution(self, harness: Harness) -> None:
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
    def test_one_alias_spelling_on_every_dialect(self, harness: Harness, spelling: str) -> None:
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
        ("alias", "refused_everywhere"),
        [
            ("alias/acs-ours", False),  # reserved on Alibaba
            ("alias/team/orders", False),  # no / on Tencent
            ("kms-orders", False),  # reserved on Tencent
            ("alias/" + "a" * 61, False),  # 1-60 on Tencent
            ("_orders", False),  # a letter or digit first on Tencent
            ("alias/" + "a" * 256, True),
            ("alias/sp ace", True),
        ],
    )
    def test_alias_rules_per_dialect(
        self, harness: Harness, alias: str, refused_everywhere: bool
    ) -> None:
        """The client refuses, before any request, exactly the aliases the dialect's
        declared rules (``operations.check_alias_rules``) refuse; the service takes the
        others. Some names no dialect takes."""
        kms = harness.client
        try:
            harness.package.operations.check_alias_rules(neutral_alias(alias))
            refused = False
        except InvalidRequestError:
            refused = True
        assert refused or not refused_everywhere, "the declared alias rules accept it"
        if refused:
            with pytest.raises(InvalidRequestError) as err:
                kms.create_key(alias=alias)
            assert err.value.field == "alias"
            assert err.value.dialect is harness.dialect
            assert kms.list_keys() == []  # refused before any request
        else:
            assert kms.create_key(alias=alias).aliases == ("alias/" + alias.removeprefix("alias/"),)

    def test_duplicate_alias(self, harness: Harness) -> None:
        kms = harness.client
        new_key(harness, alias="alias/taken")
        other = new_key(harness)
        with pytest.raises(AlreadyExistsError):
            kms.create_alias("alias/taken", other)

    def test_arn_resolution(self, harness: Harness) -> None:
        kms = harness.client
        info = kms.create_key()
        prefix = harness.package.arn_prefix
        if info.arn is not None:  # an ARN has the dialect's declared prefix
            assert prefix is not None and info.arn.startswith(prefix)
        _require(harness, Feature.ARN, "keys named by ARN")
        assert info.arn and info.arn.endswith(info.key_id)
        assert kms.encrypt(info.arn, b"x").key_id == info.key_id
        # another account: the field before the resource (acs:kms:<region>:<account>:key/<id>)
        *head, _account, resource = info.arn.split(":")
        foreign = ":".join([*head, "999", resource])
        assert foreign != info.arn
        with pytest.raises(KeyNotFoundError):
            kms.encrypt(foreign, b"x")

    def test_unknown_key(self, harness: Harness) -> None:
        kms = harness.client
        with pytest.raises(KeyNotFoundError) as err:
            kms.encrypt("00000000-0000-1000-8000-000000000000", b"x")
        assert err.value.dialect is harness.dialect
        assert err.value.code
        assert err.value.http_status is not None
        assert err.value.request_id

    def test_list_keys(self, harness: Harness) -> None:
        kms = harness.client
        keys = {new_key(harness) for _ in range(3)}
        assert keys <= set(kms.list_keys())

    # -- tampering -----------------------------------------------------------

    @pytest.mark.parametrize("tamper", [_flip_first, _drop_second, _change_last])
    def test_tampered_ciphertext(self, harness: Harness, tamper: object) -> None:
        kms = harness.client
        key = new_key(harness)
        sealed = kms.encrypt(key, b"attack at dawn")
        bad = tamper(sealed.ciphertext)  # type: ignore[operator]
        with pytest.raises(DecryptionFailedError) as err:
            kms.decrypt(bad)
        assert err.value.dialect is harness.dialect
        assert "attack" not in str(err.value)

    def test_garbage_and_empty_ciphertext(self, harness: Harness) -> None:
        kms = harness.client
        with pytest.raises(DecryptionFailedError):
            kms.decrypt(b"\x00" * 80)
        with pytest.raises(InvalidRequestError) as err:
            kms.decrypt(b"")
        assert err.value.field == "ciphertext"

    # -- data keys -----------------------------------------------------------

    @pytest.mark.parametrize("n", [1, 16, 32, 1024])
    def test_generate_data_key(self, harness: Harness, n: int) -> None:
        kms = harness.client
        key = new_key(harness)
        dk = kms.generate_data_key(key, number_of_bytes=n, context={"f": "x"})
        assert len(dk.plaintext) == n
        assert dk.key_id == key
        assert kms.decrypt(dk.ciphertext, context={"f": "x"}).plaintext == dk.plaintext
        assert repr(dk.plaintext) not in repr(dk)

    @pytest.mark.parametrize("n", [0, 1025, -1])
    def test_generate_data_key_size_out_of_range(self, harness: Harness, n: int) -> None:
        with pytest.raises(InvalidRequestError) as err:
            harness.client.generate_data_key(new_key(harness), number_of_bytes=n)
        assert err.value.field == "number_of_bytes"

    # -- bad input -----------------------------------------------------------

    def test_bad_input_is_typed_and_named(self, harness: Harness) -> None:
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

    def test_bad_enum_values_are_typed(self, harness: Harness) -> None:
        with pytest.raises(InvalidRequestError) as err:
            harness.client.create_key(spec="AES_512")  # type: ignore[arg-type]
        assert err.value.field == "spec" and "AES_256" in str(err.value)
        with pytest.raises(InvalidRequestError) as err:
            harness.client.encrypt(new_key(harness), b"x", version="newest")  # type: ignore[arg-type]
        assert err.value.field == "version"

    def test_errors_keep_what_the_provider_said(self, harness: Harness) -> None:
        kms = harness.client
        key = new_key(harness)
        kms.disable_key(key)
        with pytest.raises(KmsError) as err:
            kms.encrypt(key, b"x")
        e = err.value
        assert (e.dialect, bool(e.code), bool(e.request_id)) == (harness.dialect, True, True)
        assert isinstance(e.http_status, int)
        assert e.code and e.code in str(e)

    def test_closed_client(self, harness: Harness) -> None:
        kms = harness.client
        key = new_key(harness)
        kms.close()
        with pytest.raises(InvalidRequestError):
            kms.encrypt(key, b"x")

    def test_concurrent_use(self, harness: Harness) -> None:
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

    def test_one_client_shared_by_threads(self, harness: Harness) -> None:
        """A client may be shared across threads: 8 threads x 25 round trips, every result right."""
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

    # -- re-encryption, random bytes, descriptions, aliases, rotation policy, tags ---

    def test_re_encrypt(self, harness: Harness) -> None:
        kms = harness.client
        source, destination = new_key(harness), new_key(harness)
        sealed = kms.encrypt(source, b"card 4111", context={"user": "7"})
        if not harness.has(Feature.RE_ENCRYPT):  # refused before any request
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
        contract = harness.package.contract
        missing = contract.absent_key_id if contract else "00000000-0000-1000-8000-000000000000"
        with pytest.raises(KeyNotFoundError) as missing_err:
            kms.re_encrypt(sealed.ciphertext, missing, source_context={"user": "7"})
        assert not isinstance(missing_err.value, DecryptionFailedError)
        kms.disable_key(destination)
        with pytest.raises(KeyUnavailableError) as err:  # a disabled key is not encrypted to
            kms.re_encrypt(sealed.ciphertext, destination, source_context={"user": "7"})
        assert err.value.state is KeyState.DISABLED

    def test_re_encrypt_checks_before_any_request(self, harness: Harness) -> None:
        _require(harness, Feature.RE_ENCRYPT, "re_encrypt")
        kms = harness.client
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

    def test_generate_random(self, harness: Harness) -> None:
        kms = harness.client
        if not harness.has(Feature.RANDOM):
            with pytest.raises(UnsupportedByDialectError):
                kms.generate_random(16)
            return
        low, high = operations_class(harness.dialect).random_bytes  # as the dialect declares
        first, second = kms.generate_random(32), kms.generate_random(32)
        assert len(first) == 32 and first != second
        assert len(kms.generate_random(high)) == high
        for bad in (low - 1, high + 1, True, "16"):
            with pytest.raises(InvalidRequestError, match=f"{low} to {high}") as err:
                kms.generate_random(bad)  # type: ignore[arg-type]
            assert err.value.field == "number_of_bytes"

    def test_update_key_description(self, harness: Harness) -> None:
        kms = harness.client
        key = new_key(harness)
        kms.update_key_description(key, "orders, 2026 — ünïcode")
        assert kms.describe_key(key).description == "orders, 2026 — ünïcode"
        kms.update_key_description(key, "")
        assert kms.describe_key(key).description == ""
        limit = harness.rules.max_description
        if limit is None:
            pytest.skip(f"the {harness.dialect.value} dialect declares no description limit")
        if harness.rules.description_measure == "bytes":  # UTF-8: "é" is two
            too_long = "é" * (limit // 2 + 1)
            assert len(too_long) <= limit
        else:
            too_long = "a" * (limit + 1)
        with pytest.raises(LimitExceededError) as err:
            kms.update_key_description(key, too_long)
        assert (err.value.field, err.value.limit) == ("description", limit)

    def test_update_and_delete_alias(self, harness: Harness) -> None:
        kms = harness.client
        first = new_key(harness, alias="alias/moving")
        second = new_key(harness)
        if not harness.has(Feature.MOVABLE_ALIASES):
            refused: tuple[Callable[[], object], ...] = (
                lambda: kms.update_alias("alias/moving", second),
                lambda: kms.delete_alias("alias/moving"),
            )
            for call in refused:
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

    def test_rotation_policy(self, harness: Harness) -> None:
        _require(harness, Feature.ROTATION, "set_rotation_policy")
        kms = harness.client
        key = new_key(harness)
        shown = harness.rules.rotation_policy_shown
        low, high = harness.package.operations.rotation_period_days
        period = max(30, low)  # a period every dialect's declared range holds (AWS: 90..)
        kms.set_rotation_policy(key, enabled=True, period_days=period)
        native = kms.describe_key(key).native
        if shown is not None:  # what the dialect's DescribeKey says of a policy
            assert shown(True, period).items() <= native.items()
        kms.set_rotation_policy(key, enabled=False)
        native = kms.describe_key(key).native
        if shown is not None:
            assert shown(False, None).items() <= native.items()
        for bad in (low - 1, high + 1, None, True):
            with pytest.raises(InvalidRequestError) as err:
                kms.set_rotation_policy(key, enabled=True, period_days=bad)
            assert err.value.field == "period_days"
        kms.disable_key(key)
        with pytest.raises(KmsError):  # only an Enabled key takes a rotation policy
            kms.set_rotation_policy(key, enabled=True, period_days=period)

    def test_tags(self, harness: Harness) -> None:
        kms = harness.client
        key = new_key(harness)
        if not harness.has(Feature.TAGS):
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

    def test_new_calls_in_strict_mode(self, harness: Harness) -> None:
        strict = KmsClient(harness.client.driver, strict_portability=True)
        key = new_key(harness)
        for call in (
            lambda: strict.generate_random(8),
            lambda: strict.delete_alias("alias/x"),
            lambda: strict.tag_key(key, {"a": "b"}),
            lambda: strict.re_encrypt(b"x", key),
        ):
            with pytest.raises((PortabilityError, UnsupportedByDialectError)):
                call()
        with pytest.raises((PortabilityError, LimitExceededError)) as err:
            strict.update_key_description(key, "a" * 1025)
        assert err.value.field == "description"

    # -- asymmetric keys: sign, verify, public keys, public-key encryption -----------

    @pytest.mark.parametrize(("spec", "algorithm"), _SIGNING, ids=str)
    def test_sign_and_verify(
        self, harness: Harness, spec: KeySpec, algorithm: SigningAlgorithm
    ) -> None:
        """A signature verifies through KMS and, with the exported public key alone,
        through ``cryptography``; another message or a changed signature is ``False``."""
        from unikms.asymmetric import message_digest, verify_locally

        kms = harness.client
        key = _signing_key(harness, spec, algorithm)
        signed = kms.sign(key, message=b"release 1.4", algorithm=algorithm)
        assert signed.key_id == key
        assert signed.algorithm is algorithm
        assert signed.dialect is harness.dialect
        assert signed.request_id
        assert kms.verify(key, signed.signature, message=b"release 1.4", algorithm=algorithm)
        assert not kms.verify(key, signed.signature, message=b"release 1.5", algorithm=algorithm)
        changed = _change_last(signed.signature)
        assert not kms.verify(key, changed, message=b"release 1.4", algorithm=algorithm)
        digest = message_digest(algorithm, b"release 1.4")
        assert kms.verify(key, signed.signature, digest=digest, algorithm=algorithm)
        by_digest = kms.sign(key, digest=digest, algorithm=algorithm)
        assert kms.verify(key, by_digest.signature, message=b"release 1.4", algorithm=algorithm)
        # the interop proof: the public key alone verifies what KMS signed
        if not harness.has(Feature.PUBLIC_KEY):
            return
        public = kms.get_public_key(key, version_id=signed.key_version_id)
        assert public.key_id == key
        assert public.spec is spec
        assert public.usage is KeyUsage.SIGN_VERIFY
        assert algorithm in public.signing_algorithms
        assert public.pem.startswith("-----BEGIN PUBLIC KEY-----")
        assert verify_locally(public.der, signed.signature, b"release 1.4", algorithm)
        assert verify_locally(public.der, by_digest.signature, b"release 1.4", algorithm)
        assert not verify_locally(public.der, signed.signature, b"release 1.5", algorithm)

    def test_sign_checks_before_any_request(self, harness: Harness) -> None:
        kms = harness.client
        if not harness.has(Feature.ASYMMETRIC_SIGN):
            with pytest.raises(UnsupportedByDialectError) as missing:
                kms.sign("k", message=b"m", algorithm="ECDSA_SHA_256")
            assert missing.value.field == Feature.ASYMMETRIC_SIGN
            with pytest.raises(UnsupportedByDialectError):
                kms.verify("k", b"s", message=b"m", algorithm="ECDSA_SHA_256")
            return
        for bad in (
            {"message": b"m", "digest": b"d" * 32},
            {},
            {"digest": b"d" * 31},
            {"message": "text"},
        ):
            with pytest.raises(InvalidRequestError) as err:
                kms.sign("k", algorithm="ECDSA_SHA_256", **bad)
            assert err.value.field in ("message", "digest")
        with pytest.raises(InvalidRequestError) as err:
            kms.sign("k", message=b"m", algorithm="ECDSA_SHA_512")
        assert err.value.field == "algorithm"
        with pytest.raises(InvalidRequestError) as err:
            kms.verify("k", b"", message=b"m", algorithm="ECDSA_SHA_256")
        assert err.value.field == "signature"

    def test_sign_refuses_the_wrong_key(self, harness: Harness) -> None:
        """A symmetric key, or an asymmetric key for encryption, cannot sign or verify
        (:class:`WrongKeyTypeError`); an algorithm of another spec is refused naming it."""
        kms = harness.client
        key = _signing_key(harness, KeySpec.EC_P256, SigningAlgorithm.ECDSA_SHA_256)
        symmetric = new_key(harness)
        with pytest.raises(WrongKeyTypeError) as err:
            kms.sign(symmetric, message=b"m", algorithm="ECDSA_SHA_256")
        assert err.value.dialect is harness.dialect
        assert err.value.code
        with pytest.raises(WrongKeyTypeError):
            kms.verify(symmetric, b"sig", message=b"m", algorithm="ECDSA_SHA_256")
        with pytest.raises(InvalidRequestError) as bad:
            kms.sign(key, message=b"m", algorithm="RSA_PSS_SHA_256")
        assert bad.value.field == "algorithm"
        if harness.has(Feature.PUBLIC_KEY):
            with pytest.raises(WrongKeyTypeError):
                kms.get_public_key(symmetric)
        if harness.has(Feature.ASYMMETRIC_ENCRYPT):
            encrypting = _encryption_key(harness, AsymmetricAlgorithm.RSAES_OAEP_SHA_256)
            with pytest.raises(WrongKeyTypeError):
                kms.sign(encrypting, message=b"m", algorithm="RSA_PSS_SHA_256")
            with pytest.raises(WrongKeyTypeError):
                kms.encrypt_asymmetric(key, b"m", algorithm="RSAES_OAEP_SHA_256")

    @pytest.mark.parametrize("algorithm", _OAEP, ids=str)
    def test_asymmetric_encryption(self, harness: Harness, algorithm: AsymmetricAlgorithm) -> None:
        """A round trip at the documented limit; one byte more is refused before any
        request, naming field and limit; data sealed locally with the exported public key
        opens through KMS (the interop proof)."""
        from unikms.asymmetric import encrypt_locally, oaep_max_plaintext

        kms = harness.client
        key = _encryption_key(harness, algorithm)
        limit = oaep_max_plaintext(KeySpec.RSA_2048, algorithm)
        sealed = kms.encrypt_asymmetric(key, b"\x07" * limit, algorithm=algorithm)
        assert sealed.key_id == key
        assert sealed.algorithm is algorithm
        opened = kms.decrypt_asymmetric(
            key, sealed.ciphertext, algorithm=algorithm, version_id=sealed.key_version_id
        )
        assert opened.plaintext == b"\x07" * limit
        assert opened.key_id == key
        with pytest.raises(LimitExceededError) as err:
            kms.encrypt_asymmetric(key, b"\x07" * (limit + 1), algorithm=algorithm)
        assert (err.value.field, err.value.size, err.value.limit) == ("plaintext", limit + 1, limit)
        assert err.value.dialect is harness.dialect
        with pytest.raises(DecryptionFailedError):
            kms.decrypt_asymmetric(key, _change_last(sealed.ciphertext), algorithm=algorithm)
        if harness.has(Feature.PUBLIC_KEY):
            public = kms.get_public_key(key)
            assert public.usage is KeyUsage.ENCRYPT_DECRYPT
            assert algorithm in public.encryption_algorithms
            local = encrypt_locally(public.der, b"from a party without KMS", algorithm)
            opened = kms.decrypt_asymmetric(key, local, algorithm=algorithm)
            assert opened.plaintext == b"from a party without KMS"

    def test_asymmetric_encryption_unsupported(self, harness: Harness) -> None:
        if harness.has(Feature.ASYMMETRIC_ENCRYPT):
            pytest.skip(f"the {harness.dialect.value} dialect has {Feature.ASYMMETRIC_ENCRYPT}")
        with pytest.raises(UnsupportedByDialectError) as err:
            harness.client.encrypt_asymmetric("k", b"x", algorithm="RSAES_OAEP_SHA_256")
        assert err.value.field == Feature.ASYMMETRIC_ENCRYPT

    def test_each_asymmetric_version_is_its_own_key_pair(self, harness: Harness) -> None:
        """``rotate_key`` gives a signing key a new key pair; a signature of the old
        version still verifies when that version is named."""
        _require(harness, Feature.KEY_VERSIONS, "key versions")
        kms = harness.client
        key = _signing_key(harness, KeySpec.EC_P256, SigningAlgorithm.ECDSA_SHA_256)
        old = kms.sign(key, message=b"m", algorithm="ECDSA_SHA_256")
        _advance(harness, harness.rules.rotation_min_days + 1)
        new_version = kms.rotate_key(key)
        new = kms.sign(key, message=b"m", algorithm="ECDSA_SHA_256")
        assert new.key_version_id == new_version != old.key_version_id
        assert kms.verify(
            key,
            old.signature,
            message=b"m",
            algorithm="ECDSA_SHA_256",
            version_id=old.key_version_id,
        )
        assert not kms.verify(key, old.signature, message=b"m", algorithm="ECDSA_SHA_256")
        if harness.has(Feature.PUBLIC_KEY):
            first = kms.get_public_key(key, version_id=old.key_version_id)
            assert first.der != kms.get_public_key(key).der

    def test_asymmetric_calls_in_strict_mode(self, harness: Harness) -> None:
        """Strict portability refuses what another registered dialect lacks: an
        algorithm that some registered dialect does not declare (read from each
        dialect's operations, not named here) is refused before any request."""
        strict = KmsClient(harness.client.driver, strict_portability=True)
        signing = _not_everywhere("signing_algorithms")
        encrypting = _not_everywhere("encryption_algorithms")
        if not signing and not encrypting:
            pytest.skip("every registered dialect declares the same asymmetric algorithms")
        for algorithm in signing:
            with pytest.raises((PortabilityError, UnsupportedByDialectError)):
                strict.sign("k", digest=bytes(32), algorithm=algorithm)
        for algorithm in encrypting:
            with pytest.raises((PortabilityError, UnsupportedByDialectError)):
                strict.encrypt_asymmetric("k", b"m", algorithm=algorithm)


def _not_everywhere(table: str) -> list[str]:
    """The algorithms (``signing_algorithms`` or ``encryption_algorithms``) that some
    registered dialect's operations declare and another's do not."""
    from unikms.types import Dialect

    declared = [
        {a.value for algorithms in getattr(operations_class(d), table).values() for a in algorithms}
        for d in Dialect
    ]
    anywhere = set().union(*declared)
    everywhere = set.intersection(*declared) if declared else set()
    return sorted(anywhere - everywhere)
