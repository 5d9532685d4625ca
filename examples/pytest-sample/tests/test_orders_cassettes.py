"""``seal_order`` replayed from cassettes: no emulator, no network, no credentials.

The cassettes in ``cassettes/`` were recorded once against the emulator with
``pytest -c pytest.ini --unikms-record=once``; without that option they are
only replayed, and a request they do not hold fails the test.
"""

from __future__ import annotations

import pytest
from orders import Order, ensure_order_key, open_order, seal_order

import unikms

DIALECTS = ["alibaba-classic", "alibaba-instance", "tencent"]
ORDER = Order(order_id="C-3001", item="sample cup", quantity=6)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_seal_and_open_replayed(unikms_cassette, unikms_cassette_urls, dialect):
    # the order is made-up data: declared public, so the decrypted answer is kept
    with (
        unikms_cassette(public_plaintexts=[ORDER.to_bytes()]),
        unikms.connect(unikms_cassette_urls[dialect]) as kms,
    ):
        ensure_order_key(kms)
        sealed = seal_order(kms, ORDER)
        assert open_order(kms, sealed, "C-3001") == ORDER
