"""``seal_order`` through the adapters (the official SDKs) against the local emulator."""

from __future__ import annotations

import pytest
from orders import Order, ensure_order_key, open_order, seal_order

import unikms

DIALECTS = ["alibaba-classic", "alibaba-instance", "tencent"]
ORDER = Order(order_id="B-2001", item="sample kettle", quantity=1)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_seal_and_open_through_the_sdk(unikms_emulator_urls, dialect):
    with unikms.connect(unikms_emulator_urls[dialect]) as kms:
        ensure_order_key(kms)  # the emulator was reset for this test: the alias is free
        sealed = seal_order(kms, ORDER)
        assert open_order(kms, sealed, "B-2001") == ORDER
        with pytest.raises(unikms.DecryptionFailedError):
            open_order(kms, sealed, "B-2002")
