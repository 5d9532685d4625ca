"""The fake's in-process path answers exactly as its native actions do.

A ``fake://`` client sends plain ``encrypt``/``decrypt`` straight to the
service's typed helpers (``InProcess*Operations``); the emulator and any
client built on the dialect's own operations go through the native actions.
Both must give the same results, the same blobs and the same errors.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from unikms import KmsClient
from unikms.dialects import operations_class
from unikms.dialects.alibaba.fake import InProcessClassicOperations, InProcessInstanceOperations
from unikms.dialects.aws.fake import InProcessAwsOperations
from unikms.dialects.tencent.fake import InProcessTencentOperations
from unikms.errors import KmsError
from unikms.fake import FakeCloud
from unikms.types import Dialect

FAST = {
    Dialect.ALIBABA_CLASSIC: InProcessClassicOperations,
    Dialect.ALIBABA_INSTANCE: InProcessInstanceOperations,
    Dialect.TENCENT: InProcessTencentOperations,
    Dialect("aws"): InProcessAwsOperations,
}
CONTEXTS = [None, {"tenant": "42", "é": "ü"}]


def clients(dialect: Dialect) -> tuple[KmsClient, KmsClient]:
    """(in-process, native) clients over one fake cloud."""
    cloud = FakeCloud()
    fast = KmsClient(cloud.service(dialect))
    service = cloud.service(dialect)
    native = KmsClient(service, operations=operations_class(dialect)(service))
    return fast, native


@pytest.mark.parametrize("dialect", list(Dialect), ids=lambda d: d.value)
def test_a_fake_client_takes_the_in_process_path(dialect: Dialect) -> None:
    fast, native = clients(dialect)
    assert type(fast._ops) is FAST[dialect]
    assert type(native._ops) is operations_class(dialect)


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
def test_the_in_process_path_honours_the_throttle(dialect: Dialect) -> None:
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
