"""``seal_order`` on the in-memory fake, for every dialect (no network, no extras)."""

from __future__ import annotations

import pytest
from orders import Order, ensure_order_key, open_order, seal_order

from unikms import DecryptionFailedError

DIALECTS = ["alibaba-classic", "alibaba-instance", "tencent"]
ORDER = Order(order_id="A-1001", item="sample teapot", quantity=2)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_seal_and_open(unikms_fake, dialect):
    kms = unikms_fake(dialect)
    ensure_order_key(kms)
    sealed = seal_order(kms, ORDER)
    assert ORDER.to_bytes() not in sealed
    assert open_order(kms, sealed, "A-1001") == ORDER


@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_sealed_order_opens_only_under_its_own_id(unikms_fake, dialect):
    kms = unikms_fake(dialect)
    ensure_order_key(kms)
    sealed = seal_order(kms, ORDER)
    with pytest.raises(DecryptionFailedError):
        open_order(kms, sealed, "A-1002")


def test_both_alibaba_gateways_share_the_test_cloud(unikms_fake):
    classic = unikms_fake("alibaba-classic")
    instance = unikms_fake("alibaba-instance")
    ensure_order_key(classic)
    assert open_order(instance, seal_order(classic, ORDER), "A-1001") == ORDER


def test_orders_sealed_before_a_rotation_still_open(unikms_fake, unikms_fake_cloud):
    kms = unikms_fake("alibaba-classic")
    key = ensure_order_key(kms)
    before = seal_order(kms, ORDER)
    unikms_fake_cloud.clock.advance(days=8)  # past Alibaba's 7-day minimum interval
    kms.rotate_key(key)
    after = seal_order(kms, ORDER)
    assert open_order(kms, before, "A-1001") == open_order(kms, after, "A-1001") == ORDER
