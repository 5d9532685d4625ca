"""Where scenarios run: adapter URLs for an emulator, and its admin hooks.

>>> urls = emulator_urls("127.0.0.1:8080", "/keys/clientKey_KAAP.x.json", "pw")
>>> urls[Dialect.TENCENT].split("?")[0]
'tencent-kms://ap-guangzhou'
"""

from __future__ import annotations

import json
import urllib.request

from unikms.dialects import dialect_packages
from unikms.dialects.package import EmulatorEndpoint
from unikms.types import Dialect

__all__ = ["admin_post", "emulator_urls"]


def emulator_urls(endpoint: str, client_key_file: str, password: str) -> dict[Dialect, str]:
    """The adapter URL of each dialect that declares one, against ``unikms serve`` at
    ``endpoint``.

    These carry the emulator's documented local credentials: what a user
    writes to point the adapters at the emulator.
    """
    at = EmulatorEndpoint(endpoint, client_key_file=client_key_file, client_key_password=password)
    return {
        Dialect(p.name): p.emulator.adapter_url(at)
        for p in dialect_packages()
        if p.emulator is not None and p.emulator.adapter_url is not None
    }


def admin_post(endpoint: str, path: str, doc: dict[str, object] | None = None) -> None:
    """``POST`` to the emulator's ``/_unikms/...`` hooks (``reset``, ``clock``)."""
    request = urllib.request.Request(
        f"http://{endpoint}{path}", data=json.dumps(doc or {}).encode(), method="POST"
    )
    with urllib.request.urlopen(request) as answer:  # noqa: S310 -- a local emulator
        if answer.status != 200:
            raise RuntimeError(f"{path} answered {answer.status}")
