"""A tiny application: orders sealed under a KMS key, bound to their order id.

It only knows ``unikms.KmsClient``: the same code runs on the fake, on the
emulator through the official SDKs, on Alibaba Cloud KMS and on Tencent KMS.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from unikms import KmsClient

KEY_ALIAS = "alias/orders"


@dataclass(frozen=True)
class Order:
    order_id: str
    item: str
    quantity: int

    def to_bytes(self) -> bytes:
        """The order as the plaintext ``seal_order`` encrypts (canonical JSON)."""
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":")).encode()


def ensure_order_key(kms: KmsClient) -> str:
    """Create the application's key (alias ``alias/orders``); return its id."""
    return kms.create_key(alias=KEY_ALIAS, description="sample: sealed orders").key_id


def seal_order(kms: KmsClient, order: Order) -> bytes:
    """Encrypt an order under ``alias/orders``, bound to its id (encryption context)."""
    sealed = kms.encrypt(KEY_ALIAS, order.to_bytes(), context={"order": order.order_id})
    return sealed.ciphertext


def open_order(kms: KmsClient, sealed: bytes, order_id: str) -> Order:
    """Decrypt a sealed order; fails (``DecryptionFailedError``) under another order's id."""
    opened = kms.decrypt(sealed, context={"order": order_id})
    return Order(**json.loads(opened.plaintext))
