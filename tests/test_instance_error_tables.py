"""``alibaba-instance``: one error table per wire protocol, so fake and adapter agree.

The gateway (``dkms-gcs-0.2``) and the classic API share codes that mean different
things (``UnsupportedOperation``: the gateway's is "not supported here", the
classic API's a wrong key type). The dialect's table used to merge both, so
``rotate_key`` on an RSA key raised ``UnsupportedByDialectError`` from the fake
(which answered management with the gateway's codes) and ``InvalidRequestError``
from the adapter (whose management calls reach the classic API). Now management
is the classic API's on both, read with the classic table.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

import unikms
from tests.drivers import DRIVERS
from unikms.dialects.alibaba import classic, instance
from unikms.errors import KmsError
from unikms.types import KeySpec

Call = Callable[[unikms.KmsClient], object]


def _rotate_rsa(kms: unikms.KmsClient) -> object:
    return kms.rotate_key(kms.create_key(spec=KeySpec.RSA_2048).key_id)


def _alias_taken(kms: unikms.KmsClient) -> object:
    kms.create_key(alias="alias/taken")
    return kms.create_alias("alias/taken", kms.create_key().key_id)


def _cancel_deletion_of_an_enabled_key(kms: unikms.KmsClient) -> object:
    kms.cancel_key_deletion(kms.create_key().key_id)
    return None


def _describe_missing(kms: unikms.KmsClient) -> object:
    return kms.describe_key("key-hzz000000000000000000")


def _encrypt_disabled(kms: unikms.KmsClient) -> object:
    key = kms.create_key().key_id
    kms.disable_key(key)
    return kms.encrypt(key, b"x")


def _rotate_too_soon(kms: unikms.KmsClient) -> object:
    key = kms.create_key().key_id
    kms.rotate_key(key)
    return kms.rotate_key(key)


CALLS: dict[str, Call] = {
    "rotate_rsa_key": _rotate_rsa,
    "alias_taken": _alias_taken,
    "cancel_deletion_of_an_enabled_key": _cancel_deletion_of_an_enabled_key,
    "describe_missing_key": _describe_missing,
    "encrypt_with_a_disabled_key": _encrypt_disabled,
    "rotate_too_soon": _rotate_too_soon,
}


def _failure(kms: unikms.KmsClient, call: Call) -> KmsError:
    with pytest.raises(KmsError) as caught:
        call(kms)
    return caught.value


@pytest.fixture(scope="module")
def adapter_client() -> unikms.KmsClient:
    pytest.importorskip("google.protobuf")
    return DRIVERS["adapter-alibaba-instance"]().client


@pytest.mark.parametrize("name", sorted(CALLS))
def test_fake_and_adapter_raise_the_same_error(name: str, adapter_client: unikms.KmsClient) -> None:
    call = CALLS[name]
    fake = _failure(unikms.connect("fake://alibaba-instance"), call)
    real = _failure(adapter_client, call)
    assert type(fake) is type(real), (fake, real)
    assert (fake.code, fake.http_status) == (real.code, real.http_status)
    assert str(fake.dialect) == str(real.dialect) == "alibaba-instance"


def test_rotating_an_rsa_key_is_the_classic_apis_refusal() -> None:
    err = _failure(unikms.connect("fake://alibaba-instance"), _rotate_rsa)
    assert isinstance(err, unikms.InvalidRequestError)
    assert not isinstance(err, unikms.UnsupportedByDialectError)
    assert err.code == "Rejected.UnsupportedOperation"


def test_the_gateway_table_holds_no_classic_only_code() -> None:
    """Codes the two protocols both use but read differently stay apart."""
    assert instance.RULES.errors["UnsupportedOperation"].kind == "unsupported"
    assert classic.RULES.errors["UnsupportedOperation"].kind == "wrong_key_type"
    assert "Rejected.UnsupportedOperation" not in instance.RULES.errors
    assert "Rejected.StateModifiedFailed" not in instance.RULES.errors
    assert instance.MANAGEMENT_RULES.errors is classic.RULES.errors
    assert instance.MANAGEMENT_RULES.dialect.value == "alibaba-instance"
