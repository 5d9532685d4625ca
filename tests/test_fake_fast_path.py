"""The fake's typed crypto seam answers exactly as its native actions do.

A dialect's neutral operations call every driver through the dialect's typed
crypto seam: the fake offers it (``tencent_crypto``, ``classic_crypto``,
``gateway_crypto``: the very steps its native actions take, without Base64 round
trips), any other driver gets the dialect's native bridge over ``call`` (what the
adapters and the emulator see). One neutral implementation, two drivers: both
must give the same results, the same blobs and the same errors. The native
client here is the same fake behind a driver that offers only ``call``.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from unikms import KmsClient
from unikms.dialects.alibaba.classic import NativeClassicCrypto
from unikms.dialects.alibaba.instance import NativeGatewayCrypto
from unikms.dialects.aws.rules import NativeAwsCrypto
from unikms.dialects.tencent.rules import NativeTencentCrypto
from unikms.errors import KmsError
from unikms.fake import FakeCloud
from unikms.fake.service import FakeService
from unikms.native import NativeParams, NativeResponse
from unikms.types import Dialect

NATIVE = (NativeClassicCrypto, NativeGatewayCrypto, NativeTencentCrypto, NativeAwsCrypto)
CONTEXTS = [None, {"tenant": "42", "é": "ü"}]


class CallOnly:
    """A fake service behind nothing but the native driver interface."""

    def __init__(self, service: FakeService) -> None:
        self.service = service
        self.dialect = service.dialect

    def call(self, action: str, params: NativeParams) -> NativeResponse:
        return self.service.call(action, params)

    def close(self) -> None:
        self.service.close()


def _seam(kms: KmsClient) -> object:
    ops = kms._ops
    return getattr(ops, "gateway", None) or ops.crypto  # type: ignore[attr-defined]


def clients(dialect: Dialect) -> tuple[KmsClient, KmsClient]:
    """(typed seam, native bridge) clients over one fake cloud."""
    cloud = FakeCloud()
    fast = KmsClient(cloud.service(dialect))
    native = KmsClient(CallOnly(cloud.service(dialect)))  # type: ignore[arg-type]
    return fast, native


@pytest.mark.parametrize("dialect", list(Dialect), ids=lambda d: d.value)
def test_a_fake_client_takes_the_typed_seam_and_others_the_native_bridge(
    dialect: Dialect,
) -> None:
    fast, native = clients(dialect)
    assert type(fast._ops) is type(native._ops)  # one neutral implementation
    assert not isinstance(_seam(fast), NATIVE)
    assert isinstance(_seam(native), NATIVE)


@pytest.mark.parametrize("context", CONTEXTS, ids=["no-context", "context"])
@pytest.mark.parametrize("dialect", list(Dialect), ids=lambda d: d.value)
def test_each_path_opens_what_the_other_sealed(
    dialect: Dialect, context: dict[str, str] | None
) -> None:
    fast, native = clients(dialect)
    key = fast.create_key(alias="alias/fast-path" if dialect is not Dialect.TENCENT else None)
    for sealer, opener in ((fast, native), (native, fast)):
        for size in (1, 100, sealer.max_plaintext(key.key_id, context=context)):
            data = bytes(range(256)) * (size // 256) + bytes(size % 256)
            sealed = sealer.encrypt(key.key_id, data, context=context)
            opened = opener.decrypt(sealed.ciphertext, context=context)
            assert opened.plaintext == data
            assert opened.key_id == sealed.key_id == key.key_id
            assert opened.key_version_id == sealed.key_version_id
            assert opened.dialect is sealed.dialect is dialect
    a = fast.encrypt(key.key_id, b"x", context=context)
    b = native.encrypt(key.key_id, b"x", context=context)
    assert len(a.ciphertext) == len(b.ciphertext)  # the same blob layout
    assert (a.key_version_id, a.algorithm, a.iv is None) == (
        b.key_version_id,
        b.algorithm,
        b.iv is None,
    )
    assert a.request_id != b.request_id


def error_of(
    case: Callable[[KmsClient], object], kms: KmsClient
) -> tuple[type[KmsError], str | None, int | None]:
    with pytest.raises(KmsError) as info:
        case(kms)
    return type(info.value), info.value.code, info.value.http_status


@pytest.mark.parametrize("dialect", list(Dialect), ids=lambda d: d.value)
def test_errors_are_the_same_on_both_paths(dialect: Dialect) -> None:
    fast, native = clients(dialect)
    key = fast.create_key().key_id
    sealed = fast.encrypt(key, b"secret", context={"a": "1"}).ciphertext
    missing = (
        "8b8a4a9c-0f1e-11ef-9f9a-02fc00000001"
        if dialect is Dialect.TENCENT
        else "key-hzz000000000000000000"
    )
    cases: list[Callable[[KmsClient], object]] = [
        lambda c: c.encrypt(missing, b"x"),
        lambda c: c.decrypt(sealed, context={"a": "2"}),
        lambda c: c.decrypt(sealed),
        lambda c: c.decrypt(sealed[:-1] + bytes([sealed[-1] ^ 1]), context={"a": "1"}),
        lambda c: c.decrypt(sealed[:20]),
    ]
    for case in cases:
        assert error_of(case, fast) == error_of(case, native)
    fast.disable_key(key)
    for case in [lambda c: c.encrypt(key, b"x"), lambda c: c.decrypt(sealed, context={"a": "1"})]:
        assert error_of(case, fast) == error_of(case, native)
    fast.schedule_key_deletion(key, 7)  # Tencent schedules disabled keys only
    pending: Callable[[KmsClient], object] = lambda c: c.encrypt(key, b"x")  # noqa: E731
    assert error_of(pending, fast) == error_of(pending, native)


@pytest.mark.parametrize("dialect", list(Dialect), ids=lambda d: d.value)
def test_the_typed_seam_honours_the_throttle(dialect: Dialect) -> None:
    cloud = FakeCloud()
    kms = KmsClient(cloud.service(dialect, throttle=1.0))
    key = kms.create_key().key_id
    kms.encrypt(key, b"x")
    with pytest.raises(KmsError) as info:
        kms.encrypt(key, b"x")
    assert info.value.request_id  # the refusal carries its request id, as natively


def test_due_deletions_happen_without_a_scan_per_call() -> None:
    """The store keeps the earliest deletion date; cancelling leaves it early, harmlessly."""
    from unikms.errors import KeyNotFoundError
    from unikms.types import KeyState

    cloud = FakeCloud()
    kms = KmsClient(cloud.service(Dialect.ALIBABA_CLASSIC))
    kept, gone = kms.create_key().key_id, kms.create_key().key_id
    kms.schedule_key_deletion(kept, 7)
    kms.schedule_key_deletion(gone, 10)
    kms.cancel_key_deletion(kept)
    cloud.clock.advance(days=8)  # past the cancelled date: a look, and nothing goes
    assert kms.describe_key(kept).state is KeyState.ENABLED
    assert kms.describe_key(gone).state is KeyState.PENDING_DELETION
    cloud.clock.advance(days=3)
    with pytest.raises(KeyNotFoundError):
        kms.describe_key(gone)
    assert kms.encrypt(kept, b"x").key_id == kept
    assert cloud.alibaba._deadline is None  # nothing pending: no clock read per call
